#pragma once
// Transparent huge pages for the engine's big tables. Their lookups are random by design (hashes
// of Call-IDs and branches), so in tables of tens to hundreds of MiB almost every lookup misses
// the TLB as well as the caches: with 2 MiB pages one TLB entry covers 512 times more table.
// Advised before the memory is first written (ZeroedArray maps large arrays untouched), so the kernel backs it with
// huge pages as it faults in; where THP is off ("never") this changes nothing. The cost: a table's resident memory
// grows in 2 MiB steps instead of 4 KiB ones, still never past what it reserved.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace sipmon {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

// Advises the whole 2 MiB pages inside [p, p + bytes); tables under 4 MiB are left alone.
inline void advise_huge_pages(void* p, std::size_t bytes) {
  if (p == nullptr || bytes < 2 * kHugePageBytes) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHugePageBytes - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace sipmon
