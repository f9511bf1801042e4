// Memory under a flood: N INVITEs with random Call-IDs (optionally each answered by a 180 or a
// 200 with a random To-tag, to fill the dialog table too) replayed through a default-configured
// Engine, frame by frame, through the real decoders and parser. Prints the process' maximum
// resident set size (getrusage) before and after, the table fill and the evictions.
// docs/metrics.md ("Memory") records the figures.
//
//   sipmon_flood_memory [invite|ringing|answered|register][-records] [count] [cap]
//   (defaults: invite 1000000, the default caps; `cap` sets all three caps, e.g. to compare the
//   cost of a table that fits in the CPU caches). "-records" turns call records on (--calls, to a
//   sink that only counts them; `cap` then also sets --max-call-records), so that the difference
//   between "invite" and "invite-records" is what a record costs per open attempt (docs/calls.md).
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "analysis/engine.h"
#include "udp_frame.h"

using namespace sipmon;

namespace {

struct CountingSink final : CallRecordSink {
  std::uint64_t records = 0;
  void on_call_record(const CallRecord&) override { ++records; }
};

// Resident now (not the peak): what the engine's tables hold at this moment.
double rss_now_mib() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

long max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

// The same frame the benchmarks and the allocation check use (bench/udp_frame.h).
std::vector<std::uint8_t> frame_bytes(const std::string& payload) { return bench::udp_frame(payload, 1, 2); }

std::string hex(std::mt19937_64& random) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  const std::uint64_t r = random();
  for (std::size_t i = 0; i < 16; ++i) s[i] = kDigits[(r >> (4 * i)) & 15];
  return s;
}

