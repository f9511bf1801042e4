// A realistic SIP load capture, deterministic from a seed: many distinct calls at a given rate
// between gateway pools (Ethernet/IPv4/UDP, port 5060), with realistic concurrency (30-60 s of
// talk), failures, cancels, timeouts, retransmissions, registrations with digest challenges and
// OPTIONS pings. The benchmarks (bench/run.sh) and the zero-eviction test replay it; the figures a
// replay must report are computed here, by the generator, and printed as JSON on stdout.
//
//   sipmon_load_capture OUT.pcap|- [--calls N] [--rate CALLS_PER_S] [--seed S] [--talk MIN_S:MAX_S]
//
// (`-` writes to stdout and the figures to stderr.) --talk shortens calls so that a short capture
// reaches the steady state of transactions sooner (every transaction lives 32 s after its last
// message whatever the talk time, so the number live at once depends on the rate, not on it).
//
// Call mix (per call): 76.5 % answered (INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE, 200),
// 10 % cancelled while ringing (CANCEL, 200, 487, ACK), 8 % busy (486, ACK), 5 % rejected at
// once (404 or 503, ACK), 0.5 % unanswered (INVITE sent 7 times by Timer A, RFC 3261 §17.1.1.2).
// Retransmissions: 2 % of INVITEs before a late 100 Trying, 2 % of 200 OKs before a late ACK,
// 1 % of BYEs. Registrations at 30 % of the call rate (REGISTER, 401, REGISTER with credentials,
// 200); each gateway pings its peer with OPTIONS every 30 s.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

// splitmix64: the same stream on every platform and standard library (std:: distributions are not).
struct Random {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  std::int64_t between_us(double lo_s, double hi_s) {
    return static_cast<std::int64_t>((lo_s + (hi_s - lo_s) * unit()) * 1e6);
  }
  double exponential(double mean) { return -mean * __builtin_log(1.0 - unit()); }
};

enum class Kind : std::uint8_t {
  invite,
  trying,
  ringing,
  ok_invite,
  ack_2xx,
  bye,
  ok_bye,
  fail,
  ack_fail,
  cancel,
  ok_cancel,
  terminated,
  register1,
  unauthorized,
  register2,
  ok_register,
  options,
  ok_options
};

enum class Outcome : std::uint8_t { answered, cancelled, busy, rejected, unanswered };

struct Call {
  std::uint64_t id;  // random: Call-ID, tags and branches derive from it
  std::uint32_t caller;
  std::uint32_t callee;
  std::uint16_t fail_code;
};

struct Event {
  std::int64_t ts_us;
  std::uint32_t call;  // index into calls (or a registration / ping number)
  Kind kind;
};

constexpr int kGateways = 64;  // per side: callers 10.1.0.x, callees 10.2.0.x
constexpr char kRegistrar[] = "10.0.0.10";

std::string gateway_ip(int side, std::uint32_t index) {
  return "10." + std::to_string(side) + "." + std::to_string(index / 250) + "." + std::to_string(index % 250 + 1);
}

void append_hex(std::string& out, std::uint64_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out += kDigits[(value >> (4 * i)) & 15];
}

std::string hex(std::uint64_t value, int digits = 16) {
  std::string s;
  append_hex(s, value, digits);
  return s;
}

struct Wire {
  std::uint32_t src;
  std::uint32_t dst;
  std::string payload;
};

std::uint32_t ipv4(const std::string& dotted) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  std::sscanf(dotted.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  return (a << 24) | (b << 16) | (c << 8) | d;
}

std::string sdp(const std::string& ip, std::uint64_t session, unsigned port) {
  return "v=0\r\no=- " + std::to_string(session) + " " + std::to_string(session) + " IN IP4 " + ip +
         "\r\ns=-\r\nc=IN IP4 " + ip + "\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
         "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";
}

std::string finish(std::string head, const std::string& body, const char* content_type = "application/sdp") {
  if (!body.empty()) head += std::string("Content-Type: ") + content_type + "\r\n";
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return head + body;
}

