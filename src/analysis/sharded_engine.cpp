#include "analysis/sharded_engine.h"

#include <cstring>
#include <type_traits>

#include "analysis/report_sum.h"

namespace sipmon {
namespace {

enum class EntryKind : std::uint32_t { time = 0, message = 1, report = 2 };

struct EntryHeader {
  EntryKind kind;
  std::uint32_t size;  // of the whole entry, header included, a multiple of 8
};

struct MessageHead {
  std::int64_t ts_ns;
  IpAddress src;
  IpAddress dst;
  std::uint16_t src_port;
  std::uint16_t dst_port;
  Transport transport;
  bool truncated;
  std::uint32_t length;  // bytes that follow
};
static_assert(std::is_trivially_copyable_v<MessageHead>);

constexpr std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }
constexpr std::size_t kTimeEntry = sizeof(EntryHeader) + sizeof(std::int64_t);

// The front engine counts frames and media only: its call and transaction tables stay empty.
EngineConfig front_config(const EngineConfig& config, MessageDispatch* dispatch) {
  EngineConfig front = config;
  front.dispatch = dispatch;
  front.series_interval_ns = 0;
  front.calls.max_dialogs = 64;
  front.calls.max_session_attempts = 64;
  front.calls.max_registration_attempts = 64;
  front.transactions.capacity = 64;
  front.transactions.initial_capacity = 64;
  return front;
}

// A shard counts messages: no media (the front measures it), no decoding, no filters (the front
// applied them).
EngineConfig shard_config(const EngineConfig& config) {
  EngineConfig shard = config;
  shard.dispatch = nullptr;
  shard.ports.clear();
  shard.hosts.reset();
  shard.media.rtp_heuristic = false;
  shard.media.max_endpoints = 64;
  shard.media.max_streams = 64;
  shard.media.max_calls = 64;
  shard.media.max_samples = 64;
  shard.media.endpoint_observer = nullptr;  // the front's media tracker tells the capture (live)
  return shard;
}

}  // namespace

std::size_t ShardedEngine::shard_of(std::string_view call_id, std::size_t shards) {
  if (call_id.empty() || shards <= 1) return 0;
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : call_id) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>((h ^ (h >> 32)) % shards);
}

ShardedEngine::ShardedEngine(const EngineConfig& config, std::size_t shards) {
  if (shards == 0) shards = 1;
  const EngineConfig shard = shard_config(config);
  for (std::size_t i = 0; i < shards; ++i) {
    auto s = std::make_unique<Shard>();
    s->engine = std::make_unique<Engine>(shard);
    s->ring.resize(kRingBatches);
    for (Batch& b : s->ring) b.bytes.resize(kBatchBytes);
    shards_.push_back(std::move(s));
  }
  front_ = std::make_unique<Engine>(front_config(config, this));
  for (auto& s : shards_) s->thread = std::thread(&ShardedEngine::run, std::ref(*s));
}

ShardedEngine::~ShardedEngine() {
  if (!finished_) finish();
}

void ShardedEngine::on_frame(const Frame& frame) { front_->on_frame(frame); }

void ShardedEngine::acquire(Shard& shard) {
  const std::uint64_t produced = shard.produced.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t consumed = shard.consumed.load(std::memory_order_acquire);
    if (produced - consumed < kRingBatches) break;
    shard.consumed.wait(consumed, std::memory_order_acquire);  // back-pressure: the shard is behind
  }
  shard.filling = &shard.ring[produced % kRingBatches];
  shard.filling->used = 0;
  shard.filling->last = false;
}

void ShardedEngine::publish(Shard& shard) {
  shard.produced.fetch_add(1, std::memory_order_release);
  shard.produced.notify_one();
  shard.filling = nullptr;
}

std::uint8_t* ShardedEngine::reserve(Shard& shard, std::size_t bytes) {
  if (shard.filling == nullptr) acquire(shard);
  if (shard.filling->used + bytes > shard.filling->bytes.size()) {
    if (shard.filling->used > 0) {
      publish(shard);
      acquire(shard);
    }
    // A message larger than a batch (a reassembled TCP message of hundreds of KiB): the batch
    // grows once, for it and later ones.
    if (bytes > shard.filling->bytes.size()) shard.filling->bytes.resize(bytes);
  }
  std::uint8_t* at = shard.filling->bytes.data() + shard.filling->used;
  shard.filling->used += bytes;
  return at;
}

