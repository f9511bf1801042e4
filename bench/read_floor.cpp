// The floor a replay is measured against: reading the same capture file and doing nothing with
// the packets. `libpcap` walks it with pcap_next_ex (what sipmon's replay does through
// PcapFileSource); `read` walks the pcap records of 1 MiB read() blocks by hand (what the file
// costs without libpcap). Each prints the packets and bytes it saw, so the walk cannot be
// optimized away and the caller can check it saw every packet.
//
//   sipmon_read_floor libpcap|read FILE
#include <fcntl.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

int walk_libpcap(const char* path) {
  char error[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline(path, error);
  if (pcap == nullptr) {
    std::fprintf(stderr, "%s\n", error);
    return 2;
  }
  std::uint64_t packets = 0, bytes = 0, check = 0;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(pcap, &header, &data) == 1) {
    ++packets;
    bytes += header->caplen;
    check += data[header->caplen / 2];  // touch the packet, as a parser would
  }
  pcap_close(pcap);
  std::printf("%llu packets %llu bytes %llu\n", static_cast<unsigned long long>(packets),
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(check & 0xff));
  return 0;
}

// Classic pcap only (24-byte file header, 16-byte record headers, host byte order).
int walk_read(const char* path) {
  const int fd = open(path, O_RDONLY);
  if (fd < 0) {
    std::perror(path);
    return 2;
  }
  std::vector<unsigned char> buffer(1 << 20);
  std::size_t have = 0, at = 24;
  std::uint64_t packets = 0, bytes = 0, check = 0;
  for (;;) {
    const ssize_t got = read(fd, buffer.data() + have, buffer.size() - have);
    if (got <= 0) break;
    have += static_cast<std::size_t>(got);
    while (at + 16 <= have) {
      std::uint32_t caplen = 0;
      std::memcpy(&caplen, buffer.data() + at + 8, 4);
      if (at + 16 + caplen > have) break;
      ++packets;
      bytes += caplen;
      check += buffer[at + 16 + caplen / 2];
      at += 16 + caplen;
    }
    // Keep the partial record at the front of the buffer.
    std::memmove(buffer.data(), buffer.data() + at, have - at);
    have -= at;
    at = 0;
  }
  close(fd);
  std::printf("%llu packets %llu bytes %llu\n", static_cast<unsigned long long>(packets),
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(check & 0xff));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc == 3 ? argv[1] : "";
  if (mode == "libpcap") return walk_libpcap(argv[2]);
  if (mode == "read") return walk_read(argv[2]);
  std::fprintf(stderr, "usage: %s libpcap|read FILE\n", argv[0]);
  return 2;
}