// A call's messages. `kind` picks which; everything else follows from the call.
Wire call_message(const Call& call, Kind kind) {
  const std::string a = gateway_ip(1, call.caller);
  const std::string b = gateway_ip(2, call.callee);
  const std::string caller_uri = "sip:+1444" + std::to_string(2000000 + call.id % 7000000) + "@" + a;
  const std::string callee_uri = "sip:+1555" + std::to_string(3000000 + (call.id >> 20) % 6000000) + "@" + b;
  const std::string call_id = hex(call.id) + "-" + hex(call.id * 0x9E3779B97F4A7C15ull, 8) + "@" + a;
  const std::string from = "From: \"Caller\" <" + caller_uri + ">;tag=" + hex(call.id ^ 0xA5A5A5A5ull, 10) + "\r\n";
  const std::string to_plain = "To: <" + callee_uri + ">";
  const std::string to = to_plain + ";tag=" + hex(call.id >> 7, 12) + "\r\n";
  const std::string via_invite = "Via: SIP/2.0/UDP " + a + ":5060;branch=z9hG4bK" + hex(call.id, 16) + "-1;rport\r\n";
  const std::string via_ack = "Via: SIP/2.0/UDP " + a + ":5060;branch=z9hG4bK" + hex(call.id, 16) + "-2;rport\r\n";
  const std::string via_bye = "Via: SIP/2.0/UDP " + a + ":5060;branch=z9hG4bK" + hex(call.id, 16) + "-3;rport\r\n";
  const std::string common = "Call-ID: " + call_id + "\r\n";
  const std::string invite_cseq = "CSeq: 101 INVITE\r\n";
  const std::string contact_a = "Contact: <sip:+1444@" + a + ":5060>\r\n";
  const std::string contact_b = "Contact: <sip:+1555@" + b + ":5060>\r\n";
  const std::string allow = "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, REFER, NOTIFY\r\n";
  const std::uint32_t ua = ipv4(a), ub = ipv4(b);
  const auto response = [&](const char* status, const std::string& to_header, const std::string& via,
                            const std::string& cseq, const std::string& extra, const std::string& body) {
    return Wire{ub, ua,
                finish(std::string("SIP/2.0 ") + status + "\r\n" + via + from + to_header + common + cseq + extra +
                           "Server: loadgen-b2bua/1.0\r\n",
                       body)};
  };
  switch (kind) {
    case Kind::invite:
      return Wire{ua, ub,
                  finish("INVITE " + callee_uri + ";user=phone SIP/2.0\r\n" + via_invite + "Max-Forwards: 70\r\n" +
                             from + to_plain + "\r\n" + common + invite_cseq + contact_a + allow +
                             "Supported: timer, 100rel\r\nSession-Expires: 1800\r\nUser-Agent: loadgen-gw/1.0\r\n",
                         sdp(a, call.id % 1000000007, 10000 + 2 * static_cast<unsigned>(call.id % 25000)))};
    case Kind::trying:
      return response("100 Trying", to_plain + "\r\n", via_invite, invite_cseq, "", "");
    case Kind::ringing:
      return response("180 Ringing", to, via_invite, invite_cseq, contact_b, "");
    case Kind::ok_invite:
      return response("200 OK", to, via_invite, invite_cseq,
                      contact_b + allow + "Session-Expires: 1800;refresher=uac\r\n",
                      sdp(b, call.id % 999999937, 20000 + 2 * static_cast<unsigned>((call.id >> 9) % 20000)));
    case Kind::fail: {
      const char* status = call.fail_code == 486   ? "486 Busy Here"
                           : call.fail_code == 404 ? "404 Not Found"
                           : call.fail_code == 487 ? "487 Request Terminated"
                                                   : "503 Service Unavailable";
      return response(status, to, via_invite, invite_cseq, "", "");
    }
    case Kind::terminated:
      return response("487 Request Terminated", to, via_invite, invite_cseq, "", "");
    case Kind::ack_fail:  // RFC 3261 §17.1.1.3: same branch as the INVITE, To tag of the response
      return Wire{ua, ub,
                  finish("ACK " + callee_uri + ";user=phone SIP/2.0\r\n" + via_invite + "Max-Forwards: 70\r\n" + from +
                             to + common + "CSeq: 101 ACK\r\n",
                         "")};
    case Kind::ack_2xx:
      return Wire{ua, ub,
                  finish("ACK sip:+1555@" + b + ":5060 SIP/2.0\r\n" + via_ack + "Max-Forwards: 70\r\n" + from + to +
                             common + "CSeq: 101 ACK\r\n",
                         "")};
    case Kind::bye:
      return Wire{ua, ub,
                  finish("BYE sip:+1555@" + b + ":5060 SIP/2.0\r\n" + via_bye + "Max-Forwards: 70\r\n" + from + to +
                             common + "CSeq: 102 BYE\r\nUser-Agent: loadgen-gw/1.0\r\n",
                         "")};
    case Kind::ok_bye:
      return response("200 OK", to, via_bye, "CSeq: 102 BYE\r\n", "", "");
    case Kind::cancel:
      return Wire{ua, ub,
                  finish("CANCEL " + callee_uri + ";user=phone SIP/2.0\r\n" + via_invite + "Max-Forwards: 70\r\n" +
                             from + to_plain + "\r\n" + common + "CSeq: 101 CANCEL\r\n",
                         "")};
    case Kind::ok_cancel:
      return response("200 OK", to, via_invite, "CSeq: 101 CANCEL\r\n", "", "");
    default:
      return Wire{};
  }
}

