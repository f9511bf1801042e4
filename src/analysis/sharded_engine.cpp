#include "analysis/sharded_engine.h"

#include <array>
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
  bool parsed;           // a ParsedHead (and its header views) follows, then the bytes
  std::uint32_t length;  // of the message's bytes
};
static_assert(std::is_trivially_copyable_v<MessageHead>);

// The front's parse of a message, handed on so that the shard does not parse it again: every
// view as an offset and a length into the message's bytes (which the entry carries), the other
// fields as they are. Then one ParsedView per filled header slot, in slot order.
struct ParsedView {
  std::uint32_t offset;  // kNoView: a default-constructed view
  std::uint32_t length;
};
constexpr std::uint32_t kNoView = 0xffffffffu;

#define SIPMON_MESSAGE_VIEWS(X) \
  X(method)                     \
  X(request_uri)                \
  X(reason_phrase)              \
  X(call_id)                    \
  X(cseq_method)                \
  X(from_tag)                   \
  X(to_tag)                     \
  X(top_via)                    \
  X(via_branch)                 \
  X(via_sent_by)                \
  X(header_block)               \
  X(body)

struct ParsedHead {
  std::uint64_t filled_headers;
  std::int64_t content_length;
  std::uint64_t wire_length;
  std::uint32_t cseq_number;
  std::uint16_t status_code;
  std::uint16_t via_count;
  Method method_id;
  Method cseq_method_id;
  MessageDefect defect;
  bool is_request;
  bool mandatory_headers_ok;
#define SIPMON_VIEW_FIELD(name) ParsedView name;
  SIPMON_MESSAGE_VIEWS(SIPMON_VIEW_FIELD)
#undef SIPMON_VIEW_FIELD
};
static_assert(std::is_trivially_copyable_v<ParsedHead>);
// Tripwire: a field added to SipMessage must be handed over here too (or the shard would see it
// default), like SipMessage::clear() (sip_message.h). The message's keys are not handed over: the
// shard engine computes them again from the views (message_keys.h), as one engine does.
static_assert(sizeof(void*) != 8 || sizeof(SipMessage) == 272 + kHeaderIdCount * sizeof(std::string_view),
              "SipMessage changed: update ParsedHead and its copies in sharded_engine.cpp");

// False when the view lies outside `bytes` (the parser only makes views into its input; if that
// ever changed, the shard parses again instead).
bool to_parsed(std::string_view view, Bytes bytes, ParsedView& out) {
  if (view.data() == nullptr) {
    out = {kNoView, 0};
    return true;
  }
  const auto* begin = reinterpret_cast<const char*>(bytes.data());
  if (view.data() < begin || view.data() + view.size() > begin + bytes.size()) return false;
  out = {static_cast<std::uint32_t>(view.data() - begin), static_cast<std::uint32_t>(view.size())};
  return true;
}

std::string_view from_parsed(ParsedView view, const char* base) {
  return view.offset == kNoView ? std::string_view{} : std::string_view(base + view.offset, view.length);
}

// Fills `head` and `views` (one per filled header slot) from the front's parse; false when a view
// cannot be expressed (the shard then parses).
bool hand_over(const SipMessage& message, Bytes bytes, ParsedHead& head, ParsedView* views) {
  head.filled_headers = message.filled_headers;
  head.content_length = message.content_length;
  head.wire_length = message.wire_length;
  head.cseq_number = message.cseq_number;
  head.status_code = message.status_code;
  head.via_count = message.via_count;
  head.method_id = message.method_id;
  head.cseq_method_id = message.cseq_method_id;
  head.defect = message.defect;
  head.is_request = message.is_request;
  head.mandatory_headers_ok = message.mandatory_headers_ok;
  bool ok = true;
#define SIPMON_VIEW_TO(name) ok = ok && to_parsed(message.name, bytes, head.name);
  SIPMON_MESSAGE_VIEWS(SIPMON_VIEW_TO)
#undef SIPMON_VIEW_TO
  std::size_t n = 0;
  for (std::uint64_t filled = message.filled_headers; filled != 0 && ok; filled &= filled - 1) {
    ok = to_parsed(message.headers[static_cast<std::size_t>(__builtin_ctzll(filled))], bytes, views[n++]);
  }
  return ok;
}

