#pragma once
// `replay --threads N` (docs/performance.md, "Both cores"): one front engine on the caller's
// thread decodes every frame (link, IP, reassembly, SIP framing), decides its outcome, measures
// media, and hands each SIP message to one of N shard engines, each on its own thread, chosen by
// the message's Call-ID (never by addresses: the legs of a B2BUA, both directions of a call and
// its TCP connections all carry one Call-ID; a message without one goes to shard 0). Every shard
// also gets the front clock's time before each frame, so its timers and series cut exactly where
// one engine's would. The stages are joined by single-producer single-consumer rings of fixed
// batches (allocated once; a full ring makes the front wait: nothing is dropped). report() adds
// the engines' reports (report_sum.h) into the report one engine would have given.
//
// Live (`live --threads N`, docs/live.md): the loop ticks it with the wall clock (tick) and takes
// reports while it runs (snapshot): every shard reports when it reaches the request in its queue,
// so the sum covers exactly the frames handed on before it. Batches go to the shards when full or
// at a snapshot (every metrics refresh), never one per wake-up: a ring of 8 slots handed a few
// messages per wake-up would make the capture thread wait for a shard that the scheduler has not
// run yet (measured: libpcap socket drops at 1 800 messages/s on a loaded machine).
//
// What one engine does that this does not: a series interval's calls_active_max is the sum of
// the shards' maxima (an upper bound); every shard has the full table caps (evictions happen
// later than in one engine, never earlier); no call records, no --hep-out observer (the caller
// keeps one engine for those).
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "analysis/engine.h"
#include "analysis/frame.h"
#include "analysis/message_dispatch.h"
#include "analysis/report.h"
#include "analysis/sip_message.h"

namespace sipmon {

class ShardedEngine final : public FrameSink, private MessageDispatch {
 public:
  // `config` as for one engine (its call_records and observer must be unset); `shards` >= 1.
  ShardedEngine(const EngineConfig& config, std::size_t shards);
  ~ShardedEngine() override;
  ShardedEngine(const ShardedEngine&) = delete;
  ShardedEngine& operator=(const ShardedEngine&) = delete;

  void on_frame(const Frame& frame) override;
  // End of input: the front settles, the rings drain, the shard threads end.
  void finish();
  // After finish(): the sum of the front's and the shards' reports.
  Report report() const;

  // Live: the wall clock, as Engine::tick; the shards' clocks and timers follow.
  void tick(std::int64_t now_ns);
  // Hands the batches being filled to the shards now (snapshot does it first).
  void flush();
  // Whether every batch handed on has been counted (engine_alloc_check waits for it).
  bool idle() const;
  // While running: the report of every frame handed on so far (allocates, and waits until every
  // shard has reached the request; not for the per-packet path).
  Report snapshot();
  // The front's media tracker: it measures all media (live: the kernel's RTP figures go there).
  MediaTracker& media() { return front_->media(); }

  // A Call-ID's shard (FNV-1a of its bytes; the empty Call-ID: shard 0).
  static std::size_t shard_of(std::string_view call_id, std::size_t shards);

  // One batch of a ring: entries (a time, or a message's payload and bytes) back to back.
  static constexpr std::size_t kBatchBytes = 256u << 10;
  static constexpr std::size_t kRingBatches = 8;

 private:
  struct Batch {
    std::vector<std::uint8_t> bytes;
    std::size_t used = 0;
    bool last = false;
  };
  struct Shard {
    std::unique_ptr<Engine> engine;
    std::vector<Batch> ring;
    alignas(64) std::atomic<std::uint64_t> produced{0};
    alignas(64) std::atomic<std::uint64_t> consumed{0};
    alignas(64) Batch* filling = nullptr;  // the front's batch being filled (producer side)
    std::int64_t last_time = 0;
    bool has_time = false;
    SipMessage message;  // the front's parse, rebuilt over the entry's bytes (shard side)
    // snapshot(): the shard's report, written by its thread when it reaches a request.
    Report report;
    std::uint64_t reports_asked = 0;  // front side
    alignas(64) std::atomic<std::uint64_t> reports_done{0};
    std::thread thread;
  };

  void on_time(std::int64_t now_ns) override;
  void on_sip_message(const Payload& payload, const SipMessage& message) override;
  std::uint8_t* reserve(Shard& shard, std::size_t bytes);
  void publish(Shard& shard);
  void acquire(Shard& shard);
  static void run(Shard& shard);

  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<Engine> front_;
  bool finished_ = false;
};

}  // namespace sipmon