void ShardedEngine::on_time(std::int64_t now_ns) {
  for (auto& s : shards_) {
    Shard& shard = *s;
    if (shard.has_time && shard.last_time == now_ns) continue;
    shard.has_time = true;
    shard.last_time = now_ns;
    std::uint8_t* at = reserve(shard, kTimeEntry);
    const EntryHeader header{EntryKind::time, static_cast<std::uint32_t>(kTimeEntry)};
    std::memcpy(at, &header, sizeof header);
    std::memcpy(at + sizeof header, &now_ns, sizeof now_ns);
  }
}

void ShardedEngine::on_sip_message(const Payload& payload, const SipMessage& message) {
  Shard& shard = *shards_[shard_of(message.call_id, shards_.size())];
  const std::size_t size = align8(sizeof(EntryHeader) + sizeof(MessageHead) + payload.bytes.size());
  std::uint8_t* at = reserve(shard, size);
  const EntryHeader header{EntryKind::message, static_cast<std::uint32_t>(size)};
  const MessageHead head{.ts_ns = payload.ts_ns,
                         .src = payload.src,
                         .dst = payload.dst,
                         .src_port = payload.src_port,
                         .dst_port = payload.dst_port,
                         .transport = payload.transport,
                         .truncated = payload.truncated,
                         .length = static_cast<std::uint32_t>(payload.bytes.size())};
  std::memcpy(at, &header, sizeof header);
  std::memcpy(at + sizeof header, &head, sizeof head);
  if (!payload.bytes.empty()) std::memcpy(at + sizeof header + sizeof head, payload.bytes.data(), payload.bytes.size());
}

void ShardedEngine::run(Shard& shard) {
  Engine& engine = *shard.engine;
  std::uint64_t consumed = 0;
  for (;;) {
    while (shard.produced.load(std::memory_order_acquire) == consumed)
      shard.produced.wait(consumed, std::memory_order_acquire);
    const Batch& batch = shard.ring[consumed % kRingBatches];
    std::size_t at = 0;
    while (at < batch.used) {
      EntryHeader header;
      std::memcpy(&header, batch.bytes.data() + at, sizeof header);
      const std::uint8_t* body = batch.bytes.data() + at + sizeof header;
      if (header.kind == EntryKind::report) {
        shard.report = engine.report();
        shard.reports_done.fetch_add(1, std::memory_order_release);
        shard.reports_done.notify_one();
      } else if (header.kind == EntryKind::time) {
        std::int64_t now_ns;
        std::memcpy(&now_ns, body, sizeof now_ns);
        engine.on_dispatched_time(now_ns);
      } else {
        MessageHead head;
        std::memcpy(&head, body, sizeof head);
        Payload payload;
        payload.ts_ns = head.ts_ns;
        payload.transport = head.transport;
        payload.src = head.src;
        payload.dst = head.dst;
        payload.src_port = head.src_port;
        payload.dst_port = head.dst_port;
        payload.truncated = head.truncated;
        payload.bytes = Bytes(body + sizeof head, head.length);
        engine.on_dispatched_message(payload);
      }
      at += header.size;
    }
    const bool last = batch.last;
    ++consumed;
    shard.consumed.store(consumed, std::memory_order_release);
    shard.consumed.notify_one();
    if (last) break;
  }
  engine.finish();
}

void ShardedEngine::tick(std::int64_t now_ns) {
  front_->tick(now_ns);
  on_time(now_ns);  // the shards' clocks, like the front's, never move backwards
}

void ShardedEngine::flush() {
  for (auto& s : shards_) {
    if (s->filling != nullptr && s->filling->used > 0) publish(*s);
  }
}

Report ShardedEngine::snapshot() {
  for (auto& s : shards_) {
    std::uint8_t* at = reserve(*s, sizeof(EntryHeader));
    const EntryHeader header{EntryKind::report, static_cast<std::uint32_t>(sizeof(EntryHeader))};
    std::memcpy(at, &header, sizeof header);
    publish(*s);
    ++s->reports_asked;
  }
  Report total = front_->report();
  for (auto& s : shards_) {
    for (;;) {
      const std::uint64_t done = s->reports_done.load(std::memory_order_acquire);
      if (done == s->reports_asked) break;
      s->reports_done.wait(done, std::memory_order_acquire);
    }
    add_report(total, s->report);
  }
  return total;
}

void ShardedEngine::finish() {
  if (finished_) return;
  finished_ = true;
  front_->finish();  // a held frame is settled, and its messages dispatched, first
  for (auto& s : shards_) {
    if (s->filling == nullptr) acquire(*s);
    s->filling->last = true;
    publish(*s);
  }
  for (auto& s : shards_) s->thread.join();
}

Report ShardedEngine::report() const {
  Report total = front_->report();
  for (const auto& s : shards_) add_report(total, s->engine->report());
  return total;
}

}  // namespace sipmon
