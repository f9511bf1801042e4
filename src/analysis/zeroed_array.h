#pragma once
// Zero-filled storage for a table sized once for the worst case (a flood, a carrier's busy hour)
// of which a typical run touches a small part.
//
// Large arrays are mapped straight from the kernel (anonymous, MAP_NORESERVE): pages stay
// unbacked until first written, so memory follows the entries used, as with glibc's calloc; they
// ask for transparent huge pages (huge_pages.h).
// The difference is under AddressSanitizer, whose allocator poisons and unpoisons the shadow of
// every heap block on allocation and on free: for the engine's few hundred MiB of reservations
// that is tens of MiB of shadow written per process, most of the run time of a short replay and
// of the sanitizer line in scripts/test.sh. Mapped arrays are not heap blocks, so the sanitizer
// leaves them alone; its red zones would guard only their ends, which the tables never reach
// (every index is masked or checked against the capacity). Small arrays (below kMapThreshold:
// the unit tests' tables) still come from calloc and keep the sanitizer's checks.
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace sipmon {

namespace zeroed_memory {
inline constexpr std::size_t kMapThreshold = std::size_t{1} << 20;
// Zeroed memory of `bytes` aligned to `alignment` (a power of two, at most a page; nullptr when it
// cannot be had); `mapped` says how to give it back.
void* allocate(std::size_t bytes, std::size_t alignment, bool& mapped);
void release(void* memory, std::size_t bytes, bool mapped);
}  // namespace zeroed_memory

template <typename T>
class ZeroedArray {
  // The elements are implicitly created by zero bytes and never destroyed.
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  static_assert(alignof(T) <= 4096, "mapped arrays are page-aligned");

 public:
  ZeroedArray() = default;
  // Throws std::bad_alloc when the memory cannot be had (count 0 gives an empty array).
  explicit ZeroedArray(std::size_t count) : bytes_(count * sizeof(T)) {
    if (count != 0 && bytes_ / count != sizeof(T)) throw std::bad_alloc();
    if (bytes_ == 0) return;
    data_ = static_cast<T*>(zeroed_memory::allocate(bytes_, alignof(T), mapped_));
    if (data_ == nullptr) throw std::bad_alloc();
  }
  ZeroedArray(ZeroedArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)), mapped_(other.mapped_) {}
  ZeroedArray& operator=(ZeroedArray&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
      mapped_ = other.mapped_;
    }
    return *this;
  }
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;
  ~ZeroedArray() { reset(); }

  T* get() const { return data_; }
  T& operator[](std::size_t i) const { return data_[i]; }
  explicit operator bool() const { return data_ != nullptr; }
  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return bytes_ / sizeof(T); }
  T* begin() const { return data_; }
  T* end() const { return data_ + size(); }

 private:
  void reset() {
    if (data_ != nullptr) zeroed_memory::release(data_, bytes_, mapped_);
    data_ = nullptr;
    bytes_ = 0;
  }

  T* data_ = nullptr;
  std::size_t bytes_ = 0;
  bool mapped_ = false;
};

}  // namespace sipmon
