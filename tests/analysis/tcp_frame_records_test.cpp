#include <catch2/catch.hpp>

#include <vector>

#include "analysis/tcp_frame_records.h"

using namespace sipmon;

namespace {

FrameRefs one(const FrameNumber& frame) { return FrameRefs{std::span<const FrameNumber>(&frame, 1)}; }

}  // namespace

TEST_CASE("frame records: a range names the frames whose bytes it overlaps, across the wrap", "[extract][tcp]") {
  TcpFrameRecords records;
  const FrameNumber f1 = 1, f2 = 2, f3 = 3;
  const std::uint32_t start = 0xffffff00;  // the sequence numbers wrap inside the second segment
  records.add(one(f1), start, 200, 8);
  records.add(one(f2), start + 200, 200, 8);
  records.add(one(f3), start + 400, 100, 8);
  std::vector<FrameNumber> out;
  CHECK_FALSE(records.overlapping(start + 150, start + 250, out));
  CHECK(out == std::vector<FrameNumber>{1, 2});
  out.clear();
  records.overlapping(start + 400, start + 500, out);
  CHECK(out == std::vector<FrameNumber>{3});
  records.prune(start + 400);  // bytes before it were handed on
  CHECK_FALSE(records.holds(1));
  CHECK_FALSE(records.holds(2));
  CHECK(records.holds(3));
}

TEST_CASE("frame records: a full table forgets the oldest and says which ranges miss a frame", "[extract][tcp]") {
  TcpFrameRecords records;
  const FrameNumber frames[] = {1, 2, 3};
  records.add(one(frames[0]), 0, 10, 2);
  records.add(one(frames[1]), 10, 10, 2);
  records.add(one(frames[2]), 20, 10, 2);
  std::vector<FrameNumber> out;
  CHECK(records.overlapping(0, 30, out));         // frame 1 was forgotten
  CHECK_FALSE(records.overlapping(10, 30, out));  // nothing before 10 is asked for
  records.clear();
  CHECK_FALSE(records.overlapping(0, 30, out));
}

TEST_CASE("frame records: the Upgrade frames of both directions are shared", "[extract][websocket]") {
  TcpFrameRecords request, response;
  const FrameNumber get = 5, ok = 6;
  request.add(one(get), 100, 50, 8);
  response.add(one(ok), 900, 40, 8);
  request.note_handshake(100, 150);
  response.note_handshake(900, 940);
  response.share_handshake(request);
  std::vector<FrameNumber> a, b;
  request.append_handshake(a);
  response.append_handshake(b);
  CHECK(a == std::vector<FrameNumber>{5, 6});
  CHECK(b == std::vector<FrameNumber>{6, 5});
  request.prune(150);
  CHECK(request.holds(5));  // kept for the connection's later messages
}
