// The block reader (capture_blocks.h) and libpcap give the same frames, frame for frame
// (time, link type, captured and original length, bytes) and the same damage, on every sample,
// every capture of the shared corpus and generated edge cases. libpcap is the truth: it is read
// through `--reader libpcap`'s path (FileReader::libpcap).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "sources/capture_blocks.h"
#include "sources/capture_stream.h"
#include "sources/pcap_file_source.h"
#include "support/catch_session.h"
#include "support/frame_builder.h"
#include "support/shared_corpus.h"

using namespace sipmon;

namespace {

struct ReadFrame {
  std::int64_t ts_ns;
  std::uint32_t link_type;
  std::uint32_t caplen;
  std::uint32_t wire_len;
  std::vector<std::uint8_t> bytes;
  bool operator==(const ReadFrame&) const = default;
};

struct ReadAll {
  std::string open_error;  // empty when opened
  std::vector<ReadFrame> frames;
  std::vector<ReadError> errors;
  std::string reader;
};

ReadAll read_all(const std::string& path, FileReader which) {
  ReadAll out;
  auto source = PcapFileSource::open({path}, which);
  if (!source) {
    out.open_error = source.error().message;
    return out;
  }
  struct Sink : FrameSink {
    std::vector<ReadFrame>* frames;
    void on_frame(const Frame& f) override {
      frames->push_back(ReadFrame{f.ts_ns, f.link_type, static_cast<std::uint32_t>(f.data.size()), f.wire_len,
                                  std::vector<std::uint8_t>(f.data.begin(), f.data.end())});
    }
  } sink;
  sink.frames = &out.frames;
  source->run(sink);
  out.errors = source->read_errors();
  out.reader = source->files().front().reader;
  return out;
}

// Both readers on `path`; returns the automatic reader's name ("blocks", "blocks+libpcap", "libpcap").
std::string check_agreement(const std::string& path) {
  INFO(path);
  const ReadAll fast = read_all(path, FileReader::automatic);
  const ReadAll slow = read_all(path, FileReader::libpcap);
  CHECK(fast.open_error == slow.open_error);
  REQUIRE(fast.frames.size() == slow.frames.size());
  for (std::size_t i = 0; i < fast.frames.size(); ++i) {
    INFO("frame " << i + 1);
    CHECK(fast.frames[i].ts_ns == slow.frames[i].ts_ns);
    CHECK(fast.frames[i].link_type == slow.frames[i].link_type);
    CHECK(fast.frames[i].caplen == slow.frames[i].caplen);
    CHECK(fast.frames[i].wire_len == slow.frames[i].wire_len);
    CHECK(fast.frames[i].bytes == slow.frames[i].bytes);
  }
  REQUIRE(fast.errors.size() == slow.errors.size());
  for (std::size_t i = 0; i < fast.errors.size(); ++i) {
    CHECK(fast.errors[i].packet == slow.errors[i].packet);
    CHECK(fast.errors[i].message == slow.errors[i].message);
  }
  if (fast.open_error.empty()) CHECK(slow.reader == "libpcap");
  return fast.reader;
}

// Capture files written byte by byte, in either byte order.
class Writer {
 public:
  explicit Writer(bool big_endian) : big_(big_endian) {}
  Writer& u8(std::uint8_t v) {
    bytes_.push_back(v);
    return *this;
  }
  Writer& u16(std::uint16_t v) {
    return big_ ? u8(std::uint8_t(v >> 8)).u8(std::uint8_t(v)) : u8(std::uint8_t(v)).u8(std::uint8_t(v >> 8));
  }
  Writer& u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(std::uint8_t(v >> (big_ ? 24 - 8 * i : 8 * i)));
    return *this;
  }
  Writer& raw(const std::vector<std::uint8_t>& data) {
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return *this;
  }
  Writer& pad4() {
    while (bytes_.size() % 4 != 0) u8(0);
    return *this;
  }
  std::size_t size() const { return bytes_.size(); }
  std::string bytes() const { return std::string(bytes_.begin(), bytes_.end()); }
  // pcapng: a block whose body `body` writes; lengths filled in.
  template <typename Body>
  Writer& block(std::uint32_t type, Body body) {
    const std::size_t start = bytes_.size();
    u32(type).u32(0);
    body(*this);
    pad4();
    const auto length = static_cast<std::uint32_t>(bytes_.size() - start + 4);
    u32(length);
    Writer len(big_);
    len.u32(length);
    std::copy(len.bytes_.begin(), len.bytes_.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(start + 4));
    return *this;
  }
  Writer& shb() {
    return block(0x0A0D0D0A, [](Writer& w) { w.u32(0x1A2B3C4D).u16(1).u16(0).u32(0xFFFFFFFF).u32(0xFFFFFFFF); });
  }
  // IDB with an if_tsresol option when `tsresol` >= 0.
  Writer& idb(std::uint16_t link_type, std::uint32_t snaplen, int tsresol = -1) {
    return block(1, [&](Writer& w) {
      w.u16(link_type).u16(0).u32(snaplen);
      if (tsresol >= 0) w.u16(9).u16(1).u8(std::uint8_t(tsresol)).pad4().u16(0).u16(0);
    });
  }
  Writer& epb(std::uint32_t iface, std::uint64_t t, const std::vector<std::uint8_t>& data, std::uint32_t wire_len = 0) {
    return block(6, [&](Writer& w) {
      w.u32(iface).u32(std::uint32_t(t >> 32)).u32(std::uint32_t(t));
      w.u32(std::uint32_t(data.size())).u32(wire_len ? wire_len : std::uint32_t(data.size())).raw(data);
    });
  }
  Writer& pcap_header(bool nano, std::uint32_t snaplen, std::uint32_t link_type) {
    return u32(nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(snaplen).u32(link_type);
  }
  Writer& pcap_record(std::uint32_t sec, std::uint32_t frac, const std::vector<std::uint8_t>& data,
                      std::uint32_t wire_len = 0) {
    return u32(sec)
        .u32(frac)
        .u32(std::uint32_t(data.size()))
        .u32(wire_len ? wire_len : std::uint32_t(data.size()))
        .raw(data);
  }
  std::string save(const std::string& name, std::size_t cut = std::string::npos) const {
    const std::string path = (std::filesystem::temp_directory_path() / ("sipmon_reader_" + name)).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes_.data()), static_cast<std::streamsize>(std::min(cut, size())));
    return path;
  }

 private:
  bool big_;
  std::vector<std::uint8_t> bytes_;
};

