#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <filesystem>

#include "analysis/engine.h"
#include "sources/pcap_file_source.h"
#include "support/frame_builder.h"

using namespace sipmon;

namespace {

// A classic little-endian pcap with microsecond timestamps, written by hand so that the test
// controls every byte (and can damage them).
class PcapWriter {
 public:
  explicit PcapWriter(std::uint32_t link_type) {
    put32(0xa1b2c3d4);
    put16(2);
    put16(4);
    put32(0);
    put32(0);
    put32(65535);
    put32(link_type);
  }
  void add(std::uint32_t seconds, std::uint32_t micros, const std::vector<std::uint8_t>& packet) {
    put32(seconds);
    put32(micros);
    put32(static_cast<std::uint32_t>(packet.size()));
    put32(static_cast<std::uint32_t>(packet.size()));
    bytes_.insert(bytes_.end(), packet.begin(), packet.end());
  }
  std::string save(const std::string& name, std::size_t cut_to = std::string::npos) const {
    const std::string path = (std::filesystem::temp_directory_path() / ("sipmon_test_" + name)).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes_.data()),
              static_cast<std::streamsize>(std::min(cut_to, bytes_.size())));
    return path;
  }
  std::size_t size() const { return bytes_.size(); }

 private:
  void put16(std::uint16_t v) { bytes_.insert(bytes_.end(), {std::uint8_t(v), std::uint8_t(v >> 8)}); }
  void put32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(std::uint8_t(v >> (8 * i)));
  }
  std::vector<std::uint8_t> bytes_;
};

// A little-endian pcapng: section header, one Ethernet interface with the default microsecond
// resolution, enhanced packet blocks with any 64-bit timestamp.
class PcapngWriter {
 public:
  PcapngWriter() {
    block(0x0A0D0D0A, {0x1A2B3C4D, 0x00000001, 0xFFFFFFFF, 0xFFFFFFFF});  // SHB, v1.0, length unknown
    block(0x00000001, {0x00000001, 0x0000FFFF});                          // IDB: Ethernet, snaplen
  }
  void add(std::uint64_t micros, const std::vector<std::uint8_t>& packet) {
    std::vector<std::uint32_t> words = {0, static_cast<std::uint32_t>(micros >> 32), static_cast<std::uint32_t>(micros),
                                        static_cast<std::uint32_t>(packet.size()),
                                        static_cast<std::uint32_t>(packet.size())};
    std::vector<std::uint8_t> data = packet;
    data.resize((data.size() + 3) / 4 * 4, 0);
    block(0x00000006, words, data);
  }
  std::string save(const std::string& name) const {
    const std::string path = (std::filesystem::temp_directory_path() / ("sipmon_test_" + name)).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes_.data()), static_cast<std::streamsize>(bytes_.size()));
    return path;
  }

 private:
  void block(std::uint32_t type, const std::vector<std::uint32_t>& words, const std::vector<std::uint8_t>& data = {}) {
    const auto length = static_cast<std::uint32_t>(12 + 4 * words.size() + data.size());
    put32(type);
    put32(length);
    for (const std::uint32_t w : words) put32(w);
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    put32(length);
  }
  void put32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(std::uint8_t(v >> (8 * i)));
  }
  std::vector<std::uint8_t> bytes_;
};

struct Recorder : FrameSink {
  std::vector<std::int64_t> times;
  std::vector<std::uint32_t> links;
  std::vector<std::string> payload_tails;
  void on_frame(const Frame& frame) override {
    times.push_back(frame.ts_ns);
    links.push_back(frame.link_type);
    payload_tails.emplace_back(as_text(frame.data).substr(frame.data.size() - 2));
  }
};

std::vector<std::uint8_t> frame_with(std::string_view tag) { return test::sip_udp_frame(tag); }

}  // namespace

TEST_CASE("files are merged by packet time, ties in command-line order", "[pcap]") {
  PcapWriter a(1), b(1);
  a.add(10, 0, frame_with("a1"));
  a.add(30, 0, frame_with("a3"));
  b.add(20, 0, frame_with("b2"));
  b.add(30, 0, frame_with("b3"));
  auto source = PcapFileSource::open({a.save("merge_a.pcap"), b.save("merge_b.pcap")});
  REQUIRE(source);
  Recorder recorder;
  source->run(recorder);
  CHECK(recorder.payload_tails == std::vector<std::string>{"a1", "b2", "a3", "b3"});
  CHECK(recorder.times.front() == 10'000'000'000);
  CHECK(source->read_errors().empty());
}

TEST_CASE("a capture cut inside a record yields the packets before the damage", "[pcap]") {
  PcapWriter w(1);
  for (std::uint32_t i = 0; i < 5; ++i) w.add(i, 0, frame_with("p" + std::to_string(i)));
  auto source = PcapFileSource::open({w.save("cut.pcap", w.size() - 10)});
  REQUIRE(source);
  Recorder recorder;
  source->run(recorder);
  CHECK(recorder.times.size() == 4);
  REQUIRE(source->read_errors().size() == 1);
  CHECK(source->read_errors()[0].packet == 5);
  CHECK(source->read_errors()[0].file.find("cut.pcap") != std::string::npos);
}

TEST_CASE("a file that is not a capture, or gives not one packet, is an input error", "[pcap]") {
  const std::string text = (std::filesystem::temp_directory_path() / "sipmon_test_not_a_capture.txt").string();
  std::ofstream(text) << "hello, this is not a capture file\n";
  auto not_capture = PcapFileSource::open({text});
  REQUIRE_FALSE(not_capture);
  CHECK(not_capture.error().kind == ErrorKind::input);
  CHECK(not_capture.error().message.find(text) != std::string::npos);

  PcapWriter w(1);
  w.add(1, 0, frame_with("x1"));
  auto damaged_first = PcapFileSource::open({w.save("first_damaged.pcap", 24 + 10)});
  REQUIRE_FALSE(damaged_first);
  CHECK(damaged_first.error().message.find("not one packet") != std::string::npos);

  auto missing =
      PcapFileSource::open({(std::filesystem::temp_directory_path() / "sipmon_test_does_not_exist.pcap").string()});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("does_not_exist") != std::string::npos);
}

