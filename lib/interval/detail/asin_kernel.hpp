// The kernel of the validated asin/acos (dinterval_elementary.cpp, where the error analysis is
// written out), exposed so that tests/interval can check each piece against MPFR: the hard-coded
// constants, the enclosure of asin(w) - w on [0, 1/2], and the bracket of a square root.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#include "interval/rounding.hpp"

namespace ntk::detail {

// kAsinCoef[j] = RN(c_{j+1}), the binary64 value nearest to c_k = (2k)!/(4^k (k!)^2 (2k+1)), the
// Taylor coefficients asin(t) = t + sum_{k>=1} c_k t^(2k+1); so |kAsinCoef[j] - c_{j+1}| <= 2^-53 c_{j+1}.
inline constexpr double kAsinCoef[24] = {
    0x1.5555555555555p-3, 0x1.3333333333333p-4, 0x1.6db6db6db6db7p-5, 0x1.f1c71c71c71c7p-6,
    0x1.6e8ba2e8ba2e9p-6, 0x1.1c4ec4ec4ec4fp-6, 0x1.c99999999999ap-7, 0x1.7a87878787878p-7,
    0x1.3fde50d79435ep-7, 0x1.12ef3cf3cf3cfp-7, 0x1.df3bd37a6f4dfp-8, 0x1.a6863d70a3d71p-8,
    0x1.782dda12f684cp-8, 0x1.51ba308d3dcb1p-8, 0x1.31683bdef7bdfp-8, 0x1.15ee9d45d1746p-8,
    0x1.fcaf8fb6db6dbp-9, 0x1.d3d2a8e0dd67dp-9, 0x1.b026f57b13b14p-9, 0x1.90cb77f60c7cep-9,
    0x1.750de64d7d05fp-9, 0x1.5c5f56efaaaabp-9, 0x1.464c0950f7d47p-9, 0x1.3275586c5f2fp-9};

// pi/2 = kHalfPiHi + l with kHalfPiLoDown <= l <= kHalfPiLoUp (kHalfPiHi = dinterval_pi.lo / 2).
inline constexpr double kHalfPiHi = 0x1.921fb54442d18p+0;
inline constexpr double kHalfPiLoDown = 0x1.1a62633145c06p-54;
inline constexpr double kHalfPiLoUp = 0x1.1a62633145c07p-54;

// P_24(s) for 2^-16 <= s <= 1/4 by Estrin's scheme (short dependency chains).
inline double poly_estrin(double s) {
  const double* a = kAsinCoef;
  const double s2 = s * s, s4 = s2 * s2, s8 = s4 * s4, s16 = s8 * s8;
  double q[12];
  for (int i = 0; i < 12; ++i) q[i] = a[2 * i] + a[2 * i + 1] * s;
  double r[6];
  for (int i = 0; i < 6; ++i) r[i] = q[2 * i] + q[2 * i + 1] * s2;
  const double u0 = r[0] + r[1] * s4, u1 = r[2] + r[3] * s4, u2 = r[4] + r[5] * s4;
  return (u0 + u1 * s8) + u2 * s16;
}

// P_4(s) for 2^-52 <= s < 2^-16 by Horner's scheme.
inline double poly_short(double s) {
  const double* a = kAsinCoef;
  return a[0] + s * (a[1] + s * (a[2] + s * a[3]));
}

// The double k steps (k in {-1, 0, 1}) from a finite x > 0, or x itself for k = 0; branch-free
// (the direction of a rounding error is data-dependent and unpredictable).
inline double step_positive(double x, int k) {
  return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) + static_cast<std::uint64_t>(k));
}

// asin(w) lies in [w + r_lo, w + r_hi]; 0 <= r_lo <= r_hi <= w / 20.
struct asin_split {
  double w, r_lo, r_hi;
};

// For a double 0 <= w <= 1/2 (a negative zero is allowed): asin(w) - w lies in [r_lo, r_hi], with
// r_hi - r_lo <= 2^-47 r_hi for w >= 2^-26 (the proof is in dinterval_elementary.cpp).
inline asin_split asin_kernel(double w) {
  if (w < 0x1p-26) {
    if (w == 0) return {w, 0.0, 0.0};
    return {w, 0.0, w * 0x1p-54 + 0x1p-1074};
  }
  const double s = w * w;
  const double p = s < 0x1p-16 ? poly_short(s) : poly_estrin(s);
  const double r = (w * s) * p;
  const double margin = r * 0x1p-49;  // exact scaling: r >= 2^-82
  return {w, r - margin, r + margin};
}

// [lo, hi] contains sqrt(x) for a double 0 <= x <= 1/4 that is 0 or >= 2^-54; hi <= succ(lo).
inline void sqrt_bracket(double x, double& lo, double& hi) {
  const double w = std::sqrt(x);  // correctly rounded (IEEE 754)
  // Dekker: w*w = p + e exactly (w is 0 or >= 2^-27: no underflow).
  const double p = w * w;
  const double split = 134217729.0 * w;  // 2^27 + 1
  const double wh = split - (split - w), wl = w - wh;
  const double e = (((wh * wh - p) + wh * wl) + wl * wh) + wl * wl;
  const double d = (x - p) - e;  // x - p is exact (Sterbenz), so d has the sign of x - w*w
  lo = step_positive(w, d < 0 ? -1 : 0);  // d != 0 implies w > 0
  hi = step_positive(w, d > 0 ? 1 : 0);
}

}  // namespace ntk::detail
