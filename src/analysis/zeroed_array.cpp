#include "analysis/zeroed_array.h"

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "analysis/huge_pages.h"

namespace sipmon::zeroed_memory {

void* allocate(std::size_t bytes, std::size_t alignment, bool& mapped) {
  mapped = bytes >= kMapThreshold;
  if (!mapped) {
    if (alignment <= alignof(std::max_align_t)) return std::calloc(1, bytes);
    // An over-aligned element (a table's cache-line-sized entries): calloc promises only
    // max_align_t, and a small table came back 16-byte aligned under the sanitizers.
    const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    void* memory = std::aligned_alloc(alignment, rounded);
    if (memory != nullptr) std::memset(memory, 0, rounded);
    return memory;
  }
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) return nullptr;
  advise_huge_pages(memory, bytes);  // before the first write, so faults come in 2 MiB pages
  return memory;
}

void release(void* memory, std::size_t bytes, bool mapped) {
  if (mapped) {
    ::munmap(memory, bytes);
  } else {
    std::free(memory);
  }
}

}  // namespace sipmon::zeroed_memory
