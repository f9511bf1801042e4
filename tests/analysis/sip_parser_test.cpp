#include <array>
#include <string>

#include <catch2/catch.hpp>

#include "analysis/sip_fields.h"
#include "analysis/sip_parser.h"

using namespace sipmon;

namespace {

// Lines are joined with CRLF; the last element is the body (may be empty).
std::string crlf(std::initializer_list<std::string_view> lines, std::string_view body = "") {
  std::string out;
  for (const auto line : lines) {
    out += line;
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

SipMessage parse_ok(std::string_view text) {
  SipMessage message;
  REQUIRE(parse_sip_message(text, message) == SipParseStatus::message);
  return message;
}

}  // namespace

TEST_CASE("compact header forms and odd case reach the same headers", "[sip_parser]") {
  const std::string text = crlf({"INVITE sip:bob@example.com SIP/2.0",
                                 "v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa",
                                 "F: <sip:alice@example.com>;tag=f1",
                                 "t: <sip:bob@example.com>",
                                 "I: call-1",
                                 "cSeQ: 7 INVITE",
                                 "m: <sip:alice@10.0.0.1>",
                                 "C: application/sdp",
                                 "L: 3",
                                 "k: timer",
                                 "s: hello",
                                 "e: gzip",
                                 "o: presence",
                                 "r: <sip:carol@x>",
                                 "u: talk",
                                 "x: 1800;refresher=uac",
                                 "y: abc",
                                 "b: <sip:dan@x>",
                                 "a: *;audio",
                                 "j: *;video",
                                 "d: proxy",
                                 "n: <https://x/cert>"},
                                "v=0");
  const SipMessage m = parse_ok(text);
  CHECK(m.defect == MessageDefect::none);
  CHECK(m.call_id == "call-1");
  CHECK(m.cseq_number == 7);
  CHECK(m.cseq_method_id == Method::invite);
  CHECK(m.from_tag == "f1");
  CHECK(m.via_branch == "z9hG4bKa");
  CHECK(m.content_length == 3);
  CHECK(m.body == "v=0");
  CHECK(m.header(HeaderId::contact) == "<sip:alice@10.0.0.1>");
  CHECK(m.header(HeaderId::content_type) == "application/sdp");
  CHECK(m.header(HeaderId::supported) == "timer");
  CHECK(m.header(HeaderId::subject) == "hello");
  CHECK(m.header(HeaderId::content_encoding) == "gzip");
  CHECK(m.header(HeaderId::event) == "presence");
  CHECK(m.header(HeaderId::refer_to) == "<sip:carol@x>");
  CHECK(m.header(HeaderId::allow_events) == "talk");
  CHECK(m.header(HeaderId::identity) == "abc");
  CHECK(m.header(HeaderId::referred_by) == "<sip:dan@x>");
  CHECK(m.header(HeaderId::accept_contact) == "*;audio");
  CHECK(m.header(HeaderId::reject_contact) == "*;video");
  CHECK(m.header(HeaderId::request_disposition) == "proxy");
  CHECK(m.header(HeaderId::identity_info) == "<https://x/cert>");
  CHECK(session_expires(m).seconds == 1800u);
  CHECK(session_expires(m).refresher == "uac");
}

TEST_CASE("folded header lines stay part of their header", "[sip_parser]") {
  const std::string text = crlf({"OPTIONS sip:x@example.com SIP/2.0", "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKf",
                                 "From: <sip:a@example.com>", "  ;tag=folded", "To: <sip:x@example.com>", "Call-ID: c",
                                 "CSeq: 1", "\tOPTIONS", "Content-Length: 0"});
  const SipMessage m = parse_ok(text);
  CHECK(m.defect == MessageDefect::none);
  CHECK(m.from_tag == "folded");
  CHECK(m.cseq_number == 1);
  CHECK(m.cseq_method == "OPTIONS");
}

TEST_CASE("repeated Via lines and comma lists are all counted and readable in order", "[sip_parser]") {
  const std::string text =
      crlf({"SIP/2.0 180 Ringing",
            "Via: SIP/2.0/UDP proxy.example.com:5070;branch=z9hG4bKp;received=192.0.2.9;rport=5071, "
            "SIP/2.0/TCP [2001:db8::1]:5080;branch=z9hG4bKq",
            "From: \"A, the first\" <sip:a@example.com>;tag=1", "To: <sip:b@example.com>;tag=2", "Call-ID: c",
            "CSeq: 1 INVITE", "v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKu;rport", "Content-Length: 0"});
  const SipMessage m = parse_ok(text);
  CHECK(m.via_count == 3);
  CHECK(m.via_branch == "z9hG4bKp");
  CHECK(m.via_sent_by == "proxy.example.com:5070");
  const ViaValue top = top_via(m);
  CHECK(top.transport == "UDP");
  CHECK(top.host == "proxy.example.com");
  CHECK(top.port == 5070);
  CHECK(top.received == "192.0.2.9");
  CHECK(top.has_rport);
  CHECK(top.rport == "5071");

  std::array<std::string_view, 2> first_two{};
  CHECK(header_values(m, HeaderId::via, first_two) == 3);
  const ViaValue second = parse_via(first_two[1]);
  CHECK(second.transport == "TCP");
  CHECK(second.host == "2001:db8::1");
  CHECK(second.port == 5080);
  CHECK(second.branch == "z9hG4bKq");
  std::array<std::string_view, 4> all{};
  REQUIRE(header_values(m, HeaderId::via, all) == 3);
  const ViaValue third = parse_via(all[2]);
  CHECK(third.branch == "z9hG4bKu");
  CHECK(third.has_rport);
  CHECK(third.rport.empty());
  // The comma in the quoted display name does not split From.
  std::array<std::string_view, 4> from{};
  CHECK(header_values(m, HeaderId::from, from) == 1);
}

TEST_CASE("commas inside <URIs> and quoted strings do not split a header", "[sip_parser]") {
  const std::string text =
      crlf({"INVITE sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:a@example.com>;tag=1",
            "To: <sip:b@example.com>", "Call-ID: c", "CSeq: 1 INVITE", "Contact: \"x,y\" <sip:a@h;p=1,2>, <sip:c@h>",
            "Reason: SIP ;cause=200 ;text=\"Call completed; elsewhere\", Q.850;cause=16"});
  const SipMessage m = parse_ok(text);
  std::array<std::string_view, 4> contacts{};
  REQUIRE(header_values(m, HeaderId::contact, contacts) == 2);
  CHECK(parse_name_addr(contacts[0]).uri == "sip:a@h;p=1,2");
  CHECK(parse_name_addr(contacts[1]).uri == "sip:c@h");
  const ReasonValue r = reason(m);
  CHECK(r.protocol == "SIP");
  CHECK(r.cause == 200u);
  CHECK(r.text == "Call completed; elsewhere");
}

TEST_CASE("URI user and host of From, To and Request-URI", "[sip_parser]") {
  const std::string text =
      crlf({"INVITE sips:+15551234;npdi@[2001:db8::5]:5061;transport=tcp SIP/2.0", "Via: SIP/2.0/TLS h;branch=z9hG4bK1",
            "From: Alice <sip:alice:secret@atlanta.com>;tag=9", "To: sip:bob@biloxi.com;tag=x", "Call-ID: c",
            "CSeq: 1 INVITE", "Max-Forwards: 69", "Session-Expires: 90", "Min-SE: 90;foo=bar",
            "User-Agent: softphone/1.0", "Server: pbx (v2)"});
  const SipMessage m = parse_ok(text);
  const SipUri ruri = parse_uri(m.request_uri);
  CHECK(ruri.scheme == "sips");
  CHECK(ruri.user == "+15551234;npdi");
  CHECK(ruri.host == "2001:db8::5");
  CHECK(ruri.port == 5061);
  CHECK(ruri.params == ";transport=tcp");
  const SipUri from = parse_uri(parse_name_addr(m.header(HeaderId::from)).uri);
  const SipUri to = parse_uri(parse_name_addr(m.header(HeaderId::to)).uri);
  CHECK(from.user == "alice");
  CHECK(from.host == "atlanta.com");
  CHECK(to.user == "bob");
  CHECK(to.host == "biloxi.com");
  CHECK(m.to_tag == "x");
  CHECK(parse_leading_number(m.header(HeaderId::max_forwards)) == 69u);
  CHECK(session_expires(m).seconds == 90u);
  CHECK(session_expires(m).refresher.empty());
  CHECK(min_se(m) == 90u);
  CHECK(user_agent(m) == "softphone/1.0");
  CHECK(server(m) == "pbx (v2)");
  CHECK(parse_uri("tel:+1-201-555-0123;phone-context=x").user == "+1-201-555-0123");
  CHECK(parse_uri("sip:host.only").user.empty());
  CHECK(parse_uri("sip:host.only").host == "host.only");
  CHECK(!parse_leading_number(SipMessage{}.header(HeaderId::max_forwards)).has_value());
  CHECK(!parse_leading_number("7x").has_value());
}

TEST_CASE("Content-Length frames the body: header-like lines in the body are not headers", "[sip_parser]") {
  const std::string body = "Call-ID: not-this\r\nCSeq: 99 BYE\r\n";
  std::string text = crlf(
      {"MESSAGE sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:a@example.com>;tag=1",
       "To: <sip:b@example.com>", "Call-ID: real", "CSeq: 2 MESSAGE", "Content-Length: " + std::to_string(body.size())},
      body);
  const std::string with_trailer = text + "garbage after the message";
  const SipMessage m = parse_ok(with_trailer);
  CHECK(m.call_id == "real");
  CHECK(m.cseq_number == 2);
  CHECK(m.body == body);
  CHECK(m.wire_length == text.size());
}

TEST_CASE("LF-only and CR-only line ends parse like CRLF", "[sip_parser]") {
  for (const char* eol : {"\n", "\r"}) {
    std::string text = std::string("BYE sip:b@example.com SIP/2.0") + eol + "Via: SIP/2.0/UDP h;branch=z9hG4bK1" + eol +
                       "From: <sip:a@x>;tag=1" + eol + "To: <sip:b@x>;tag=2" + eol + "Call-ID: c" + eol +
                       "CSeq: 3 BYE" + eol + "Content-Length: 4" + eol + eol + "body";
    const SipMessage m = parse_ok(text);
    CHECK(m.defect == MessageDefect::none);
    CHECK(m.to_tag == "2");
    CHECK(m.body == "body");
  }
}

TEST_CASE("a message missing a mandatory header is still a message, with a defect", "[sip_parser]") {
  struct Case {
    std::string_view drop;
    MessageDefect expected;
  };
  for (const Case c : {Case{"Call-ID", MessageDefect::sip_missing_call_id},
                       Case{"CSeq", MessageDefect::sip_missing_cseq}, Case{"From", MessageDefect::sip_missing_from},
                       Case{"To", MessageDefect::sip_missing_to}, Case{"Via", MessageDefect::sip_missing_via}}) {
    std::string text = "REGISTER sip:example.com SIP/2.0\r\n";
    for (const auto& [name, value] :
         {std::pair<std::string_view, std::string_view>{"Via", "SIP/2.0/UDP h;branch=z9hG4bK1"},
          {"From", "<sip:a@x>;tag=1"},
          {"To", "<sip:a@x>"},
          {"Call-ID", "c"},
          {"CSeq", "1 REGISTER"}}) {
      if (name != c.drop) text += std::string(name) + ": " + std::string(value) + "\r\n";
    }
    text += "\r\n";
    const SipMessage m = parse_ok(text);
    CHECK(m.method_id == Method::register_);
    CHECK(m.defect == c.expected);
  }
}

TEST_CASE("truncated and broken input never reads past the end", "[sip_parser]") {
  const std::string full =
      crlf({"INVITE sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:a@x>;tag=1",
            "To: <sip:b@x>", "Call-ID: c", "CSeq: 1 INVITE", "Content-Length: 10"},
           "0123456789");
  // Every prefix parses to something without crashing; once the start line is whole it is a message.
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const std::string prefix = full.substr(0, n);  // own buffer: ASan sees any overread
    SipMessage m;
    const SipParseStatus status = parse_sip_message(prefix, m, /*truncated=*/true);
    if (n > 34) CHECK((status == SipParseStatus::message || status == SipParseStatus::header_cut_short));
  }
  SipMessage m;
  CHECK(parse_sip_message(full.substr(0, full.size() - 3), m, false) == SipParseStatus::message);
  CHECK(m.defect == MessageDefect::sip_body_shorter_than_content_length);
  CHECK(parse_sip_message(full.substr(0, full.size() - 3), m, true) == SipParseStatus::message);
  CHECK(m.defect == MessageDefect::sip_truncated_by_snaplen);
  CHECK(parse_sip_message("SIP/2.0 20 OK\r\n\r\n", m) == SipParseStatus::bad_start_line);
  using namespace std::string_view_literals;
  CHECK(parse_sip_message("SIP/2.0 401 Unauthori%s\0\r\nCall-ID: x\r\n\r\n"sv, m) == SipParseStatus::bad_start_line);
  CHECK(parse_sip_message("GET / HTTP/1.1\r\n\r\n", m) == SipParseStatus::not_sip);
  CHECK(parse_sip_message("\r\n\r\n", m) == SipParseStatus::keepalive);
  CHECK(parse_sip_message("INVITE sip:x SIP/2.0\r\n: empty name\r\nVia:\r\n", m) == SipParseStatus::message);
  CHECK(m.defect == MessageDefect::sip_headers_unterminated);
}

TEST_CASE("header values without the magic cookie or with spaces around slashes", "[sip_parser]") {
  const ViaValue v = parse_via("SIP / 2.0 / UDP host.example:5062 ;branch=1234");
  CHECK(v.transport == "UDP");
  CHECK(v.sent_by == "host.example:5062");
  CHECK(v.port == 5062);
  CHECK(v.branch == "1234");
  CHECK(parse_via("garbage").sent_by.empty());
}

TEST_CASE("a header line cut by the end of the payload makes the message uncountable, as in tshark", "[sip_parser]") {
  SipMessage m;
  // Measured with tshark 4.0 -z sip,stat: these are not counted...
  CHECK(parse_sip_message("SIP/2.0 401 Unauthorized\r\nCall-ID: abc", m) == SipParseStatus::header_cut_short);
  CHECK(parse_sip_message("SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 2 REGISTER", m) == SipParseStatus::header_cut_short);
  // ...and these are: a start line alone, a last line with its line end, a cut continuation line.
  CHECK(parse_sip_message("SIP/2.0 200 OK", m) == SipParseStatus::start_line_only);  // SIP on port 5060
  CHECK(m.status_code == 200);
  CHECK(parse_sip_message("SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 2 REGISTER\r\n", m) == SipParseStatus::message);
  CHECK(m.defect == MessageDefect::sip_headers_unterminated);
  CHECK(parse_sip_message("OPTIONS sip:x SIP/2.0\r\nCall-ID: x\r", m) == SipParseStatus::message);
  CHECK(parse_sip_message("OPTIONS sip:x SIP/2.0\r\nCall-ID: x\r\n  folded", m) == SipParseStatus::message);
}

TEST_CASE("a SIP start line with none of the five mandatory headers is told apart", "[parser]") {
  SipMessage m;
  // An HTTP body, or any text, may begin like a SIP response: the engine takes it for SIP only on
  // the SIP ports (engine_test.cpp).
  CHECK(parse_sip_message("SIP/2.0 200 ok\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n", m) ==
        SipParseStatus::start_line_only);
  CHECK(parse_sip_message("SIP/2.0 200 ok\r\n\r\n", m) == SipParseStatus::start_line_only);
  CHECK(parse_sip_message("OPTIONS sip:x@example.test SIP/2.0\r\nServer: x\r\n\r\n", m) ==
        SipParseStatus::start_line_only);
  // One of the five is enough: a broken SIP message, counted with its defect.
  CHECK(parse_sip_message("SIP/2.0 200 OK\r\nCall-ID: abc\r\n\r\n", m) == SipParseStatus::message);
  CHECK(m.defect != MessageDefect::none);
  CHECK_FALSE(m.mandatory_headers_ok);
}

// The line and value scans step 16 bytes at a time (and a block scan would step 64): a header
// name, colon, fold or tag on either side of any such boundary, and a message shorter than one
// step, must read as anywhere else.
TEST_CASE("headers read the same wherever 16- and 64-byte scan boundaries fall", "[sip_parser]") {
  for (std::size_t pad = 0; pad < 70; ++pad) {
    const std::string uri = "sip:" + std::string(pad, 'u') + "@example.com";
    const std::string text =
        crlf({"INVITE " + uri + " SIP/2.0", "v: SIP/2.0/UDP 10.0.0.1:5062", " ;branch=z9hG4bKw", "f: <sip:a@x>;tag=ft",
              "t: <sip:b@x>", "i: w" + std::to_string(pad), "CSeq: 7", "\tINVITE", "l: 0"});
    const SipMessage m = parse_ok(text);
    INFO("pad " << pad);
    CHECK(m.defect == MessageDefect::none);
    CHECK(m.via_branch == "z9hG4bKw");
    CHECK(m.via_sent_by == "10.0.0.1:5062");
    CHECK(m.from_tag == "ft");
    CHECK(m.call_id == "w" + std::to_string(pad));
    CHECK(m.cseq_method == "INVITE");
    CHECK(m.wire_length == text.size());
  }
  SipMessage m;
  REQUIRE(parse_sip_message("BYE sip:a SIP/2.0\ni:s\nv:SIP/2.0/TCP h\n\n", m) == SipParseStatus::message);
  CHECK(m.call_id == "s");
  CHECK(m.via_sent_by == "h");
  CHECK(m.defect == MessageDefect::sip_missing_cseq);
}

// The engine parses every message into one SipMessage, and clear() empties the header slots by
// their bits alone: no header of a message may show through in the next one parsed into it.
TEST_CASE("a reused SipMessage keeps no header of the message parsed before", "[sip_parser]") {
  std::string every_header = "INVITE sip:bob@example.com SIP/2.0\r\n";
  for (const auto& name : header_names_detail::kHeaderNames) {
    every_header += std::string(name.lower) + ": value of " + std::string(name.lower) + "\r\n";
  }
  every_header += "\r\n";
  const std::string bare = crlf({"SIP/2.0 180 Ringing", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
                                 "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>", "Call-ID: c1",
                                 "CSeq: 1 INVITE", "Subject:", "Subject: second", "Content-Length: 0"});
  SipMessage reused;
  REQUIRE(parse_sip_message(every_header, reused) == SipParseStatus::message);
  for (std::size_t i = 0; i < kHeaderIdCount; ++i) {
    CHECK(reused.header(static_cast<HeaderId>(i)) ==
          "value of " + std::string(header_names_detail::kHeaderNames[i].lower));
  }
  REQUIRE(parse_sip_message(bare, reused) == SipParseStatus::message);
  const SipMessage fresh = parse_ok(bare);
  for (std::size_t i = 0; i < kHeaderIdCount; ++i) {
    INFO("header " << header_names_detail::kHeaderNames[i].lower);
    CHECK(reused.header(static_cast<HeaderId>(i)) == fresh.header(static_cast<HeaderId>(i)));
  }
  CHECK(reused.header(HeaderId::contact).empty());
  CHECK(reused.header(HeaderId::user_agent).empty());
  // An empty first value gives way to a later one, as a first value with text does not.
  CHECK(reused.header(HeaderId::subject) == "second");
  CHECK(reused.header(HeaderId::call_id) == "c1");
}
