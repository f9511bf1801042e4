#pragma once
// SIP over WebSocket (RFC 7118) as it appears in an unencrypted TCP stream: an HTTP/1.1 Upgrade
// handshake (RFC 6455 §4), then frames whose payloads are whole SIP messages, masked when they
// go from client to server (§5.3). Pure functions over the reassembled stream; the TCP
// reassembler owns the state.
#include <cstdint>
#include <span>
#include <string_view>

#include "analysis/bytes.h"

namespace sipmon {

enum class WebSocketHandshake {
  not_handshake,  // not an HTTP message that upgrades to WebSocket
  need_more,      // looks like one, but the header block is not complete yet
  upgrade,        // a request or 101 response with "Upgrade: websocket"; `length` bytes long
};

struct WebSocketHandshakeResult {
  WebSocketHandshake status = WebSocketHandshake::not_handshake;
  std::size_t length = 0;
};

// `stream` starts where an HTTP request line ("GET ...") or status line ("HTTP/1.1 101") would.
WebSocketHandshakeResult parse_websocket_handshake(std::string_view stream);

namespace websocket_opcode {
inline constexpr std::uint8_t kContinuation = 0x0;
inline constexpr std::uint8_t kText = 0x1;
inline constexpr std::uint8_t kBinary = 0x2;
inline constexpr std::uint8_t kClose = 0x8;
inline constexpr std::uint8_t kPing = 0x9;
inline constexpr std::uint8_t kPong = 0xa;
}  // namespace websocket_opcode

enum class WebSocketFrameStatus { frame, need_more, bad };

struct WebSocketFrame {
  WebSocketFrameStatus status = WebSocketFrameStatus::need_more;
  std::size_t length = 0;  // header and payload: where the next frame starts
  bool fin = false;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::uint8_t mask[4] = {};
  Bytes payload;  // still masked when `masked`
};

// One frame from the start of `stream`. A frame announcing more than `max_payload` bytes is
// `bad`: the stream cannot be followed without buffering without bound.
WebSocketFrame parse_websocket_frame(Bytes stream, std::size_t max_payload);

// Writes the unmasked payload to `out` (at least frame.payload.size() bytes) and returns the
// view of it; returns the payload itself when it was not masked.
Bytes unmask_websocket_payload(const WebSocketFrame& frame, std::span<std::uint8_t> out);

}  // namespace sipmon
