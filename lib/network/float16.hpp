// Exact widening of IEEE 754 binary16 (F16) and bfloat16 (BF16) bit patterns to binary64.
// Every binary16 and bfloat16 value, subnormals included, is a binary64 value, so the results are
// exact; infinities and NaNs are passed through (the callers reject them).
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace ntk::detail {

// binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits.
inline double half_to_double(std::uint16_t h) {
  const bool neg = (h & 0x8000u) != 0;
  const unsigned e = (h >> 10) & 0x1Fu;
  const unsigned f = h & 0x3FFu;
  double v;
  if (e == 0x1F) {
    v = f == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else if (e == 0) {
    v = double(f) * 0x1p-24;  // subnormal (or zero): f * 2^-24, exact
  } else {
    // (1024 + f) * 2^(e - 25): an 11-bit integer times a power of two, exact.
    const std::uint64_t bits = std::uint64_t(e - 15 + 1023) << 52 | std::uint64_t(f) << 42;
    v = std::bit_cast<double>(bits);
  }
  return neg ? -v : v;
}

// bfloat16: the upper 16 bits of a binary32.
inline double bfloat16_to_double(std::uint16_t h) {
  return static_cast<double>(std::bit_cast<float>(std::uint32_t(h) << 16));
}

}  // namespace ntk::detail
