// libFuzzer target: the SIP parser and every header reader on arbitrary bytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "analysis/sip_fields.h"
#include "analysis/sip_parser.h"
#include "analysis/transaction_key.h"

using namespace sipmon;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte says whether the capture cut the payload short; the rest is the payload.
  const bool truncated = (data[0] & 1) != 0;
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);

  (void)looks_like_sip_start(payload);
  SipMessage message;
  if (parse_sip_message(payload, message, truncated) != SipParseStatus::message) return 0;

  // Everything the tracking layers may read must be safe on whatever the parser accepted.
  volatile std::size_t sink = 0;
  sink = sink + parse_uri(message.request_uri).host.size();
  sink = sink + parse_uri(parse_name_addr(message.header(HeaderId::from)).uri).user.size();
  sink = sink + parse_uri(parse_name_addr(message.header(HeaderId::to)).uri).host.size();
  const ViaValue via = top_via(message);
  sink = sink + via.received.size() + via.rport.size() + via.port;
  sink = sink + parse_leading_number(message.header(HeaderId::max_forwards)).value_or(0) + min_se(message).value_or(0);
  sink = sink + session_expires(message).refresher.size() + reason(message).text.size();
  std::array<std::string_view, 4> values{};
  for (std::size_t id = 0; id < kHeaderIdCount; ++id) {
    sink = sink + header_values(message, static_cast<HeaderId>(id), values);
    for (const std::string_view value : values) {
      sink = sink + parse_name_addr(value).params.size() + parse_via(value).branch.size();
    }
  }
  if (message.mandatory_headers_ok) sink = sink + transaction_key(message, {}, {}).lo;
  // Views must stay inside the payload.
  if (!message.body.empty() && (message.body.data() < payload.data() ||
                                message.body.data() + message.body.size() > payload.data() + payload.size())) {
    __builtin_trap();
  }
  if (message.wire_length > payload.size()) __builtin_trap();
  return 0;
}
