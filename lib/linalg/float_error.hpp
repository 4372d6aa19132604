// A-priori error constants of binary64 round-to-nearest inner products, rounded up.
//
// Model (IEEE binary64, round to nearest, gradual underflow): every operation returns
// (x op y)(1 + d) + e with |d| <= u = 2^-53, |e| <= eta/2 (e = 0 for additions), eta = 2^-1074.
// For a dot product of n terms evaluated in ANY order, with or without FMA (Jeannerod & Rump,
// "Improved error bounds for inner products in floating-point arithmetic", SIMAX 34, 2013, and the
// classical gamma_n analysis):
//     |fl(x'y) - x'y| <= gamma_n * sum_k |x_k y_k| + n * eta,    gamma_n = n u / (1 - n u).
// When every term is >= 0 this gives  x'y <= (fl(x'y) + n eta) / (1 - gamma_n).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include "interval/rounding.hpp"

namespace ntk {

inline constexpr double binary64_eta = 0x1p-1074;

// gamma_n = n u / (1 - n u) rounded up; +inf when n u >= 1/2.
inline double gamma_up(std::size_t n) {
  const double nu = static_cast<double>(n) * unit_roundoff;  // exact for n < 2^53
  if (!(nu < 0.5)) return std::numeric_limits<double>::infinity();
  return round_up(nu / (1.0 - nu));  // 1 - nu is exact: a multiple of 2^-53 in [1/2, 1]
}

// Upper bound of a sum of n nonnegative terms (products included) whose round-to-nearest evaluation
// in any order returned s: (s + n eta) / (1 - gamma_n), rounded up.
inline double nonneg_sum_upper(double s, std::size_t n) {
  const double g = gamma_up(n);
  if (!(g < 0.5)) return std::numeric_limits<double>::infinity();
  const double num = round_up(s + round_up(static_cast<double>(n) * binary64_eta));
  return round_up(num / round_down(1.0 - g));
}

// Upper bound of n * eta (the underflow term of an n-term dot product).
inline double underflow_term(std::size_t n) {
  return round_up(static_cast<double>(n) * binary64_eta);
}

}  // namespace ntk
