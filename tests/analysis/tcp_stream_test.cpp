// The byte-stream layer alone: sequence order, retransmissions, overlaps, the bounded queue and
// gap events, with no framing behind it (a receiver that writes down what it is given).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "analysis/tcp_stream.h"
#include "support/recording_framed_sink.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

// The delivered stream as text, with "|" where a gap was announced.
struct Receiver final : StreamReceiver {
  std::string stream;
  std::vector<std::uint32_t> end_seqs;
  std::vector<std::pair<std::uint32_t, std::size_t>> accepted;
  int gaps = 0;
  void on_accepted(std::uint32_t seq, std::size_t length) override { accepted.emplace_back(seq, length); }
  void on_bytes(Bytes data, std::uint32_t end_seq) override {
    stream += as_text(data);
    end_seqs.push_back(end_seq);
  }
  void on_gap() override {
    stream += '|';
    ++gaps;
  }
};

struct Fixture {
  StreamBudget budget{1000, 1 << 20, 4};  // 1000 bytes ahead at most, 4 segments queued at most
  TcpStream stream;
  Receiver receiver;
  explicit Fixture(std::uint32_t first = 100) {
    stream.start(first);
    stream.reserve(budget.max_out_of_order());
  }
  TcpStream::Fate add(std::uint32_t seq, std::string_view text, bool fin = false) {
    return stream.add(seq, bytes_of(text), fin, budget, receiver);
  }
};

}  // namespace

TEST_CASE("stream: in-order bytes are delivered at once, with the sequence number after them", "[tcp][stream]") {
  Fixture f;
  CHECK(f.add(100, "abc") == TcpStream::Fate::delivered);
  CHECK(f.add(103, "def") == TcpStream::Fate::delivered);
  CHECK(f.receiver.stream == "abcdef");
  CHECK(f.receiver.end_seqs == std::vector<std::uint32_t>{103, 106});
  CHECK(f.stream.next_seq() == 106);
  CHECK(f.budget.stored() == 0);  // nothing kept: delivered straight from the segment
}

TEST_CASE("stream: a retransmission gives nothing, one that also carries new bytes gives only those", "[tcp][stream]") {
  Fixture f;
  f.add(100, "abcd");
  CHECK(f.add(100, "abcd") == TcpStream::Fate::retransmission);
  CHECK(f.add(101, "bc") == TcpStream::Fate::retransmission);
  CHECK(f.add(102, "cdefg") == TcpStream::Fate::delivered);  // overlaps "cd", brings "efg"
  CHECK(f.receiver.stream == "abcdefg");
  // Only the new part is accepted (for the frame records).
  CHECK(f.receiver.accepted.back() == std::pair<std::uint32_t, std::size_t>{104, 3});
  CHECK(f.receiver.gaps == 0);
}

TEST_CASE("stream: out-of-order segments wait for the hole and come out in order", "[tcp][stream]") {
  Fixture f;
  CHECK(f.add(106, "ghi") == TcpStream::Fate::queued);
  CHECK(f.add(103, "def") == TcpStream::Fate::queued);
  CHECK(f.add(106, "ghi") == TcpStream::Fate::queued);  // the same segment again: kept once
  CHECK(f.receiver.stream.empty());
  CHECK(f.budget.stored() == 6);
  CHECK(f.add(100, "abc") == TcpStream::Fate::delivered);
  CHECK(f.receiver.stream == "abcdefghi");
  CHECK(f.receiver.end_seqs == std::vector<std::uint32_t>{103, 106, 109});
  CHECK(f.budget.stored() == 0);
  CHECK(f.budget.allocated() == 0);  // an emptied queue gives its memory back
  CHECK_FALSE(f.stream.has_queued());
}

TEST_CASE("stream: queued segments that overlap each other or the stream give each byte once", "[tcp][stream]") {
  Fixture f;
  CHECK(f.add(104, "efgh") == TcpStream::Fate::queued);
  CHECK(f.add(106, "ghijk") == TcpStream::Fate::queued);      // overlaps the one before by 2
  CHECK(f.add(100, "abcdef") == TcpStream::Fate::delivered);  // overlaps the first queued by 2
  CHECK(f.receiver.stream == "abcdefghijk");
  CHECK(f.stream.next_seq() == 111);
}

TEST_CASE("stream: a full queue, or a segment beyond the window, is a gap, the stream resumes there", "[tcp][stream]") {
  SECTION("more segments waiting than the queue holds") {
    Fixture f;
    for (std::uint32_t k = 0; k < 4; ++k) CHECK(f.add(110 + 10 * k, "xx") == TcpStream::Fate::queued);
    CHECK(f.add(200, "new") == TcpStream::Fate::delivered);
    // The queued segments are behind the new position: dropped, never delivered.
    CHECK(f.receiver.stream == "|new");
    CHECK_FALSE(f.stream.has_queued());
    CHECK(f.budget.stored() == 0);
  }
  SECTION("a segment further ahead than max_flow_bytes") {
    Fixture f;
    CHECK(f.add(100 + 1000, "near") == TcpStream::Fate::queued);  // exactly at the window's edge
    CHECK(f.add(100 + 5000, "far") == TcpStream::Fate::delivered);
    CHECK(f.receiver.stream == "|far");
    CHECK(f.stream.next_seq() == 5103);
  }
  SECTION("queued bytes beyond max_flow_bytes") {
    Fixture f;
    CHECK(f.add(200, std::string(600, 'a')) == TcpStream::Fate::queued);
    CHECK(f.add(900, std::string(600, 'b')) == TcpStream::Fate::delivered);  // 1200 held would pass 1000
    CHECK(f.receiver.gaps == 1);
    CHECK(f.receiver.stream.size() == 1 + 600);
  }
}

TEST_CASE("stream: a FIN behind a hole skips it at once: nothing will fill it", "[tcp][stream]") {
  Fixture f;
  f.add(100, "ab");
  CHECK(f.add(105, "fgh", true) == TcpStream::Fate::queued);
  CHECK(f.receiver.stream == "ab|fgh");
  CHECK(f.stream.next_seq() == 108);
}

TEST_CASE("stream: sequence numbers wrap at 2^32", "[tcp][stream][serial]") {
  Fixture f(0xfffffffeu);
  CHECK(f.add(0x00000002u, "cd") == TcpStream::Fate::queued);  // after the wrap: ahead
  CHECK(f.add(0xfffffffeu, "wxyz") == TcpStream::Fate::delivered);
  CHECK(f.receiver.stream == "wxyzcd");
  CHECK(f.receiver.end_seqs == std::vector<std::uint32_t>{2, 4});
  CHECK(f.add(0xffffffffu, "x") == TcpStream::Fate::retransmission);  // before the wrap: behind
}

TEST_CASE("stream: the memory limit refuses to queue, the hole then becomes a gap", "[tcp][stream]") {
  StreamBudget budget{1000, 64, 4};  // 64 bytes for every flow together
  TcpStream stream;
  Receiver receiver;
  stream.start(0);
  stream.reserve(4);
  const std::string big(100, 'q');
  CHECK(stream.add(10, bytes_of(big), false, budget, receiver) == TcpStream::Fate::delivered);
  CHECK(receiver.gaps == 1);
  CHECK(budget.allocated() <= 64);
}
