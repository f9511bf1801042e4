#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

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
    const std::string path = std::string("/tmp/sipmon_test_") + name;
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
  const std::string text = "/tmp/sipmon_test_not_a_capture.txt";
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

  auto missing = PcapFileSource::open({"/tmp/sipmon_test_does_not_exist.pcap"});
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