Wire registration_message(std::uint32_t number, std::uint64_t id, Kind kind) {
  const std::string ua = "10.3." + std::to_string((number / 250) % 250) + "." + std::to_string(number % 250 + 1);
  const std::string user = "user" + std::to_string(number);
  const std::string aor = "sip:" + user + "@example.net";
  const bool second = kind == Kind::register2 || kind == Kind::ok_register;
  const std::string via =
      "Via: SIP/2.0/UDP " + ua + ":5060;branch=z9hG4bK" + hex(id, 16) + (second ? "-r2" : "-r1") + "\r\n";
  const std::string head = via + "From: <" + aor + ">;tag=" + hex(id >> 3, 10) + "\r\nTo: <" + aor + ">" +
                           (kind == Kind::unauthorized || kind == Kind::ok_register ? ";tag=" + hex(id >> 5, 10) : "") +
                           "\r\nCall-ID: " + hex(id) + "@" + ua + "\r\nCSeq: " + (second ? "2" : "1") + " REGISTER\r\n";
  const std::string contact = "Contact: <sip:" + user + "@" + ua + ":5060>;expires=3600\r\n";
  const std::uint32_t client = ipv4(ua), registrar = ipv4(kRegistrar);
  switch (kind) {
    case Kind::register1:
      return Wire{client, registrar,
                  finish("REGISTER sip:example.net SIP/2.0\r\n" + head + "Max-Forwards: 70\r\n" + contact +
                             "User-Agent: loadgen-phone/2.1\r\n",
                         "")};
    case Kind::unauthorized:
      return Wire{
          registrar, client,
          finish("SIP/2.0 401 Unauthorized\r\n" + head + "WWW-Authenticate: Digest realm=\"example.net\", nonce=\"" +
                     hex(id * 31) + "\", algorithm=MD5, qop=\"auth\"\r\n",
                 "")};
    case Kind::register2:
      return Wire{client, registrar,
                  finish("REGISTER sip:example.net SIP/2.0\r\n" + head + "Max-Forwards: 70\r\n" + contact +
                             "Authorization: Digest username=\"" + user + "\", realm=\"example.net\", nonce=\"" +
                             hex(id * 31) + "\", uri=\"sip:example.net\", response=\"" + hex(id * 7) + hex(id * 11) +
                             "\", algorithm=MD5, cnonce=\"" + hex(id * 13, 8) + "\", qop=auth, nc=00000001\r\n" +
                             "User-Agent: loadgen-phone/2.1\r\n",
                         "")};
    case Kind::ok_register:
      return Wire{registrar, client, finish("SIP/2.0 200 OK\r\n" + head + contact, "")};
    default:
      return Wire{};
  }
}

Wire options_message(std::uint32_t gateway, std::uint64_t id, Kind kind) {
  const std::string a = gateway_ip(1, gateway);
  const std::string b = gateway_ip(2, gateway);
  const std::string head = "Via: SIP/2.0/UDP " + a + ":5060;branch=z9hG4bK" + hex(id, 16) + "-o\r\nFrom: <sip:ping@" +
                           a + ">;tag=" + hex(id >> 4, 8) + "\r\nTo: <sip:ping@" + b + ">" +
                           (kind == Kind::ok_options ? ";tag=" + hex(id >> 6, 8) : "") + "\r\nCall-ID: " + hex(id) +
                           "@" + a + "\r\nCSeq: 1 OPTIONS\r\n";
  if (kind == Kind::options) {
    return Wire{ipv4(a), ipv4(b), finish("OPTIONS sip:" + b + ":5060 SIP/2.0\r\n" + head + "Max-Forwards: 70\r\n", "")};
  }
  return Wire{ipv4(b), ipv4(a), finish("SIP/2.0 200 OK\r\n" + head + "Accept: application/sdp\r\n", "")};
}

