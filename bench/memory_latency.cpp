// What one cache miss costs on the machine at hand, by the span of memory the misses fall in: the
// engine's state tables are tens to hundreds of MiB, and a message of a known call misses in a few
// of them (docs/performance.md, "Where the time goes on this VM"). Three walks of random lines:
//   dependent    each load's address waits for the previous load (one miss at a time: a table
//                lookup whose slot depends on what was just read)
//   independent  the addresses are known ahead; the CPU overlaps the misses itself
//   prefetch D   the dependent walk with __builtin_prefetch D accesses ahead (what a batched or
//                look-ahead engine would do), with ~10 ns of other work between accesses
// each in memory asking for transparent huge pages and in memory refusing them. On a VM whose
// hypervisor backs the guest's huge pages with small ones (shadow paging), the two agree.
//
//   sipmon_memory_latency [MAX_MIB]    (default 1024)
#include <sys/mman.h>
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr std::size_t kLine = 64;

struct Region {
  explicit Region(std::size_t bytes, bool huge) : size(bytes) {
    void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      std::perror("mmap");
      std::exit(1);
    }
    data = static_cast<unsigned char*>(memory);
    madvise(data, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    std::memset(data, 1, bytes);  // every page present: the walks measure misses, not faults
  }
  ~Region() { munmap(data, size); }
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;
  unsigned char* data;
  std::size_t size;
};

// Line numbers in [0, lines), xorshift64: the same sequence every run.
std::vector<std::uint32_t> random_lines(std::size_t count, std::size_t lines) {
  std::vector<std::uint32_t> out(count);
  std::uint64_t x = 88172645463325252ull;
  for (auto& line : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    line = static_cast<std::uint32_t>(x % lines);
  }
  return out;
}

// The thread's CPU time, not the wall clock: on a shared machine the walk is not running all the
// time, and a miss costs what the CPU spent waiting for it.
std::int64_t cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

double ns_per(std::int64_t elapsed_ns, std::size_t count) {
  return static_cast<double>(elapsed_ns) / static_cast<double>(count);
}

void measure(std::size_t bytes, bool huge) {
  Region region(bytes, huge);
  const std::size_t lines = bytes / kLine;  // a power of two: `& mask` keeps division out of the chain
  const std::size_t mask = lines - 1;
  constexpr std::size_t kAccesses = 2'000'000;
  constexpr std::size_t kAhead = 16;
  const std::vector<std::uint32_t> order = random_lines(kAccesses + kAhead, lines);
  const unsigned char* data = region.data;

  auto start = cpu_ns();
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kAccesses; ++i) sum += data[std::size_t{order[i]} * kLine];
  const double independent = ns_per(cpu_ns() - start, kAccesses);

  // Every byte is 1, so `hop` is always 0 but the compiler cannot know: the next address waits
  // for this load.
  start = cpu_ns();
  std::size_t hop = 0;
  for (std::size_t i = 0; i < kAccesses / 4; ++i) hop = data[((order[i] + hop) & mask) * kLine] - 1u;
  const double dependent = ns_per(cpu_ns() - start, kAccesses / 4);
  sum += hop;

  std::printf("%6zu MiB  %-5s  dependent %6.1f ns  independent %5.1f ns  prefetch ahead:", bytes >> 20,
              huge ? "huge" : "4 KiB", dependent, independent);
  std::uint64_t spin = 1;
  for (const std::size_t ahead : {std::size_t{1}, std::size_t{4}, std::size_t{16}}) {
    start = cpu_ns();
    for (std::size_t i = 0; i < kAccesses / 4; ++i) {
      __builtin_prefetch(data + std::size_t{order[i + ahead]} * kLine);
      hop = data[((order[i] + hop) & mask) * kLine] - 1u;
      for (int step = 0; step < 8; ++step) {
        spin = spin * 6364136223846793005ull + 1;  // other work, which the loads can overlap
        asm volatile("" : "+r"(spin));
      }
    }
    std::printf("  %zu: %6.1f ns", ahead, ns_per(cpu_ns() - start, kAccesses / 4));
  }
  std::printf("   (%llu)\n", static_cast<unsigned long long>(sum + hop + (spin & 1)));
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t max_mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024;
  for (std::size_t mib = 1; mib <= max_mib; mib *= 4) {
    measure(mib << 20, true);
    measure(mib << 20, false);
  }
  return 0;
}