// `views`: the entry's ParsedViews, read one by one (the batch gives no alignment guarantee).
void take_over(const ParsedHead& head, const std::uint8_t* views, const char* base, SipMessage& message) {
  message.clear();
  message.filled_headers = head.filled_headers;
  message.content_length = head.content_length;
  message.wire_length = static_cast<std::size_t>(head.wire_length);
  message.cseq_number = head.cseq_number;
  message.status_code = head.status_code;
  message.via_count = head.via_count;
  message.method_id = head.method_id;
  message.cseq_method_id = head.cseq_method_id;
  message.defect = head.defect;
  message.is_request = head.is_request;
  message.mandatory_headers_ok = head.mandatory_headers_ok;
#define SIPMON_VIEW_FROM(name) message.name = from_parsed(head.name, base);
  SIPMON_MESSAGE_VIEWS(SIPMON_VIEW_FROM)
#undef SIPMON_VIEW_FROM
  std::size_t n = 0;
  for (std::uint64_t filled = head.filled_headers; filled != 0; filled &= filled - 1) {
    ParsedView view;
    std::memcpy(&view, views + n++ * sizeof(ParsedView), sizeof view);
    message.headers[static_cast<std::size_t>(__builtin_ctzll(filled))] = from_parsed(view, base);
  }
}

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
  ParsedHead parsed{};
  std::array<ParsedView, kHeaderIdCount> views{};
  const bool handed = hand_over(message, payload.bytes, parsed, views.data());
  const std::size_t header_views = handed ? static_cast<std::size_t>(__builtin_popcountll(message.filled_headers)) : 0;
  const std::size_t parsed_size = handed ? sizeof(ParsedHead) + header_views * sizeof(ParsedView) : 0;
  const std::size_t size = align8(sizeof(EntryHeader) + sizeof(MessageHead) + parsed_size + payload.bytes.size());
  std::uint8_t* at = reserve(shard, size);
  const EntryHeader header{EntryKind::message, static_cast<std::uint32_t>(size)};
  const MessageHead head{.ts_ns = payload.ts_ns,
                         .src = payload.src,
                         .dst = payload.dst,
                         .src_port = payload.src_port,
                         .dst_port = payload.dst_port,
                         .transport = payload.transport,
                         .truncated = payload.truncated,
                         .parsed = handed,
                         .length = static_cast<std::uint32_t>(payload.bytes.size())};
  std::memcpy(at, &header, sizeof header);
  at += sizeof header;
  std::memcpy(at, &head, sizeof head);
  at += sizeof head;
  if (handed) {
    std::memcpy(at, &parsed, sizeof parsed);
    at += sizeof parsed;
    std::memcpy(at, views.data(), header_views * sizeof(ParsedView));
    at += header_views * sizeof(ParsedView);
  }
  if (!payload.bytes.empty()) std::memcpy(at, payload.bytes.data(), payload.bytes.size());
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
        const std::uint8_t* rest = body + sizeof head;
        ParsedHead parsed;
        const std::uint8_t* views = nullptr;
        if (head.parsed) {
          std::memcpy(&parsed, rest, sizeof parsed);
          views = rest + sizeof parsed;
          rest = views + static_cast<std::size_t>(__builtin_popcountll(parsed.filled_headers)) * sizeof(ParsedView);
        }
        Payload payload;
        payload.ts_ns = head.ts_ns;
        payload.transport = head.transport;
        payload.src = head.src;
        payload.dst = head.dst;
        payload.src_port = head.src_port;
        payload.dst_port = head.dst_port;
        payload.truncated = head.truncated;
        payload.bytes = Bytes(rest, head.length);
        if (head.parsed) {
          take_over(parsed, views, reinterpret_cast<const char*>(rest), shard.message);
          engine.on_dispatched_message(payload, shard.message);
        } else {
          engine.on_dispatched_message(payload);
        }
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

bool ShardedEngine::idle() const {
  for (const auto& s : shards_) {
    if (s->consumed.load(std::memory_order_acquire) != s->produced.load(std::memory_order_acquire)) return false;
  }
  return true;
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
