#include "analysis/zeroed_array.h"

#include <sys/mman.h>

#include <cstdlib>

#include "analysis/huge_pages.h"

namespace sipmon::zeroed_memory {

void* allocate(std::size_t bytes, bool& mapped) {
  mapped = bytes >= kMapThreshold;
  if (!mapped) return std::calloc(1, bytes);
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