void put16(std::uint8_t* p, unsigned v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xFFFF);
}

// One Ethernet/IPv4/UDP frame (IP checksum set, UDP checksum 0: allowed over IPv4) with its
// pcap record header.
void write_frame(std::FILE* out, std::int64_t ts_us, const Wire& wire) {
  static std::vector<std::uint8_t> frame;
  const std::size_t length = 14 + 20 + 8 + wire.payload.size();
  frame.assign(16 + length, 0);
  std::uint8_t* record = frame.data();
  const auto le32 = [](std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, 4); };  // pcap: host order
  le32(record, static_cast<std::uint32_t>(ts_us / 1000000));
  le32(record + 4, static_cast<std::uint32_t>(ts_us % 1000000));
  le32(record + 8, static_cast<std::uint32_t>(length));
  le32(record + 12, static_cast<std::uint32_t>(length));
  std::uint8_t* eth = record + 16;
  const std::uint8_t macs[12] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
  std::memcpy(eth, macs, 12);
  put16(eth + 12, 0x0800);
  std::uint8_t* ip = eth + 14;
  ip[0] = 0x45;
  put16(ip + 2, static_cast<unsigned>(20 + 8 + wire.payload.size()));
  ip[8] = 64;
  ip[9] = 17;
  put32(ip + 12, wire.src);
  put32(ip + 16, wire.dst);
  std::uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(ip[i] << 8 | ip[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  put16(ip + 10, ~sum & 0xFFFF);
  std::uint8_t* udp = ip + 20;
  put16(udp, 5060);
  put16(udp + 2, 5060);
  put16(udp + 4, static_cast<unsigned>(8 + wire.payload.size()));
  std::memcpy(udp + 8, wire.payload.data(), wire.payload.size());
  std::fwrite(frame.data(), 1, frame.size(), out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (argv[1][0] == '-' && argv[1][1] != '\0')) {
    std::fprintf(stderr, "usage: %s OUT.pcap|- [--calls N] [--rate CALLS_PER_S] [--seed S] [--talk MIN_S:MAX_S]\n",
                 argv[0]);
    return 2;
  }
  const char* path = argv[1];
  std::uint64_t calls_wanted = 150000;
  double rate = 1400;
  std::uint64_t seed = 26;
  double talk_min_s = 30, talk_max_s = 60;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--calls") {
      calls_wanted = std::stoull(argv[i + 1]);
    } else if (option == "--rate") {
      rate = std::stod(argv[i + 1]);
    } else if (option == "--talk") {
      if (std::sscanf(argv[i + 1], "%lf:%lf", &talk_min_s, &talk_max_s) != 2 || talk_min_s < 0 ||
          talk_max_s < talk_min_s) {
        std::fprintf(stderr, "--talk takes MIN_S:MAX_S\n");
        return 2;
      }
    } else if (option == "--seed") {
      seed = std::stoull(argv[i + 1]);
    } else {
      std::fprintf(stderr, "unknown option %s\n", option.c_str());
      return 2;
    }
  }
  Random random{seed};
  std::vector<Call> calls;
  std::vector<Event> events;
  calls.reserve(calls_wanted);
  events.reserve(calls_wanted * 9);
  const std::int64_t t0 = 1'764'547'200'000'000;  // 2025-12-01T00:00:00Z, in µs
  std::map<std::string, std::uint64_t> requests, responses;
  std::uint64_t retransmitted_requests = 0, retransmitted_responses = 0;
  std::uint64_t outcomes[5] = {};

  double t = 0;
  for (std::uint64_t n = 0; n < calls_wanted; ++n) {
    t += random.exponential(1.0 / rate);
    const std::int64_t start = t0 + static_cast<std::int64_t>(t * 1e6);
    const double pick = random.unit();
    const Outcome outcome = pick < 0.765   ? Outcome::answered
                            : pick < 0.865 ? Outcome::cancelled
                            : pick < 0.945 ? Outcome::busy
                            : pick < 0.995 ? Outcome::rejected
                                           : Outcome::unanswered;
    ++outcomes[static_cast<int>(outcome)];
    Call call{random.next(), static_cast<std::uint32_t>(random.next() % kGateways),
              static_cast<std::uint32_t>(random.next() % kGateways), 0};
    const auto index = static_cast<std::uint32_t>(calls.size());
    const auto add = [&](std::int64_t ts, Kind kind) { events.push_back(Event{ts, index, kind}); };
    add(start, Kind::invite);
    ++requests["INVITE"];
    if (outcome == Outcome::unanswered) {
      // Timer A: 0.5, 1, 2, 4, 8, 16 s apart; Timer B gives up at 32 s.
      std::int64_t at = start, interval = 500000;
      for (int copy = 0; copy < 6; ++copy, interval *= 2) add(at += interval, Kind::invite);
      requests["INVITE"] += 6;
      retransmitted_requests += 6;
      calls.push_back(call);
      continue;
    }
    std::int64_t trying = start + random.between_us(0.001, 0.02);
    if (random.unit() < 0.02) {  // the 100 Trying came late: the INVITE went again at T1
      add(start + 500000, Kind::invite);
      ++requests["INVITE"];
      ++retransmitted_requests;
      trying = start + random.between_us(0.52, 0.6);
    }
    add(trying, Kind::trying);
    ++responses["100"];
    if (outcome == Outcome::rejected) {
      call.fail_code = random.unit() < 0.5 ? 404 : 503;
      const std::int64_t fail = trying + random.between_us(0.02, 0.1);
      add(fail, Kind::fail);
      add(fail + random.between_us(0.001, 0.01), Kind::ack_fail);
      ++responses[std::to_string(call.fail_code)];
      ++requests["ACK"];
      calls.push_back(call);
      continue;
    }
    const std::int64_t ringing = trying + random.between_us(0.05, 0.3);
    add(ringing, Kind::ringing);
    ++responses["180"];
    if (outcome == Outcome::busy) {
      call.fail_code = 486;
      const std::int64_t fail = ringing + random.between_us(0.5, 5);
      add(fail, Kind::fail);
      add(fail + random.between_us(0.001, 0.01), Kind::ack_fail);
      ++responses["486"];
      ++requests["ACK"];
    } else if (outcome == Outcome::cancelled) {
      const std::int64_t cancel = ringing + random.between_us(5, 30);
      add(cancel, Kind::cancel);
      add(cancel + random.between_us(0.001, 0.02), Kind::ok_cancel);
      const std::int64_t terminated = cancel + random.between_us(0.002, 0.03);
      add(terminated, Kind::terminated);
      add(terminated + random.between_us(0.001, 0.01), Kind::ack_fail);
      ++requests["CANCEL"];
      ++responses["200"];
      ++responses["487"];
      ++requests["ACK"];
    } else {  // answered: rings 1-15 s, talks 30-60 s (or --talk)
      const std::int64_t answer = ringing + random.between_us(1, 15);
      add(answer, Kind::ok_invite);
      ++responses["200"];
      std::int64_t ack = answer + random.between_us(0.001, 0.03);
      if (random.unit() < 0.02) {  // the ACK came late: the 200 went again at T1
        add(answer + 500000, Kind::ok_invite);
        ++responses["200"];
        ++retransmitted_responses;
        ack = answer + random.between_us(0.51, 0.55);
      }
      add(ack, Kind::ack_2xx);
      ++requests["ACK"];
      const std::int64_t bye = ack + random.between_us(talk_min_s, talk_max_s);
      add(bye, Kind::bye);
      ++requests["BYE"];
      std::int64_t ok = bye + random.between_us(0.001, 0.02);
      if (random.unit() < 0.01) {
        add(bye + 500000, Kind::bye);
        ++requests["BYE"];
        ++retransmitted_requests;
        ok = bye + random.between_us(0.51, 0.55);
      }
      add(ok, Kind::ok_bye);
      ++responses["200"];
    }
    calls.push_back(call);
  }
  const std::int64_t load_end = t0 + static_cast<std::int64_t>(t * 1e6);

  // Registrations (30 % of the call rate) and OPTIONS pings (every gateway, every 30 s), during
  // the calls' arrival period. Their events carry the registration / ping number in `call`, with
  // the top bit telling the two apart.
  constexpr std::uint32_t kPingBit = 0x80000000u;
  std::vector<std::uint64_t> registration_ids, ping_ids;
  for (double r = random.exponential(1.0 / (0.3 * rate)); t0 + static_cast<std::int64_t>(r * 1e6) < load_end;
       r += random.exponential(1.0 / (0.3 * rate))) {
    const std::int64_t at = t0 + static_cast<std::int64_t>(r * 1e6);
    const auto number = static_cast<std::uint32_t>(registration_ids.size());
    registration_ids.push_back(random.next());
    const std::int64_t challenge = at + random.between_us(0.002, 0.02);
    const std::int64_t again = challenge + random.between_us(0.005, 0.05);
    events.push_back(Event{at, number, Kind::register1});
    events.push_back(Event{challenge, number, Kind::unauthorized});
    events.push_back(Event{again, number, Kind::register2});
    events.push_back(Event{again + random.between_us(0.002, 0.02), number, Kind::ok_register});
    requests["REGISTER"] += 2;
    ++responses["401"];
    ++responses["200"];
  }
  for (std::uint32_t gateway = 0; gateway < kGateways; ++gateway) {
    for (std::int64_t at = t0 + random.between_us(0, 30); at < load_end; at += 30'000'000) {
      const auto number = static_cast<std::uint32_t>(ping_ids.size());
      ping_ids.push_back(random.next() ^ gateway);
      events.push_back(Event{at, number | kPingBit, Kind::options});
      events.push_back(Event{at + random.between_us(0.001, 0.005), number | kPingBit, Kind::ok_options});
      ++requests["OPTIONS"];
      ++responses["200"];
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& x, const Event& y) { return x.ts_us < y.ts_us; });

  const bool to_stdout = std::strcmp(path, "-") == 0;
  std::FILE* out = to_stdout ? stdout : std::fopen(path, "wb");
  if (out == nullptr) {
    std::perror(path);
    return 2;
  }
  static char buffer[1 << 20];
  std::setvbuf(out, buffer, _IOFBF, sizeof buffer);
  const std::uint32_t header[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1};  // v2.4, snaplen, Ethernet
  std::fwrite(header, 4, 6, out);
  std::uint64_t bytes = 0;
  std::int64_t confirmed = 0, peak_confirmed = 0;
  for (const Event& event : events) {
    Wire wire;
    if (event.kind >= Kind::options) {
      const std::uint32_t number = event.call & ~kPingBit;
      wire = options_message(number % kGateways, ping_ids[number], event.kind);
    } else if (event.kind >= Kind::register1) {
      wire = registration_message(event.call, registration_ids[event.call], event.kind);
    } else {
      wire = call_message(calls[event.call], event.kind);
    }
    // Confirmed dialogs at once: from the ACK of the 200 to the BYE's 200.
    if (event.kind == Kind::ack_2xx) peak_confirmed = std::max(peak_confirmed, ++confirmed);
    if (event.kind == Kind::ok_bye) --confirmed;
    bytes += 16 + 42 + wire.payload.size();
    write_frame(out, event.ts_us, wire);
  }
  if (std::fclose(out) != 0) {
    std::perror(path);
    return 2;
  }
  const auto print_map = [](const std::map<std::string, std::uint64_t>& map) {
    std::string s = "{";
    for (const auto& [key, value] : map) s += (s.size() > 1 ? ", \"" : "\"") + key + "\": " + std::to_string(value);
    return s + "}";
  };
  std::fprintf(to_stdout ? stderr : stdout,
               "{\"packets\": %zu, \"bytes\": %llu, \"seconds\": %.3f, \"calls\": %zu, \"calls_per_s\": %.1f,\n"
               " \"answered\": %llu, \"cancelled\": %llu, \"busy\": %llu, \"rejected\": %llu, \"unanswered\": %llu,\n"
               " \"registrations\": %zu, \"options_pings\": %zu, \"peak_confirmed_dialogs\": %lld,\n"
               " \"requests\": %s,\n \"responses\": %s,\n"
               " \"retransmissions\": {\"requests\": %llu, \"responses\": %llu}}\n",
               events.size(), static_cast<unsigned long long>(bytes),
               static_cast<double>(events.back().ts_us - events.front().ts_us) / 1e6, calls.size(), rate,
               static_cast<unsigned long long>(outcomes[0]), static_cast<unsigned long long>(outcomes[1]),
               static_cast<unsigned long long>(outcomes[2]), static_cast<unsigned long long>(outcomes[3]),
               static_cast<unsigned long long>(outcomes[4]), registration_ids.size(), ping_ids.size(),
               static_cast<long long>(peak_confirmed), print_map(requests).c_str(), print_map(responses).c_str(),
               static_cast<unsigned long long>(retransmitted_requests),
               static_cast<unsigned long long>(retransmitted_responses));
  return 0;
}