std::string message(const std::string& start, const std::string& call_id, const std::string& to_tag,
                    const std::string& cseq_method = "INVITE") {
  return start + "\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK" + call_id +
         "\r\nFrom: <sip:flood@127.0.0.1>;tag=f" + call_id.substr(0, 8) + "\r\nTo: <sip:victim@127.0.0.1>" +
         (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\nCall-ID: " + call_id + "@flood\r\nCSeq: 1 " + cseq_method +
         "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "invite";
  const bool records = mode.size() > 8 && mode.compare(mode.size() - 8, 8, "-records") == 0;
  if (records) mode.resize(mode.size() - 8);
  const std::uint64_t count = argc > 2 ? std::stoull(argv[2]) : 1'000'000;
  if (mode != "invite" && mode != "ringing" && mode != "answered" && mode != "register") {
    std::fprintf(stderr, "usage: %s [invite|ringing|answered|register][-records] [count] [cap]\n", argv[0]);
    return 2;
  }
  const long rss_start = max_rss_kib();
  EngineConfig config;
  if (argc > 3) {
    const std::size_t cap = std::stoull(argv[3]);
    config.calls.max_dialogs = config.calls.max_session_attempts = config.calls.max_registration_attempts = cap;
    config.recorder.max_records = cap;
  }
  CountingSink sink;
  if (records) config.call_records = &sink;
  Engine engine(config);
  const long rss_engine = max_rss_kib();
  const double rss_engine_now = rss_now_mib();

  std::mt19937_64 random(1);
  const std::int64_t t0 = 1'800'000'000LL * 1'000'000'000LL;
  const std::int64_t step = 10'000;  // 100,000 INVITEs per second of packet time
  std::uint64_t messages = 0;
  std::chrono::steady_clock::duration in_engine{};
  auto feed = [&](const Frame& frame) {
    const auto start = std::chrono::steady_clock::now();
    engine.on_frame(frame);
    in_engine += std::chrono::steady_clock::now() - start;
  };
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string call_id = hex(random);
    const std::int64_t ts = t0 + static_cast<std::int64_t>(i) * step;
    const auto invite =
        frame_bytes(mode == "register" ? message("REGISTER sip:127.0.0.1 SIP/2.0", call_id, "", "REGISTER")
                                       : message("INVITE sip:victim@127.0.0.1 SIP/2.0", call_id, ""));
    feed(Frame{ts, static_cast<std::uint32_t>(LinkType::ethernet), static_cast<std::uint32_t>(invite.size()), invite});
    ++messages;
    if (mode == "ringing" || mode == "answered") {
      const auto answer =
          frame_bytes(message(mode == "ringing" ? "SIP/2.0 180 Ringing" : "SIP/2.0 200 OK", call_id, hex(random)));
      feed(Frame{ts + 1000, static_cast<std::uint32_t>(LinkType::ethernet), static_cast<std::uint32_t>(answer.size()),
                 answer});
      ++messages;
    }
  }
  const double engine_s = std::chrono::duration<double>(in_engine).count();
  const double rss_end_now = rss_now_mib();
  const Report report = engine.report();
  const long rss_end = max_rss_kib();

  std::printf("mode %s, %llu requests, %llu messages, %.1f s of packet time\n", mode.c_str(),
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(messages),
              static_cast<double>(count) * static_cast<double>(step) * 1e-9);
  const auto mib = [](long kib) { return static_cast<double>(kib) / 1024.0; };
  std::printf("max RSS: start %.1f MiB, engine built %.1f MiB, after flood %.1f MiB\n", mib(rss_start), mib(rss_engine),
              mib(rss_end));
  // Memory per entry (issue 26: <= 512 B of engine state per active dialog and per pending
  // attempt): the resident growth over the flood divided by the requests, and what each table
  // holds: entries now, bytes per entry (node and index share), and the transaction table's slots.
  const CallTracker& calls = engine.calls();
  const auto per_entry = [](std::size_t reserved, std::size_t capacity) {
    return static_cast<double>(reserved) / static_cast<double>(capacity);
  };
  std::printf("resident: engine built %.1f MiB, after flood %.1f MiB: %.0f bytes per request\n", rss_engine_now,
              rss_end_now, (rss_end_now - rss_engine_now) * 1024.0 * 1024.0 / static_cast<double>(count));
  std::printf(
      "tables: attempts %zu x %.0f B, registrations %zu x %.0f B, dialogs %zu x %.0f B, "
      "transactions %zu slots x %zu B (%.0f B per request)\n",
      calls.sessions().size(), per_entry(calls.sessions().reserved_bytes(), calls.sessions().capacity()),
      calls.registrations().size(), per_entry(calls.registrations().reserved_bytes(), calls.registrations().capacity()),
      calls.dialogs().size(), per_entry(calls.dialogs().reserved_bytes(), calls.dialogs().capacity()),
      engine.transactions().capacity(), TransactionTable::kEntryBytes,
      static_cast<double>(engine.transactions().capacity() * TransactionTable::kEntryBytes) /
          static_cast<double>(count));
  std::printf("registration attempts %llu, pending %llu\n",
              static_cast<unsigned long long>(report.rfc6076->registrations.attempts),
              static_cast<unsigned long long>(report.rfc6076->registrations.pending));
  std::printf("attempts %llu, pending %llu, dialogs early %llu established %llu active %llu\n",
              static_cast<unsigned long long>(report.rfc6076->sessions.attempts),
              static_cast<unsigned long long>(report.rfc6076->sessions.pending),
              static_cast<unsigned long long>(report.dialogs->early),
              static_cast<unsigned long long>(report.dialogs->established),
              static_cast<unsigned long long>(report.dialogs->active));
  for (std::size_t i = 0; i < kEvictingTableCount; ++i) {
    const auto table = static_cast<EvictingTable>(i);
    if (!report.table_evictions.listed(table)) continue;
    std::printf("evicted from %s: %llu\n", std::string(evicting_table_name(table)).c_str(),
                static_cast<unsigned long long>(report.table_evictions[table]));
  }
  const CallTracker defaults{CallTrackerConfig{}};
  constexpr double kMiB = 1024.0 * 1024.0;
  std::printf(
      "reserved by the default caps (the most the tables can occupy): %.1f MiB "
      "(attempts %zu: %.1f, registrations %zu: %.1f, dialogs %zu: %.1f)\n",
      static_cast<double>(defaults.reserved_bytes()) / kMiB, defaults.sessions().capacity(),
      static_cast<double>(defaults.sessions().reserved_bytes()) / kMiB, defaults.registrations().capacity(),
      static_cast<double>(defaults.registrations().reserved_bytes()) / kMiB, defaults.dialogs().capacity(),
      static_cast<double>(defaults.dialogs().reserved_bytes()) / kMiB);
  if (records) {
    CountingSink none;
    const CallRecorder recorder(config.recorder, none);
    std::printf(
        "call records written %llu (evicted attempts and early-written records); recorder reserves %.1f MiB "
        "for %zu open records: %.0f bytes each\n",
        static_cast<unsigned long long>(sink.records), static_cast<double>(recorder.reserved_bytes()) / kMiB,
        config.recorder.max_records,
        static_cast<double>(recorder.reserved_bytes()) / static_cast<double>(config.recorder.max_records));
  }
  // Decoding, parsing, counting and call tracking; includes two clock reads per frame (~40 ns).
  std::printf("%.0f ns per message in Engine::on_frame\n", engine_s * 1e9 / static_cast<double>(messages));
  return 0;
}
