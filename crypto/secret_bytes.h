// SecretBytes: key material in locked, guarded memory.
//
// Backed by sodium_malloc: the pages are mlock()ed (best effort: when the
// RLIMIT_MEMLOCK budget is exhausted libsodium still returns memory, only not
// locked), surrounded by guard pages, and zeroed with sodium_memzero when
// released. Every allocation costs several pages of the lock budget, so keep
// related keys together in one SecretBytes (see KeyRing users in vault/)
// rather than one object per 32-byte key.
//
// Move-only; there is no implicit copy, no operator<<, and equality is
// constant-time. Raw access is spelled `data()`/`span()` so that uses are easy
// to find with grep. Not thread-safe for concurrent mutation; concurrent reads
// are fine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace custody::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // Allocates `size` zeroed bytes. Aborts on allocation failure (as
  // std::bad_alloc would): secret memory is never silently unlocked garbage.
  explicit SecretBytes(size_t size);
  // Copies `bytes` into fresh secret memory. The caller remains responsible
  // for wiping its own copy.
  static SecretBytes CopyOf(std::span<const uint8_t> bytes);
  // Fills with random bytes.
  static SecretBytes Random(size_t size);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  std::span<uint8_t> span() { return {data_, size_}; }
  std::span<const uint8_t> span() const { return {data_, size_}; }
  // A view of [offset, offset+len). REQUIRES: offset + len <= size().
  std::span<const uint8_t> slice(size_t offset, size_t len) const;

  // Constant-time comparison; sizes are not secret.
  bool Equals(const SecretBytes& other) const;

 private:
  void Release();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Zeroes memory in a way the compiler cannot elide.
void Wipe(void* data, size_t size);

}  // namespace custody::crypto
