// The engine's cost per message on realistic traffic (issue 26): Engine::on_frame (decode, parse,
// transactions, calls, media, counters) over the frames of bench/load_capture.cpp's generator --
// many distinct calls (INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE, 200; cancels, busy,
// rejected and unanswered calls, retransmissions, registrations with digest challenges, OPTIONS
// pings) at a realistic rate -- with the tables at their steady-state occupancy, not one call's
// messages repeated in the CPU caches (sip_parser_bench.cpp's BM_EngineOnFrame gives that).
//
// Each iteration builds a default-configured Engine and feeds it, untimed, every frame before
// WARM seconds of packet time (the tables fill: at 1 400 calls/s, ~48 000 confirmed dialogs and
// ~170 000 live transactions after ~80 s), then times the frames of the next WINDOW seconds. The
// time is CPU time (Google Benchmark's default); `ns_per_message` is that time over the window's
// frames (every frame is one SIP message). Counters give the occupancy at the start of the window
// and the evictions at its end (0 for every table but media's, whose defaults are what they are).
//
// The capture is generated once per process (sipmon_load_capture writing to a pipe, ~0.5 GB in
// memory for the defaults), or read from SIPMON_LOAD_PCAP (a capture it wrote). Environment:
//   SIPMON_LOAD_PCAP   a load capture (classic pcap, microseconds, host byte order)
//   SIPMON_LOAD_CALLS  calls to generate (default 130000: 1 400/s arrivals reach past WARM+WINDOW)
//   SIPMON_LOAD_RATE   calls per second (default 1400)
//   SIPMON_LOAD_WARM   seconds of packet time fed before the window (default 80)
//   SIPMON_LOAD_WINDOW seconds of packet time timed (default 10)
//
//   sipmon_bench --benchmark_filter=EngineLoad
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "analysis/engine.h"

using namespace sipmon;

namespace {

struct LoadCapture {
  std::vector<std::uint8_t> bytes;  // the whole pcap file
  struct Record {
    std::int64_t ts_ns;
    std::size_t offset;
    std::uint32_t length;
  };
  std::vector<Record> records;
  std::size_t warm_end = 0;    // first record of the timed window
  std::size_t window_end = 0;  // one past its last
  std::string error;
};

double env_number(const char* name, double fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtod(value, nullptr) : fallback;
}

std::vector<std::uint8_t> read_all(std::FILE* in) {
  std::vector<std::uint8_t> bytes;
  std::size_t used = 0;
  for (;;) {
    bytes.resize(used + (std::size_t{1} << 24));
    const std::size_t got = std::fread(bytes.data() + used, 1, bytes.size() - used, in);
    used += got;
    if (got == 0) break;
  }
  bytes.resize(used);
  return bytes;
}

LoadCapture load() {
  LoadCapture capture;
  if (const char* path = std::getenv("SIPMON_LOAD_PCAP"); path != nullptr && *path != '\0') {
    std::FILE* in = std::fopen(path, "rb");
    if (in == nullptr) {
      capture.error = std::string("cannot open ") + path;
      return capture;
    }
    capture.bytes = read_all(in);
    std::fclose(in);
  } else {
    const std::string command = std::string(SIPMON_LOAD_CAPTURE) + " - --calls " +
                                std::to_string(static_cast<long long>(env_number("SIPMON_LOAD_CALLS", 130000))) +
                                " --rate " + std::to_string(env_number("SIPMON_LOAD_RATE", 1400)) + " 2>/dev/null";
    std::FILE* in = popen(command.c_str(), "r");
    if (in == nullptr) {
      capture.error = "cannot run " + command;
      return capture;
    }
    capture.bytes = read_all(in);
    if (pclose(in) != 0) capture.error = command + " failed";
  }
  const std::vector<std::uint8_t>& b = capture.bytes;
  std::uint32_t magic = 0;
  if (b.size() >= 24) std::memcpy(&magic, b.data(), 4);
  if (magic != 0xa1b2c3d4u) {
    if (capture.error.empty()) capture.error = "not a host-order microsecond pcap";
    return capture;
  }
  for (std::size_t at = 24; at + 16 <= b.size();) {
    std::uint32_t header[4];
    std::memcpy(header, b.data() + at, 16);
    if (at + 16 + header[2] > b.size()) break;
    capture.records.push_back(LoadCapture::Record{
        static_cast<std::int64_t>(header[0]) * 1'000'000'000 + static_cast<std::int64_t>(header[1]) * 1000, at + 16,
        header[2]});
    at += 16 + header[2];
  }
  if (capture.records.empty()) {
    capture.error = "empty capture";
    return capture;
  }
  const std::int64_t t0 = capture.records.front().ts_ns;
  const auto warm = static_cast<std::int64_t>(env_number("SIPMON_LOAD_WARM", 80) * 1e9);
  const auto window = static_cast<std::int64_t>(env_number("SIPMON_LOAD_WINDOW", 10) * 1e9);
  while (capture.warm_end < capture.records.size() && capture.records[capture.warm_end].ts_ns < t0 + warm)
    ++capture.warm_end;
  capture.window_end = capture.warm_end;
  while (capture.window_end < capture.records.size() && capture.records[capture.window_end].ts_ns < t0 + warm + window)
    ++capture.window_end;
  if (capture.window_end == capture.warm_end) capture.error = "no frames in the window: more calls, or less warm-up";
  return capture;
}

const LoadCapture& capture() {
  static const LoadCapture instance = load();
  return instance;
}

void feed(Engine& engine, const LoadCapture& c, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    const LoadCapture::Record& r = c.records[i];
    engine.on_frame(Frame{r.ts_ns, 1, r.length, Bytes(c.bytes.data() + r.offset, r.length)});
  }
}

