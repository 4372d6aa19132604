// SHA-256 (FIPS 180-4), streaming, for naming the exact bytes a result was computed from.
// The compression function is Nettle's (libnettle, pkg-config `nettle`).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ntk {

// Incremental SHA-256. update() any number of times, then hex_digest() once; after hex_digest()
// the object is spent (further use throws std::logic_error). Messages up to 2^61 - 1 bytes.
class sha256 {
 public:
  sha256();
  void update(const void* data, std::size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // The 32-byte digest of everything passed to update().
  std::array<std::uint8_t, 32> digest();
  // The digest as 64 lowercase hexadecimal characters.
  std::string hex_digest();

 private:
  // Nettle's struct sha256_ctx, kept opaque so that users of this header need no nettle headers
  // (sha256.cpp checks that it fits).
  alignas(8) unsigned char ctx_[128];
  bool done_ = false;
};

// Lowercase hex SHA-256 of the bytes of s.
std::string sha256_hex(std::string_view s);

// Lowercase hex SHA-256 of the bytes of the file at path, read in large chunks. Throws
// ntk::data_error naming the file if it cannot be opened or read.
std::string sha256_file_hex(const std::string& path);

}  // namespace ntk
