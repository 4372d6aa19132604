// SHA-256 through Nettle (a maintained implementation, with SHA-NI/ARMv8 code paths where the CPU
// has them); this file only adapts it to the streaming interface of sha256.hpp.
#include "data/sha256.hpp"

#include <nettle/sha2.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include "data/errors.hpp"

namespace ntk {

namespace {

static_assert(sizeof(sha256_ctx) <= 128, "ntk::sha256::ctx_ is too small for nettle's sha256_ctx");
static_assert(alignof(sha256_ctx) <= 8, "ntk::sha256::ctx_ is not aligned enough for nettle's sha256_ctx");

sha256_ctx* ctx_of(unsigned char* storage) { return std::launder(reinterpret_cast<sha256_ctx*>(storage)); }

}  // namespace

sha256::sha256() {
  ::new (static_cast<void*>(ctx_)) sha256_ctx;
  sha256_init(ctx_of(ctx_));
}

void sha256::update(const void* data, std::size_t len) {
  if (done_) throw std::logic_error("sha256::update after digest");
  sha256_update(ctx_of(ctx_), len, static_cast<const std::uint8_t*>(data));
}

std::array<std::uint8_t, 32> sha256::digest() {
  if (done_) throw std::logic_error("sha256::digest called twice");
  std::array<std::uint8_t, 32> out;
  static_assert(SHA256_DIGEST_SIZE == 32);
  sha256_digest(ctx_of(ctx_), out.size(), out.data());
  done_ = true;
  return out;
}

std::string sha256::hex_digest() {
  static const char hex[] = "0123456789abcdef";
  auto dg = digest();
  std::string s(64, '0');
  for (int i = 0; i < 32; ++i) {
    s[2 * i] = hex[dg[i] >> 4];
    s[2 * i + 1] = hex[dg[i] & 15];
  }
  return s;
}

std::string sha256_hex(std::string_view s) {
  sha256 h;
  h.update(s);
  return h.hex_digest();
}

std::string sha256_file_hex(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw data_error(path + ": cannot open: " + std::strerror(errno));
  sha256 h;
  std::vector<unsigned char> buf(std::size_t(1) << 20);
  for (;;) {
    std::size_t got = std::fread(buf.data(), 1, buf.size(), f.get());
    if (got > 0) h.update(buf.data(), got);
    if (got < buf.size()) {
      if (std::ferror(f.get())) throw data_error(path + ": read error: " + std::strerror(errno));
      break;
    }
  }
  return h.hex_digest();
}

}  // namespace ntk