std::vector<std::uint8_t> packet(const std::string& tag) { return test::sip_udp_frame(tag); }

std::vector<std::filesystem::path> captures_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".pcap" || ext == ".pcapng") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("the mapped reader and libpcap agree on every sample", "[pcap][reader]") {
  const auto files = captures_in(std::filesystem::path(SIPMON_SOURCE_DIR) / "samples");
  REQUIRE(files.size() >= 10);
  for (const auto& file : files) CHECK(check_agreement(file.string()) == "blocks");
}

TEST_CASE("the mapped reader and libpcap agree on every capture of the shared corpus", "[pcap][reader][corpus]") {
  const std::vector<std::filesystem::path> files = captures_in(test::shared_corpus_dir());
  if (files.empty()) {
    test::skip("the shared corpus (../shared/corpus) is missing");
    return;
  }
  std::size_t mapped = 0;
  for (const auto& file : files) mapped += check_agreement(file.string()) == "blocks" ? 1 : 0;
  // Nearly all are plain captures the mapped reader reads alone; the rest were compared too.
  CHECK(mapped * 10 >= files.size() * 8);
}

TEST_CASE("big-endian and nanosecond pcaps, and times past 2038, agree", "[pcap][reader]") {
  for (const bool big : {false, true}) {
    for (const bool nano : {false, true}) {
      Writer w(big);
      w.pcap_header(nano, 65535, 1);
      w.pcap_record(1'700'000'000, nano ? 123'456'789 : 123'456, packet("a1"));
      w.pcap_record(0xF0000000u, 999'999, packet("a2"), 1500);  // a sign bit in the seconds
      w.pcap_record(0, 0, packet("a3"));
      const std::string name = std::string(big ? "be" : "le") + (nano ? "_nano" : "_micro") + ".pcap";
      CHECK(check_agreement(w.save(name)) == "blocks");
    }
  }
  // Hand-worked: 1 700 000 000 s and 123 456 us.
  Writer w(true);
  w.pcap_header(false, 0, 1).pcap_record(1'700'000'000, 123'456, packet("b1"));
  const ReadAll read = read_all(w.save("be_hand.pcap"), FileReader::automatic);
  REQUIRE(read.frames.size() == 1);
  CHECK(read.frames[0].ts_ns == 1'700'000'000'123'456'000);
  CHECK(read.reader == "blocks");
}

TEST_CASE("truncated pcaps: the good part read, the damage reported as libpcap reports it", "[pcap][reader]") {
  Writer w(false);
  w.pcap_header(false, 65535, 1);
  for (std::uint32_t i = 0; i < 4; ++i) w.pcap_record(i, 0, packet("p" + std::to_string(i)));
  const std::size_t last = packet("p3").size() + 16;
  for (const std::size_t cut : {std::size_t{1}, std::size_t{10}, std::size_t{16}, std::size_t{20}, last - 1}) {
    const std::string path = w.save("cut_" + std::to_string(cut) + ".pcap", w.size() - last + cut);
    CHECK(check_agreement(path) == "blocks");
    const ReadAll read = read_all(path, FileReader::automatic);
    CHECK(read.frames.size() == 3);
    REQUIRE(read.errors.size() == 1);
    CHECK(read.errors[0].packet == 4);
  }
  // Cut inside the first record: refused with libpcap's words, by either reader.
  const std::string first = w.save("cut_first.pcap", 24 + 30);
  CHECK(check_agreement(first) == "");
}

TEST_CASE("a pcapng with two interfaces of different resolutions, sections, blocks to skip", "[pcap][reader]") {
  for (const bool big : {false, true}) {
    Writer w(big);
    w.shb();
    w.idb(1, 0, 6);     // microseconds, snap length 0 (none)
    w.idb(1, 0, 9);     // nanoseconds
    w.idb(1, 0, 0x94);  // 2^-20 s
    w.idb(1, 0, 3);     // milliseconds: the general decimal case, units under 10^9
    w.idb(1, 0, 12);    // picoseconds: units over 10^9
    w.epb(0, 1'700'000'000'123'456ull, packet("n1"));
    w.epb(1, 1'700'000'000'123'456'789ull, packet("n2"), 900);
    w.epb(2, (1'700'000'001ull << 20) + 524'288, packet("n3"));
    w.epb(3, 1'700'000'003'250ull, packet("n5"));
    w.epb(4, 5'123'456'789'012ull, packet("n6"));                    // 2^64 ps is ~213 days: a time near 0
    w.block(5, [](Writer& b) { b.u32(0).u32(0).u32(0); });           // interface statistics
    w.block(0x0BAD, [](Writer& b) { b.u32(1).u32(2); });             // unknown: skipped
    w.block(3, [&](Writer& b) { b.u32(60000).raw(packet("s1")); });  // SPB: original length > data
    w.shb();                                                         // a second section
    w.idb(1, 0);                                                     // default resolution
    w.epb(0, 1'700'000'002'000'000ull, packet("n4"));
    const std::string path = w.save(big ? "two_if_be.pcapng" : "two_if_le.pcapng");
    const std::string reader = check_agreement(path);
    // The SPB's data is shorter than min(original length, snap length): libpcap's to read.
    CHECK(reader == "blocks+libpcap");
    const ReadAll read = read_all(path, FileReader::automatic);
    REQUIRE(read.frames.size() >= 5);
    CHECK(read.frames[0].ts_ns == 1'700'000'000'123'456'000);
    CHECK(read.frames[1].ts_ns == 1'700'000'000'123'456'789);
    CHECK(read.frames[1].wire_len == 900);
    CHECK(read.frames[2].ts_ns == 1'700'000'001'500'000'000);  // 2^19 / 2^20 s
    CHECK(read.frames[3].ts_ns == 1'700'000'003'250'000'000);
    CHECK(read.frames[4].ts_ns == 5'123'456'789);  // libpcap truncates below a nanosecond
  }
  // The same without the odd SPB: the block reader alone.
  Writer w(false);
  w.shb().idb(1, 0, 6).idb(1, 0, 9);
  w.epb(0, 1'700'000'000'000'001ull, packet("m1"));
  w.epb(1, 1'700'000'000'000'000'002ull, packet("m2"));
  w.block(3, [&](Writer& b) { b.u32(std::uint32_t(packet("s1").size())).raw(packet("s1")); });
  w.shb().idb(1, 0).epb(0, 5, packet("m3"));  // libpcap wants the first snap length again
  CHECK(check_agreement(w.save("two_if_plain.pcapng")) == "blocks");
}

TEST_CASE("truncated pcapng blocks and records libpcap must clip are reported as libpcap does", "[pcap][reader]") {
  Writer w(false);
  w.shb().idb(1, 0);
  for (int i = 0; i < 3; ++i) w.epb(0, 1'000'000ull * (i + 1), packet("q" + std::to_string(i)));
  for (const std::size_t cut : {std::size_t{3}, std::size_t{8}, std::size_t{40}}) {
    const std::string path = w.save("cut_" + std::to_string(cut) + ".pcapng", w.size() - cut);
    CHECK(check_agreement(path) == "blocks");
    const ReadAll read = read_all(path, FileReader::automatic);
    CHECK(read.frames.size() == 2);
    REQUIRE(read.errors.size() == 1);
    CHECK(read.errors[0].packet == 3);
  }
  // A record longer than the snap length: libpcap clips it (pcap) or refuses it (pcapng); the
  // block reader hands that record to libpcap.
  Writer p(false);
  p.pcap_header(false, 100, 1).pcap_record(1, 0, packet("c1")).pcap_record(2, 0, std::vector<std::uint8_t>(150, 7));
  p.pcap_record(3, 0, packet("c3"));
  CHECK(check_agreement(p.save("over_snaplen.pcap")) == "blocks+libpcap");
  Writer n(false);
  n.shb().idb(1, 100).epb(0, 1, packet("d1")).epb(0, 2, std::vector<std::uint8_t>(150, 7));
  CHECK(check_agreement(n.save("over_snaplen.pcapng")) == "blocks+libpcap");
}

TEST_CASE("a pcapng whose interfaces differ in link type: each packet keeps its own", "[pcap][reader]") {
  // mergecap's output; libpcap stops at the second interface, the block reader reads it all.
  Writer w(false);
  w.shb().idb(1, 0).idb(101, 0);
  w.epb(0, 1'000'000, packet("e1"));
  w.epb(1, 2'000'000, test::udp_ip_packet("r1"));
  const std::string path = w.save("mixed_links.pcapng");
  const ReadAll fast = read_all(path, FileReader::automatic);
  CHECK(fast.reader == "blocks");
  REQUIRE(fast.frames.size() == 2);
  CHECK(fast.frames[0].link_type == 1);
  CHECK(fast.frames[1].link_type == 101);
  CHECK(fast.errors.empty());
  const ReadAll slow = read_all(path, FileReader::libpcap);
  CHECK(!slow.open_error.empty());
  CHECK(slow.open_error.find("different from the type of the first interface") != std::string::npos);
}

TEST_CASE("what the mapped reader does not start on is read by libpcap", "[pcap][reader]") {
  // Version 2.3 pcap (libpcap may swap its lengths), an unsupported link type, a gzip file.
  Writer old(false);
  old.u32(0xa1b2c3d4).u16(2).u16(3).u32(0).u32(0).u32(65535).u32(1).pcap_record(1, 0, packet("o1"));
  CHECK(check_agreement(old.save("v23.pcap")) == "libpcap");
  Writer odd(false);
  odd.pcap_header(false, 65535, 147).pcap_record(1, 0, packet("x1"));
  CHECK(check_agreement(odd.save("linktype147.pcap")) == "libpcap");
  CHECK(!CaptureBlockParser::start(Bytes()).has_value());
  const std::uint8_t gzip[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(!CaptureBlockParser::start(Bytes(gzip)).has_value());
}

TEST_CASE("files longer than the block reader's buffer: records across its edges, damage at the end",
          "[pcap][reader]") {
  // Records of every size from a few bytes to 70 000, so that the 1 MiB buffer's edge falls inside
  // headers and bodies at many offsets; ~6 MiB, several refills.
  const std::size_t target = 6 * CaptureFileBlocks::kBufferBytes;
  const auto body = [](std::uint32_t i) {
    return std::vector<std::uint8_t>(1 + (i * 7919u) % 70'000u, static_cast<std::uint8_t>(i));
  };
  Writer p(false);
  p.pcap_header(true, 0, 1);
  std::uint32_t records = 0;
  for (; p.size() < target; ++records) p.pcap_record(records, records, body(records));
  CHECK(check_agreement(p.save("long.pcap")) == "blocks");
  const ReadAll whole = read_all(p.save("long.pcap"), FileReader::automatic);
  CHECK(whole.frames.size() == records);
  CHECK(whole.errors.empty());
  // Cut in the last record's header and in its body: all the others read, the damage reported.
  for (const std::size_t cut : {std::size_t{5}, std::size_t{1000}}) {
    const std::string path = p.save("long_cut_" + std::to_string(cut) + ".pcap", p.size() - cut);
    CHECK(check_agreement(path) == "blocks");
    const ReadAll read = read_all(path, FileReader::automatic);
    CHECK(read.frames.size() == records - 1);
    REQUIRE(read.errors.size() == 1);
    CHECK(read.errors[0].packet == records);
  }
  Writer n(false);
  n.shb().idb(1, 0, 9);
  std::uint32_t blocks = 0;
  for (; n.size() < target; ++blocks) {
    n.epb(0, 1'000'000ull * blocks, body(blocks));
    if (blocks % 97 == 0) n.block(0x0BAD, [](Writer& b) { b.u32(1).u32(2).u32(3); });  // skipped
  }
  CHECK(check_agreement(n.save("long.pcapng")) == "blocks");
  CHECK(check_agreement(n.save("long_cut.pcapng", n.size() - 9)) == "blocks");
}

// --- streams: standard input, pipes, compressed files -------------------------------------------
// The block reader reads them too (CaptureFileBlocks::from_stream); libpcap, reading the same
// stream, is the truth. A stream cannot be rewound, so what the block reader does not start on
// and the records it hands over mid-stream reach libpcap through the bytes it kept
// (prepend_to_capture_stream): the cases below are those of the files above.

namespace {

bool have_tool(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// `path` compressed by `tool` ("gzip" or "zstd") next to it; its name.
std::string compressed(const std::string& path, const std::string& tool) {
  const std::string out = path + (tool == "gzip" ? ".gz" : ".zst");
  const std::string command = tool + (tool == "gzip" ? " -c " : " -q -c ") + path + " > " + out;
  REQUIRE(std::system(command.c_str()) == 0);
  return out;
}

// `path`'s bytes written into a named pipe by another thread while `which` reads the pipe.
ReadAll read_through_fifo(const std::string& path, FileReader which) {
  const std::string fifo = path + ".fifo";
  std::filesystem::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::thread writer([&] {
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0) return;
    // A reader that stops early (damage) closes its end: the rest fails with EPIPE, not SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  ReadAll read = read_all(fifo, which);
  writer.join();
  std::filesystem::remove(fifo);
  return read;
}

// The block reader on the stream agrees with libpcap on the same stream; returns its reader's
// name. `fifo`: read through a named pipe (both readers), else `path` (a compressed file) itself.
std::string check_stream_agreement(const std::string& path, bool fifo) {
  INFO((fifo ? "through a pipe: " : "") << path);
  const ReadAll fast = fifo ? read_through_fifo(path, FileReader::automatic) : read_all(path, FileReader::automatic);
  const ReadAll slow = fifo ? read_through_fifo(path, FileReader::libpcap) : read_all(path, FileReader::libpcap);
  INFO("opened: " << (fast.open_error.empty() ? "yes" : fast.open_error));
  CHECK(fast.open_error == slow.open_error);
  CHECK(fast.frames == slow.frames);
  REQUIRE(fast.errors.size() == slow.errors.size());
  for (std::size_t i = 0; i < fast.errors.size(); ++i) {
    CHECK(fast.errors[i].packet == slow.errors[i].packet);
    CHECK(fast.errors[i].message == slow.errors[i].message);
  }
  return fast.reader;
}

// Every way a capture can arrive as a stream: gzip, zstd, a pipe, gzip through a pipe. Each
// gives the frames and damage libpcap gives, by the reader `expected` names.
void check_every_stream(const std::string& path, const std::string& expected) {
  const std::string gz = compressed(path, "gzip");
  CHECK(check_stream_agreement(gz, false) == expected);
  CHECK(check_stream_agreement(compressed(path, "zstd"), false) == expected);
  CHECK(check_stream_agreement(path, true) == expected);
  CHECK(check_stream_agreement(gz, true) == expected);
}

// `which` reading standard input while it is `path` opened with `flags` (a pipe's case is the named
// pipe's above); the test's own standard input is put back after.
ReadAll read_as_stdin(const std::string& path, int flags, FileReader which) {
  const int saved = ::dup(STDIN_FILENO);
  REQUIRE(saved >= 0);
  const int fd = ::open(path.c_str(), flags);
  REQUIRE(fd >= 0);
  ::dup2(fd, STDIN_FILENO);
  ::close(fd);
  ReadAll read = read_all(kStdinPath, which);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  return read;
}

bool stream_tools() {
  if (have_tool("gzip") && have_tool("zstd")) return true;
  test::skip("gzip or zstd is not installed");
  return false;
}

}  // namespace

TEST_CASE("streams: every sample through gzip, zstd and a pipe is read by the block reader", "[pcap][reader]") {
  if (!stream_tools()) return;
  const auto files = captures_in(std::filesystem::path(SIPMON_SOURCE_DIR) / "samples");
  REQUIRE(files.size() >= 10);
  for (const auto& file : files) {
    // Copied out of the source tree: the compressed files are written beside it.
    const std::string copy =
        (std::filesystem::temp_directory_path() / ("sipmon_stream_" + file.filename().string())).string();
    std::filesystem::copy_file(file, copy, std::filesystem::copy_options::overwrite_existing);
    check_every_stream(copy, "blocks");
  }
}

TEST_CASE("streams: records across the buffer's edges, sections, damage and hand-overs agree with libpcap",
          "[pcap][reader]") {
  if (!stream_tools()) return;
  // ~6 MiB of records of every size: several refills of the 1 MiB buffer from the stream.
  const auto body = [](std::uint32_t i) {
    return std::vector<std::uint8_t>(1 + (i * 7919u) % 70'000u, static_cast<std::uint8_t>(i));
  };
  Writer p(false);
  p.pcap_header(true, 0, 1);
  for (std::uint32_t i = 0; p.size() < 6 * CaptureFileBlocks::kBufferBytes; ++i) p.pcap_record(i, i, body(i));
  check_every_stream(p.save("stream_long.pcap"), "blocks");
  // Cut inside the last record (compressed whole): the parser's damage, in libpcap's words.
  check_every_stream(p.save("stream_long_cut.pcap", p.size() - 1000), "blocks");

  // Two sections of several interfaces, then a simple packet block libpcap must read: the block
  // reader hands the stream over with the section's header and interfaces read again.
  Writer s(false);
  s.shb().idb(1, 0, 6).idb(1, 0, 9).epb(0, 1'700'000'000'123'456ull, packet("s1"));
  s.epb(1, 1'700'000'000'123'456'789ull, packet("s2"));
  s.shb().idb(1, 0).idb(1, 0, 9).epb(1, 5, packet("s3"));
  s.block(3, [&](Writer& b) { b.u32(60000).raw(packet("s4")); });  // SPB: libpcap's
  s.epb(0, 7, packet("s5"));
  check_every_stream(s.save("stream_sections.pcapng"), "blocks+libpcap");
  // A record over the snap length in the middle of a classic pcap: handed over too.
  Writer o(false);
  o.pcap_header(false, 100, 1).pcap_record(1, 0, packet("o1")).pcap_record(2, 0, std::vector<std::uint8_t>(150, 7));
  o.pcap_record(3, 0, packet("o3"));
  check_every_stream(o.save("stream_over_snaplen.pcap"), "blocks+libpcap");
  // What the block reader does not start on: libpcap reads the stream from its first byte.
  Writer old(false);
  old.u32(0xa1b2c3d4).u16(2).u16(3).u32(0).u32(0).u32(65535).u32(1).pcap_record(1, 0, packet("v1"));
  check_every_stream(old.save("stream_v23.pcap"), "libpcap");
}

TEST_CASE("streams: compressed data cut short or corrupt ends the read with the stream's words", "[pcap][reader]") {
  if (!stream_tools()) return;
  // Records of random bytes, which do not compress: half of the compressed file still holds whole
  // zstd blocks (up to 128 KiB each) and many records.
  Writer w(false);
  w.pcap_header(false, 65535, 1);
  std::uint32_t x = 2463534242u;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> noise(300);
    for (auto& byte : noise) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      byte = static_cast<std::uint8_t>(x);
    }
    w.pcap_record(i, 0, noise);
  }
  const std::string plain = w.save("stream_cut.pcap");
  for (const std::string tool : {"gzip", "zstd"}) {
    const std::string whole = compressed(plain, tool);
    const auto size = std::filesystem::file_size(whole);
    const std::string cut = whole + ".cut" + (tool == "gzip" ? ".gz" : ".zst");
    std::filesystem::copy_file(whole, cut, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(cut, size / 2);
    CHECK(check_stream_agreement(cut, false) == "blocks");
    const ReadAll read = read_all(cut, FileReader::automatic);
    CHECK(read.frames.size() > 10);
    CHECK(read.frames.size() < 2000);
    REQUIRE(read.errors.size() == 1);
    CHECK(read.errors[0].packet == read.frames.size() + 1);
    CHECK(read.errors[0].message == tool + " stream cut short");
  }
}

TEST_CASE("streams: a hand-over needing more section header than kept is reported, not guessed", "[pcap][reader]") {
  if (!stream_tools()) return;
  Writer w(false);
  w.shb().idb(1, 0).epb(0, 1, packet("h1"));
  // Interfaces past what the parser keeps to hand a stream over, then a block libpcap must read.
  while (w.size() < CaptureBlockParser::kMaxHeaderBytes + 4096) w.idb(1, 0);
  w.block(2, [&](Writer& b) { b.u16(0).u16(0).u32(0).u32(0).u32(0).u32(0).raw(packet("h2")); });  // obsolete
  const std::string gz = compressed(w.save("stream_many_interfaces.pcapng"), "gzip");
  const ReadAll read = read_all(gz, FileReader::automatic);
  CHECK(read.reader == "blocks+libpcap");
  REQUIRE(read.frames.size() == 1);
  REQUIRE(read.errors.size() == 1);
  CHECK(read.errors[0].packet == 2);
  CHECK(read.errors[0].message.find("too large to hand the stream to libpcap") != std::string::npos);
}

TEST_CASE("standard input is read by the block reader", "[pcap][reader]") {
  Writer w(false);
  w.pcap_header(false, 65535, 1);
  for (std::uint32_t i = 0; i < 50; ++i) w.pcap_record(i, 0, packet("i" + std::to_string(i)));
  const std::string path = w.save("stream_stdin.pcap");
  const ReadAll read = read_as_stdin(path, O_RDONLY, FileReader::automatic);
  CHECK(read.reader == "blocks");
  CHECK(read.frames == read_all(path, FileReader::libpcap).frames);
  CHECK(read.errors.empty());
}

TEST_CASE("standard input that cannot be read is refused with the read error's words", "[pcap][reader]") {
  const std::string path = (std::filesystem::temp_directory_path() / "sipmon_reader_write_only").string();
  std::ofstream(path).put('x');
  const ReadAll fast = read_as_stdin(path, O_WRONLY, FileReader::automatic);
  const ReadAll slow = read_as_stdin(path, O_WRONLY, FileReader::libpcap);
  CHECK(fast.open_error.find("read error: Bad file descriptor") != std::string::npos);
  CHECK(fast.open_error == slow.open_error);
}

TEST_CASE("a slow pipe is read as its packets come, not once a buffer is full", "[pcap][reader]") {
  // tcpdump -w - | sipmon replay -: three packets written, then nothing until the reader has seen
  // them. A reader that waited for a full block (or the end) would see none of them in time.
  Writer head(false);
  head.pcap_header(false, 65535, 1);
  for (std::uint32_t i = 0; i < 3; ++i) head.pcap_record(i, 0, packet("early" + std::to_string(i)));
  Writer tail(false);
  tail.pcap_record(3, 0, packet("late"));
  const std::string fifo = (std::filesystem::temp_directory_path() / "sipmon_reader_slow.fifo").string();
  std::filesystem::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::atomic<int> seen{0};
  std::atomic<bool> waited_in_vain{false};
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0) return;
    const auto put = [fd](const Writer& w) {
      const std::string bytes = w.bytes();
      return ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
    };
    put(head);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (seen.load() < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    waited_in_vain = seen.load() < 3;
    put(tail);
    ::close(fd);
  });
  auto source = PcapFileSource::open({fifo});
  REQUIRE(source);
  struct Counter : FrameSink {
    std::atomic<int>* seen;
    void on_frame(const Frame&) override { ++*seen; }
  } counter;
  counter.seen = &seen;
  source->run(counter);
  writer.join();
  std::filesystem::remove(fifo);
  CHECK(source->files().front().reader == "blocks");
  CHECK_FALSE(waited_in_vain);
  CHECK(seen.load() == 4);
  CHECK(source->read_errors().empty());
}
