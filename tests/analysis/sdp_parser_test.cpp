#include <string>

#include <catch2/catch.hpp>

#include "analysis/sdp_parser.h"

using namespace sipmon;

namespace {

std::string lines(std::initializer_list<std::string_view> list, std::string_view eol = "\r\n") {
  std::string out;
  for (const auto line : list) {
    out += line;
    out += eol;
  }
  return out;
}

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress address;
  address.bytes[0] = a;
  address.bytes[1] = b;
  address.bytes[2] = c;
  address.bytes[3] = d;
  return address;
}

}  // namespace

TEST_CASE("SDP offer: session c= applies to media without their own, rtpmap and static types") {
  const std::string body = lines(
      {"v=0", "o=alice 2890844526 2890844526 IN IP4 host.example.com", "s=-", "c=IN IP4 192.0.2.10", "t=0 0",
       "m=audio 49170 RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15",
       "m=video 51372 RTP/AVP 96", "c=IN IP4 192.0.2.11", "a=rtpmap:96 H264/90000", "a=recvonly"});
  SdpSession sdp;
  parse_sdp(body, sdp);
  REQUIRE(sdp.status == SdpStatus::ok);
  REQUIRE(sdp.media_count == 2);
  const SdpMedia& audio = sdp.media[0];
  CHECK(audio.media == "audio");
  CHECK(audio.protocol == "RTP/AVP");
  CHECK(audio.port == 49170);
  CHECK(audio.has_address);
  CHECK(audio.address == v4(192, 0, 2, 10));
  REQUIRE(audio.format_count == 3);
  CHECK(audio.formats[0] == 0);
  CHECK(audio.formats[1] == 8);
  CHECK(audio.formats[2] == 101);
  REQUIRE(audio.rtpmap(101) != nullptr);
  CHECK(audio.rtpmap(101)->encoding == "telephone-event");
  CHECK(audio.rtpmap(101)->clock_rate == 8000);
  CHECK(audio.rtpmap(8) == nullptr);  // static type, no rtpmap given
  CHECK(audio.direction == SdpDirection::sendrecv);
  CHECK(audio.rtcp_destination_port() == 49171);

  const SdpMedia& video = sdp.media[1];
  CHECK(video.address == v4(192, 0, 2, 11));
  CHECK(video.rtpmap(96)->clock_rate == 90000);
  CHECK(video.direction == SdpDirection::recvonly);
}

TEST_CASE("SDP: IPv6 connection, a=rtcp with address, rtcp-mux, LF line ends") {
  const std::string body =
      lines({"v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "c=IN IP6 2001:db8::20", "t=0 0", "a=sendonly",
             "m=audio 5004 RTP/AVP 111", "a=rtpmap:111 opus/48000/2", "a=rtcp:5010 IN IP6 2001:db8::21", "a=rtcp-mux"},
            "\n");
  SdpSession sdp;
  parse_sdp(body, sdp);
  REQUIRE(sdp.status == SdpStatus::ok);
  REQUIRE(sdp.media_count == 1);
  const SdpMedia& audio = sdp.media[0];
  CHECK(audio.address.family == 6);
  CHECK(audio.address.bytes[0] == 0x20);
  CHECK(audio.address.bytes[15] == 0x20);
  CHECK(audio.rtpmap(111)->encoding == "opus");
  CHECK(audio.rtpmap(111)->clock_rate == 48000);
  CHECK(audio.rtcp_port == 5010);
  CHECK(audio.has_rtcp_address);
  CHECK(audio.rtcp_address.bytes[15] == 0x21);
  CHECK(audio.rtcp_mux);
  CHECK(audio.rtcp_destination_port() == 5010);      // a=rtcp wins over mux
  CHECK(audio.direction == SdpDirection::sendonly);  // session-level default
}