// `sipmon replay` always runs the call recorder (its failure analysis reads the records): records:1
// adds it, with a sink that drops the records.
struct DroppingSink final : CallRecordSink {
  void on_call_record(const CallRecord&) override {}
};

void BM_EngineLoad(benchmark::State& state) {
  const LoadCapture& c = capture();
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  DroppingSink sink;
  EngineConfig config;
  if (state.range(0) != 0) config.call_records = &sink;
  config.measure_media = state.range(1) != 0;
  Report before, after;
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = std::make_unique<Engine>(config);
    feed(*engine, c, 0, c.warm_end);
    before = engine->report();
    state.ResumeTiming();
    feed(*engine, c, c.warm_end, c.window_end);
    state.PauseTiming();
    after = engine->report();
    engine.reset();
    state.ResumeTiming();
  }
  const auto messages = static_cast<double>(c.window_end - c.warm_end);
  state.SetItemsProcessed(static_cast<std::int64_t>(messages) * state.iterations());
  // A rate of (messages / 1e9) per second, inverted: nanoseconds of CPU time per message.
  state.counters["ns_per_message"] = benchmark::Counter(messages * static_cast<double>(state.iterations()) * 1e-9,
                                                        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["messages"] = messages;
  state.counters["warmup_messages"] = static_cast<double>(c.warm_end);
  state.counters["dialogs_active"] = static_cast<double>(before.dialogs ? before.dialogs->active : 0);
  state.counters["attempts_pending"] = static_cast<double>(before.rfc6076 ? before.rfc6076->sessions.pending : 0);
  std::uint64_t evicted_calls = 0, evicted_media = 0;
  for (std::size_t i = 0; i < kEvictingTableCount; ++i) {
    const auto table = static_cast<EvictingTable>(i);
    const std::string name(evicting_table_name(table));
    (name.rfind("media", 0) == 0 ? evicted_media : evicted_calls) += after.table_evictions[table];
  }
  state.counters["evicted_nonmedia"] = static_cast<double>(evicted_calls);
  state.counters["evicted_media"] = static_cast<double>(evicted_media);
}
// media:0 is `--no-media`, and with records:0 the engine as issue 26 scopes it: decode, parse,
// transactions, calls, counters.
BENCHMARK(BM_EngineLoad)
    ->ArgNames({"records", "media"})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
