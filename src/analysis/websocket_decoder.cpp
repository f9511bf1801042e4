#include "analysis/websocket_decoder.h"

#include "analysis/text.h"

namespace sipmon {
namespace {

// Does any "Upgrade:" header in the block name websocket?
bool upgrades_to_websocket(std::string_view headers) {
  std::size_t pos = headers.find('\n');
  while (pos != std::string_view::npos && pos + 1 < headers.size()) {
    const std::size_t begin = pos + 1;
    pos = headers.find('\n', begin);
    const std::string_view line =
        headers.substr(begin, pos == std::string_view::npos ? std::string_view::npos : pos - begin);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (iequals(trim(line.substr(0, colon)), "upgrade") && iequals(trim(line.substr(colon + 1)), "websocket")) {
      return true;
    }
  }
  return false;
}

}  // namespace

WebSocketHandshakeResult parse_websocket_handshake(std::string_view stream) {
  const bool request = stream.starts_with("GET ");
  const bool response = istarts_with(stream, "http/1.1 101") || istarts_with(stream, "http/1.0 101");
  if (!request && !response) {
    // Too short to tell yet?
    const bool prefix =
        std::string_view("GET ").starts_with(stream) || std::string_view("HTTP/1.1 101").starts_with(stream);
    return {prefix && !stream.empty() ? WebSocketHandshake::need_more : WebSocketHandshake::not_handshake, 0};
  }
  std::size_t end = stream.find("\r\n\r\n");
  std::size_t terminator = 4;
  if (end == std::string_view::npos) {
    end = stream.find("\n\n");
    terminator = 2;
  }
  if (end == std::string_view::npos) return {WebSocketHandshake::need_more, 0};
  const std::string_view headers = stream.substr(0, end + terminator);
  if (!upgrades_to_websocket(headers)) return {WebSocketHandshake::not_handshake, 0};
  return {WebSocketHandshake::upgrade, headers.size()};
}

WebSocketFrame parse_websocket_frame(Bytes stream, std::size_t max_payload) {
  WebSocketFrame frame;
  if (stream.size() < 2) return frame;
  const std::uint8_t b0 = stream[0];
  const std::uint8_t b1 = stream[1];
  frame.fin = (b0 & 0x80) != 0;
  frame.opcode = b0 & 0x0f;
  frame.masked = (b1 & 0x80) != 0;
  // Reserved bits are only set by negotiated extensions (e.g. permessage-deflate, whose SIP we
  // could not read anyway); reserved opcodes are never valid.
  const bool reserved_opcode = (frame.opcode >= 0x3 && frame.opcode <= 0x7) || frame.opcode >= 0xb;
  if ((b0 & 0x70) != 0 || reserved_opcode) {
    frame.status = WebSocketFrameStatus::bad;
    return frame;
  }
  std::size_t header = 2;
  std::uint64_t length = b1 & 0x7f;
  if (length == 126) {
    if (stream.size() < 4) return frame;
    length = load_be16(stream.data() + 2);
    header = 4;
  } else if (length == 127) {
    if (stream.size() < 10) return frame;
    length = (std::uint64_t{load_be32(stream.data() + 2)} << 32) | load_be32(stream.data() + 6);
    header = 10;
  }
  if (length > max_payload) {
    frame.status = WebSocketFrameStatus::bad;
    return frame;
  }
  if (frame.masked) {
    if (stream.size() < header + 4) return frame;
    for (int i = 0; i < 4; ++i) frame.mask[i] = stream[header + static_cast<std::size_t>(i)];
    header += 4;
  }
  if (stream.size() < header + length) return frame;
  frame.status = WebSocketFrameStatus::frame;
  frame.length = header + static_cast<std::size_t>(length);
  frame.payload = stream.subspan(header, static_cast<std::size_t>(length));
  return frame;
}

Bytes unmask_websocket_payload(const WebSocketFrame& frame, std::span<std::uint8_t> out) {
  if (!frame.masked) return frame.payload;
  const std::size_t n = std::min(frame.payload.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = frame.payload[i] ^ frame.mask[i & 3];
  return Bytes(out.data(), n);
}

}  // namespace sipmon
