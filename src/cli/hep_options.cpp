#include "cli/hep_options.h"

#include <cstring>

#include <netinet/in.h>

#include "sources/socket_address.h"

namespace sipmon {

void add_hep_options(CLI::App& command, HepOptions& options, HepCommand kind) {
  const std::string group = "HEP (docs/hep.md)";
  if (kind == HepCommand::live) {
    command
        .add_option("--hep-listen", options.listen,
                    "Receive HEPv1/v2/v3 from SIP servers on ADDR (HOST:PORT, [V6]:PORT, :PORT or HOST; default "
                    "port 9060), UDP and TCP")
        ->group(group);
    command
        .add_option("--hep-max-skew", options.max_skew_s,
                    "Received HEP timestamps further than this from the arrival time count at the arrival time")
        ->transform(CLI::AsNumberWithUnit(std::map<std::string, double>{{"s", 1}, {"ms", 0.001}},
                                          CLI::AsNumberWithUnit::CASE_SENSITIVE))
        ->check(CLI::Range(0.0, 3e9))  // ~95 years: "keep every timestamp"; its nanoseconds fit in 64 bits
        ->capture_default_str()
        ->group(group);
  }
  command
      .add_option("--hep-key", options.key,
                  kind == HepCommand::live ? "HEP authentication key (chunk 0x000e): required of received packets, "
                                             "sent with --hep-out"
                                           : "HEP authentication key (chunk 0x000e) sent with --hep-out")
      ->group(group);
  command
      .add_option(
          "--hep-out", options.out,
          "Send every SIP message counted to a HEP collector at HOST:PORT as HEPv3 (Homer, Kamailio sipcapture)")
      ->group(group);
  command.add_option("--hep-transport", options.transport, "Transport for --hep-out")
      ->check(CLI::IsMember({"udp", "tcp"}))
      ->capture_default_str()
      ->group(group);
  command.add_option("--hep-id", options.capture_id, "Capture agent id sent with --hep-out (chunk 0x000c)")
      ->capture_default_str()
      ->group(group);
}

HepIngestConfig hep_ingest_config(const HepOptions& options) {
  return HepIngestConfig{.auth_key = options.key, .max_skew_ns = static_cast<std::int64_t>(options.max_skew_s * 1e9)};
}

namespace {

std::uint16_t port_of(const SocketAddress& address) {
  return ntohs(address.family() == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_port
                                            : reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_port);
}

}  // namespace

Expected<std::unique_ptr<HepListener>> open_hep_listener(const HepOptions& options) {
  auto address = resolve_socket_address(options.listen, kHepDefaultPort, "--hep-listen");
  if (!address) return tl::unexpected(address.error());
  // Every message received is sent on with --hep-out: sent to this very listener it would come
  // back for ever. A wildcard listener on the same port catches any local address; refuse both.
  if (!options.out.empty()) {
    auto out = resolve_socket_address(options.out, kHepDefaultPort, "--hep-out");
    if (!out) return tl::unexpected(out.error());
    const bool wildcard = address->text.rfind("0.0.0.0:", 0) == 0 || address->text.rfind("[::]:", 0) == 0;
    if (port_of(*out) == port_of(*address) && (wildcard || out->text == address->text)) {
      return make_error(ErrorKind::usage, "--hep-out " + out->text + " is this process's own --hep-listen " +
                                              address->text + ": every message would loop");
    }
  }
  return HepListener::open(*address);
}

Expected<std::unique_ptr<HepSender>> start_hep_sender(const HepOptions& options, HepCommand kind) {
  if (options.out.empty()) return std::unique_ptr<HepSender>();
  auto address = resolve_socket_address(options.out, kHepDefaultPort, "--hep-out");
  if (!address) return tl::unexpected(address.error());
  HepSenderSettings settings;
  std::memcpy(&settings.address, &address->storage, sizeof settings.address);
  settings.address_length = address->length;
  settings.address_text = address->text;
  settings.transport = options.transport == "tcp" ? HepTransport::tcp : HepTransport::udp;
  settings.capture_id = options.capture_id;
  settings.auth_key = options.key;
  settings.block_when_full = kind == HepCommand::replay;
  return HepSender::start(std::move(settings));
}

}  // namespace sipmon