TEST_CASE("an empty capture is read with a warning, an unknown link type is passed on", "[pcap]") {
  PcapWriter empty(1);
  PcapWriter odd(147);
  odd.add(1, 0, frame_with("x1"));
  auto source = PcapFileSource::open({empty.save("empty.pcap"), odd.save("odd.pcap")});
  REQUIRE(source);
  REQUIRE(source->warnings().size() == 2);
  CHECK(source->warnings()[0].find("no packets") != std::string::npos);
  CHECK(source->warnings()[1].find("147") != std::string::npos);
  Recorder recorder;
  source->run(recorder);
  CHECK(recorder.links == std::vector<std::uint32_t>{147});
}

TEST_CASE("DLT_RAW is handed to the engine as LINKTYPE_RAW", "[pcap]") {
  PcapWriter raw(101);  // libpcap reports this file's type as DLT_RAW (12 on Linux)
  raw.add(1, 0, test::udp_ip_packet("r1"));
  auto source = PcapFileSource::open({raw.save("raw.pcap")});
  REQUIRE(source);
  Recorder recorder;
  source->run(recorder);
  CHECK(recorder.links == std::vector<std::uint32_t>{static_cast<std::uint32_t>(LinkType::raw)});
}

TEST_CASE("a pcapng timestamp past 2262 is handed on as unknown, not wrapped into 1969", "[pcap]") {
  // 2^64 - 1 microseconds is 1.8e13 s: times 10^9 it overflows int64 (undefined behaviour, which
  // used to come out negative). The records around it keep their times.
  PcapngWriter w;
  w.add(1'700'000'000'000'000, frame_with("t1"));
  w.add(0xFFFFFFFFFFFFFFFFull, frame_with("t2"));
  w.add(1'700'000'001'000'000, frame_with("t3"));
  auto source = PcapFileSource::open({w.save("huge_time.pcapng")});
  REQUIRE(source);
  Recorder recorder;
  source->run(recorder);
  REQUIRE(recorder.times.size() == 3);
  CHECK(recorder.times[0] == 1'700'000'000'000'000'000);
  CHECK(recorder.times[1] == kFrameTimeUnknown);
  CHECK(recorder.times[2] == 1'700'000'001'000'000'000);
  CHECK(recorder.payload_tails == std::vector<std::string>{"t1", "t2", "t3"});
}

TEST_CASE("frame times are computed without overflow at the edges of what int64 holds", "[pcap]") {
  CHECK(frame_time_ns(0, 0) == 0);
  CHECK(frame_time_ns(1'700'000'000, 5) == 1'700'000'000'000'000'005);
  CHECK(frame_time_ns(-1, 0) == -1'000'000'000);  // before 1970 is representable, and kept
  CHECK(frame_time_ns(9'223'372'036, 854'775'807) == 9'223'372'036'854'775'807);
  CHECK(frame_time_ns(9'223'372'036, 854'775'808) == kFrameTimeUnknown);
  CHECK(frame_time_ns(9'223'372'037, 0) == kFrameTimeUnknown);
  CHECK(frame_time_ns(18'446'744'073'709, 551'615'000) == kFrameTimeUnknown);
  CHECK(frame_time_ns(-9'223'372'037, 0) == kFrameTimeUnknown);
}

TEST_CASE("saved file-reader fuzz inputs are read and every frame handed on is accounted for", "[pcap][fuzz]") {
  // tests/fuzz_regressions/pcap_file_fuzzer/: whole capture files, replayed as pcap_file_fuzzer does.
  const auto dir = std::filesystem::path(SIPMON_SOURCE_DIR) / "tests/fuzz_regressions/pcap_file_fuzzer";
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    INFO(entry.path().string());
    ++files;
    auto source = PcapFileSource::open({entry.path().string()});
    if (!source) continue;  // refused with a message: also a good outcome
    struct Counting : FrameSink {
      Engine engine;
      std::uint64_t frames = 0;
      void on_frame(const Frame& frame) override {
        ++frames;
        engine.on_frame(frame);
      }
    } sink;
    source->run(sink);
    sink.engine.finish();
    const Report report = sink.engine.report();
    CHECK(report.capture.packets == sink.frames);
    if (report.capture.first_ts_ns) CHECK(*report.capture.first_ts_ns <= *report.capture.last_ts_ns);
  }
  CHECK(files > 0);
}

TEST_CASE("the pcapng record past 2262 is counted as timestamp_out_of_range, the capture starts in 2023",
          "[pcap][fuzz]") {
  auto source = PcapFileSource::open(
      {std::string(SIPMON_SOURCE_DIR) + "/tests/fuzz_regressions/pcap_file_fuzzer/pcapng-timestamp-past-2262.pcapng"});
  REQUIRE(source);
  Engine engine;
  source->run(engine);
  engine.finish();
  const Report report = engine.report();
  CHECK(report.capture.packets == 3);
  CHECK(report.capture.outcomes[FrameOutcome::timestamp_out_of_range] == 1);
  CHECK(report.capture.first_ts_ns == 1'700'000'000'000'000'000);  // tshark: 1700000000.000000000
  CHECK(report.capture.last_ts_ns == 1'700'000'001'000'000'000);
  CHECK(report.requests[Method::options] == 2);
}