TEST_CASE("SDP: muxed RTCP shares the RTP port, port 0 rejects, inactive") {
  const std::string body = lines(
      {"v=0", "s=-", "c=IN IP4 10.0.0.1", "m=audio 0 RTP/AVP 0", "m=audio 7078 RTP/AVP 8", "a=rtcp-mux", "a=inactive"});
  SdpSession sdp;
  parse_sdp(body, sdp);
  REQUIRE(sdp.media_count == 2);
  CHECK(sdp.media[0].port == 0);
  CHECK(sdp.media[1].rtcp_destination_port() == 7078);
  CHECK(sdp.media[1].direction == SdpDirection::inactive);
}

TEST_CASE("SDP: bounded: extra media sections and formats are flagged, not stored") {
  std::string body = "v=0\r\nc=IN IP4 10.0.0.1\r\n";
  for (int i = 0; i < 6; ++i) body += "m=audio " + std::to_string(10000 + 2 * i) + " RTP/AVP 0\r\n";
  body += "m=audio 20000 RTP/AVP";
  for (int pt = 0; pt < 20; ++pt) body += " " + std::to_string(pt);
  body += "\r\n";
  SdpSession sdp;
  parse_sdp(body, sdp);
  CHECK(sdp.media_count == SdpSession::kMaxMedia);
  CHECK(sdp.media_truncated);
  CHECK(sdp.media[3].port == 10006);
}

TEST_CASE("SDP: not SDP, broken lines and addresses") {
  SdpSession sdp;
  parse_sdp("hello world", sdp);
  CHECK(sdp.status == SdpStatus::not_sdp);
  parse_sdp("", sdp);
  CHECK(sdp.status == SdpStatus::not_sdp);
  parse_sdp("o=x\r\nv=0\r\n", sdp);
  CHECK(sdp.status == SdpStatus::not_sdp);

  parse_sdp(lines({"v=0", "c=IN IP4 host.example.com", "m=audio 4000 RTP/AVP 0"}), sdp);
  CHECK(sdp.status == SdpStatus::bad_connection);
  REQUIRE(sdp.media_count == 1);
  CHECK_FALSE(sdp.media[0].has_address);  // an FQDN is not resolved

  parse_sdp(lines({"v=0", "c=IN IP4 10.1.1.1", "m=audio 4000 RTP/AVP 0", "garbage", "m=audio 5000 RTP/AVP 0"}), sdp);
  CHECK(sdp.status == SdpStatus::bad_line);
  CHECK(sdp.media_count == 1);
  CHECK(sdp.media[0].has_address);

  parse_sdp(lines({"v=0", "m=audio 70000 RTP/AVP 0", "m=audio"}), sdp);
  CHECK(sdp.status == SdpStatus::bad_media);
  CHECK(sdp.media_count == 0);

  parse_sdp(lines({"v=0", "c=IN IP6 10.0.0.1", "m=audio 4000 RTP/AVP 0"}), sdp);
  CHECK(sdp.status == SdpStatus::bad_connection);  // IP6 with an IPv4 address
}

TEST_CASE("parse_ip_address: IPv4, IPv6 forms, rejects") {
  IpAddress a;
  CHECK(parse_ip_address("10.20.30.40", a));
  CHECK(a.family == 4);
  CHECK(a.bytes[3] == 40);
  CHECK(parse_ip_address("::ffff:192.0.2.1", a));
  CHECK(a.family == 6);
  CHECK(a.bytes[15] == 1);
  CHECK_FALSE(parse_ip_address("300.1.1.1", a));
  CHECK_FALSE(parse_ip_address("", a));
  CHECK_FALSE(parse_ip_address(std::string(80, '1'), a));
}

