#pragma once
// What the live loop feeds and asks for figures: one engine, or the sharded engines of
// `live --threads N` (analysis/sharded_engine.h, docs/live.md "Both cores"). The loop needs the
// same five things from either.
#include <cstdint>

#include "analysis/engine.h"
#include "analysis/frame.h"
#include "analysis/media_tracker.h"
#include "analysis/report.h"
#include "analysis/sharded_engine.h"

namespace sipmon {

class LiveAnalysis {
 public:
  virtual ~LiveAnalysis() = default;
  // Where the capture source drains its frames.
  virtual FrameSink& frames() = 0;
  // The wall clock (Engine::tick).
  virtual void tick(std::int64_t now_ns) = 0;
  // Everything counted so far (allocates; the sharded engines wait for their threads).
  virtual Report report() = 0;
  // Where the capture hands the RTP streams it measured itself.
  virtual MediaTracker& media() = 0;
  // End of the run, after the final report: call records still open are written.
  virtual void finish() = 0;
};

class SingleEngineAnalysis final : public LiveAnalysis {
 public:
  explicit SingleEngineAnalysis(Engine& engine) : engine_(engine) {}
  FrameSink& frames() override { return engine_; }
  void tick(std::int64_t now_ns) override { engine_.tick(now_ns); }
  Report report() override { return engine_.report(); }
  MediaTracker& media() override { return engine_.media(); }
  void finish() override { engine_.finish(); }

 private:
  Engine& engine_;
};

class ShardedAnalysis final : public LiveAnalysis {
 public:
  explicit ShardedAnalysis(ShardedEngine& engine) : engine_(engine) {}
  FrameSink& frames() override { return engine_; }
  void tick(std::int64_t now_ns) override { engine_.tick(now_ns); }
  Report report() override { return engine_.snapshot(); }
  MediaTracker& media() override { return engine_.media(); }
  void finish() override { engine_.finish(); }

 private:
  ShardedEngine& engine_;
};

}  // namespace sipmon
