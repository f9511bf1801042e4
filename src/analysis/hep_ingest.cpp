#include "analysis/hep_ingest.h"

#include "analysis/ip_decoder.h"

namespace sipmon {
namespace {

Transport transport_of(std::uint8_t ip_protocol) {
  switch (ip_protocol) {
    case ip_protocol::kTcp:
      return Transport::tcp;  // TLS too: senders report the IP protocol under it
    case ip_protocol::kSctp:
      return Transport::sctp;
    default:
      return Transport::udp;
  }
}

}  // namespace

void HepIngest::on_packet(Bytes bytes, std::int64_t arrival_ns) {
  ++packets_;
  const HepPacket packet = decode_hep(bytes);
  if (packet.error != HepError::none) {
    count_error(packet.error);
    return;
  }
  ++by_version_[packet.version];
  if (packet.unknown_chunks != 0) errors_[static_cast<std::size_t>(HepError::unknown_chunk)] += packet.unknown_chunks;
  if (!config_.auth_key.empty()) {
    if (packet.auth_key.empty()) return count_error(HepError::missing_key);
    if (packet.auth_key != config_.auth_key) return count_error(HepError::wrong_key);
  }
  if (packet.protocol_type != kHepProtocolSip) return count_error(HepError::not_sip);

  Payload payload;
  payload.ts_ns = packet.ts_ns;
  const std::int64_t skew = packet.ts_ns > arrival_ns ? packet.ts_ns - arrival_ns : arrival_ns - packet.ts_ns;
  // No overflow: a HEP timestamp is below 2^32 seconds, an arrival time near the present.
  if (!packet.has_timestamp || skew > config_.max_skew_ns) {
    payload.ts_ns = arrival_ns;
    ++timestamps_replaced_;
  }
  payload.transport = transport_of(packet.ip_protocol);
  payload.src = packet.src;
  payload.dst = packet.dst;
  payload.src_port = packet.src_port;
  payload.dst_port = packet.dst_port;
  payload.bytes = packet.payload;
  ++sip_payloads_;
  engine_.on_message_payload(payload, static_cast<std::uint32_t>(packet.payload.size()));
}

HepInReport HepIngest::report() const {
  HepInReport report;
  report.packets = packets_;
  for (std::size_t version = 1; version < by_version_.size(); ++version) {
    if (by_version_[version] != 0) report.by_version.emplace(std::to_string(version), by_version_[version]);
  }
  for (std::size_t i = 0; i < kHepErrorCount; ++i) {
    if (errors_[i] != 0) report.errors.emplace(std::string(hep_error_name(static_cast<HepError>(i))), errors_[i]);
  }
  report.sip_payloads = sip_payloads_;
  report.timestamps_replaced = timestamps_replaced_;
  report.connections = connections_;
  report.connections_refused = connections_refused_;
  return report;
}

}  // namespace sipmon