// The parser finds line ends 64 bytes at a time and words 16 bytes at a time, byte by byte near
// the body's end: the same lines must read alike wherever they fall against those boundaries and
// the end, with CRLF or LF, with or without a last line end. Expected values worked by hand from
// RFC 4566 (a ttl after the address, a port count, "0008" is payload type 8, a non-numeric format
// skipped, a channel count after the clock rate).
TEST_CASE("SDP: lines read alike at every offset against the body's end and scan boundaries") {
  for (const std::string_view eol : {std::string_view("\r\n"), std::string_view("\n")}) {
    for (std::size_t pad = 0; pad < 70; ++pad) {
      for (const bool last_eol : {true, false}) {
        std::string body =
            lines({"v=0", "s=" + std::string(pad, 'x'), "c=IN IP4 192.0.2.199/127",
                   "m=audio 49170/2 RTP/AVP 0008 webrtc-datachannel 101 96", "a=rtpmap:101 telephone-event/8000",
                   "a=rtpmap:96 a-rather-long-codec/90000/2", "a=sendonly", "a=rtcp-mux"},
                  eol);
        if (!last_eol) body.resize(body.size() - eol.size());
        SdpSession sdp;
        parse_sdp(body, sdp);
        INFO("pad " << pad << (eol.size() == 2 ? " CRLF" : " LF") << (last_eol ? "" : ", no last line end"));
        REQUIRE(sdp.status == SdpStatus::ok);
        REQUIRE(sdp.media_count == 1);
        const SdpMedia& audio = sdp.media[0];
        CHECK(audio.media == "audio");
        CHECK(audio.port == 49170);
        CHECK(audio.protocol == "RTP/AVP");
        CHECK(audio.address == v4(192, 0, 2, 199));
        REQUIRE(audio.format_count == 3);
        CHECK(audio.formats[0] == 8);
        CHECK(audio.formats[1] == 101);
        CHECK(audio.formats[2] == 96);
        REQUIRE(audio.rtpmap_count == 2);
        CHECK(audio.rtpmap(101)->encoding == "telephone-event");
        CHECK(audio.rtpmap(101)->clock_rate == 8000);
        CHECK(audio.rtpmap(96)->encoding == "a-rather-long-codec");
        CHECK(audio.rtpmap(96)->clock_rate == 90000);
        CHECK(audio.direction == SdpDirection::sendonly);
        CHECK(audio.rtcp_mux);
        CHECK(audio.rtcp_destination_port() == 49170);
      }
    }
  }
}

TEST_CASE("SDP: malformed numbers and addresses in the common lines are rejected as before") {
  SdpSession sdp;
  // A leading zero or an octet above 255 is no IPv4 address (inet_pton): bad_connection.
  parse_sdp(lines({"v=0", "c=IN IP4 010.0.0.1", "m=audio 4000 RTP/AVP 0"}), sdp);
  CHECK(sdp.status == SdpStatus::bad_connection);
  parse_sdp(lines({"v=0", "c=IN IP4 10.0.0.256", "m=audio 4000 RTP/AVP 0"}), sdp);
  CHECK(sdp.status == SdpStatus::bad_connection);
  // Two spaces between the fields are still two words apart.
  parse_sdp(lines({"v=0", "c=IN IP4  10.0.0.1", "m=audio  4000  RTP/AVP  0"}), sdp);
  CHECK(sdp.status == SdpStatus::ok);
  REQUIRE(sdp.media_count == 1);
  CHECK(sdp.media[0].address == v4(10, 0, 0, 1));
  CHECK(sdp.media[0].port == 4000);
  CHECK(sdp.media[0].formats[0] == 0);
  // A port above 65535, or with a letter, is a bad m= line; a payload type above 127, or of
  // more than 10 digits, is skipped; an rtpmap without a clock rate is ignored.
  parse_sdp(lines({"v=0", "m=audio 65536 RTP/AVP 0", "m=audio 4x00 RTP/AVP 0", "m=audio 4000 RTP/AVP 128 00000000001 9",
                   "a=rtpmap:9 G722", "a=rtpmap:9 G722/"}),
            sdp);
  CHECK(sdp.status == SdpStatus::bad_media);
  REQUIRE(sdp.media_count == 1);
  CHECK(sdp.media[0].port == 4000);
  REQUIRE(sdp.media[0].format_count == 1);
  CHECK(sdp.media[0].formats[0] == 9);
  CHECK(sdp.media[0].rtpmap_count == 0);
}
