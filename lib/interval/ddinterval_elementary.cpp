// Validated asin / acos on ddinterval in double-word interval arithmetic; no libm function enters a
// bound. docs/numerics.md, "Double-double intervals" has the proofs; summary:
//
// asin and acos are monotone, so each endpoint of the result is taken from a thin enclosure of the
// function at the corresponding endpoint of the (clipped) argument, an exact double-word.
// Every step below is ddinterval arithmetic (each operation contains its exact result), so the only
// mathematical facts used are identities and one series remainder:
//   (A) for 0 <= z <= 1/2 and a table point a = i/64 (i = round(64 z)):
//         asin z = asin a + asin r,   r = z sqrt(1 - a^2) - a sqrt(1 - z^2)
//       (sin(asin z - asin a) expanded; |asin z - asin a| < pi/2, so asin of it is the identity);
//       |r| <= |asin z - asin a| <= (1/128) / sqrt(1 - 0.51^2) < 0.0092, so r^2 < 2^-13.5;
//   (B) asin r = r + r s P(s), s = r^2, P(s) = sum_{k>=1} c_k s^(k-1),
//       c_k = (2k)! / (4^k (k!)^2 (2k+1)) decreasing in k, so for 0 <= s < 1 the tail
//       sum_{k>=K} c_k s^(k-K) lies in [c_K, c_K / (1 - s)]: Horner's scheme started from that
//       interval encloses P(s) exactly;
//   (C) for 1/2 < t <= 1: asin t = pi/2 - 2 asin w, acos t = 2 asin w, w = sqrt((1 - t)/2) <= 1/2;
//       for -1 <= t < -1/2: acos t = pi - 2 asin sqrt((1 + t)/2); for |t| <= 1/2:
//       acos t = pi/2 - asin t; asin(-t) = -asin t.
// Constants (asin(i/64), sqrt(1 - (i/64)^2), c_k) are enclosed once at start-up by MPFR with directed
// rounding (dw_from_mpfr); pi from ddinterval_pi.
// Accuracy: for an exact argument the result's relative width is below 2^-100 or so in the safe
// range (tests/interval asserts <= 2^-98); near t = 1 the reduction (C) keeps it relative to the
// small result (1 - t is exact in double-word arithmetic).
#include "interval/ddinterval_elementary.hpp"

#include <cfloat>
#include <cmath>

#include <gmp.h>

namespace ntk {
namespace {

constexpr int kTable = 64;  // table points i / 64, i = 0 .. 33
constexpr int kCoef = 40;   // c_1 .. c_40

struct constants {
  ddinterval asin_a[kTable / 2 + 2], cos_a[kTable / 2 + 2];  // asin(i/64), sqrt(1 - (i/64)^2)
  ddinterval c[kCoef + 1];                                    // c[k] contains c_k
  dinterval cd[kCoef + 1];                                    // the same, binary64 endpoints
  ddinterval half_pi, pi;

  constants() {
    mpfr_t m, a;
    mpfr_inits2(256, m, a, nullptr);
    auto enclose = [&](auto&& f) {  // f(m, rnd) sets m to a value rounded in direction rnd
      f(m, MPFR_RNDD);
      const dw lo = dw_from_mpfr(m, false);
      f(m, MPFR_RNDU);
      return ddinterval(lo, dw_from_mpfr(m, true));
    };
    for (int i = 0; i < kTable / 2 + 2; ++i) {
      mpfr_set_si(a, i, MPFR_RNDN);
      mpfr_div_si(a, a, kTable, MPFR_RNDN);  // exact
      asin_a[i] = enclose([&](mpfr_ptr r, mpfr_rnd_t d) { mpfr_asin(r, a, d); });
      cos_a[i] = enclose([&](mpfr_ptr r, mpfr_rnd_t d) {
        mpfr_sqr(r, a, MPFR_RNDN);  // exact at 256 bits
        mpfr_ui_sub(r, 1, r, MPFR_RNDN);  // exact
        mpfr_sqrt(r, r, d);
      });
    }
    mpq_t q;
    mpz_t num, den, f;
    mpq_init(q);
    mpz_inits(num, den, f, nullptr);
    c[0] = ddinterval(0.0);
    for (int k = 1; k <= kCoef; ++k) {
      mpz_fac_ui(num, 2 * k);
      mpz_fac_ui(f, k);
      mpz_mul(den, f, f);
      mpz_mul_2exp(den, den, 2 * k);
      mpz_mul_ui(den, den, 2 * k + 1);
      mpq_set_num(q, num);
      mpq_set_den(q, den);
      mpq_canonicalize(q);
      c[k] = enclose([&](mpfr_ptr r, mpfr_rnd_t d) { mpfr_set_q(r, q, d); });
      cd[k] = dinterval(lower_d(c[k]), upper_d(c[k]));
    }
    mpq_clear(q);
    mpz_clears(num, den, f, nullptr);
    mpfr_clears(m, a, nullptr);
    pi = ddinterval_pi;
    half_pi = ddi_ldexp(ddinterval_pi, -1);  // exact (normal parts)
  }
};

const constants& K() {
  static const constants k;
  return k;
}

// Contains asin r for every r in R with r^2 < 1/2 (series (B)).
ddinterval asin_series(const ddinterval& R, const constants& k) {
  if (ddi_is_zero(R)) return R;
  const ddinterval s = sqr(R);
  const double s_hi = upper_d(s);
  if (!(s_hi < 0.5)) return ddinterval(-2.0, 2.0);  // not reached by callers: |asin r| <= pi/2
  if (s_hi <= 0x1p-13) {
    // P = c_1 + s (c_2 + s (c_3 + s Q)), Q = sum_{k>=4} c_k s^(k-4) in binary64 interval arithmetic:
    // Q enters asin r with the weight s^4 c_4 / 1 < 2^-56, so its ~2^-52 relative width adds
    // < 2^-108 relative. Q = c_4 + ... + c_8 s^4 + s^5 [c_9, c_9 / (1 - s)]: c_9 s^5 < 2^-70.
    const dinterval sd{lower_d(s), s_hi};
    dinterval q = hull(k.cd[9], k.cd[9] / (1.0 - dinterval(s_hi)));
    for (int j = 8; j >= 4; --j) q = k.cd[j] + sd * q;
    ddinterval b = k.c[3] + s * ddinterval(q.lo, q.hi);
    b = k.c[2] + s * b;
    b = k.c[1] + s * b;
    return R + R * s * b;
  }
  // General s: all in double-word, n terms with c_n s^(n+1) < 2^-112 (only the width depends on n).
  int n = kCoef;
  double p = s_hi;
  for (int j = 1; j < kCoef; ++j, p *= s_hi)
    if (p < 0x1p-112) {
      n = j + 1;
      break;
    }
  // Tail: sum_{k>=n} c_k s^(k-n) in [c_n, c_n / (1 - s)].
  ddinterval b = hull(k.c[n], k.c[n] / (1.0 - ddinterval(s.hi, s.hi)));
  for (int j = n - 1; j >= 1; --j) b = k.c[j] + s * b;
  return R + R * s * b;
}

// Contains asin z for every z in Z, Z a thin interval within [0, 1/2 + 2^-40] (reduction (A)).
ddinterval asin_small(const ddinterval& Z, const constants& k) {
  const int i = static_cast<int>(Z.lo.hi * kTable + 0.5);  // any i is valid; this one makes r small
  if (i <= 0) return asin_series(Z, k);
  const double a = static_cast<double>(i) / kTable;  // exact
  const ddinterval r = Z * k.cos_a[i] - a * sqrt_nonneg(1.0 - sqr(Z));  // z^2 <= 1/4: no cancellation
  return k.asin_a[i] + asin_series(r, k);
}

// x 2^e for e = +-1: exact part by part when every nonzero part stays normal (always in the safe
// range), otherwise through ddi_ldexp (outward).
inline ddinterval times_pow2(const ddinterval& x, int e) {
  const double f = e > 0 ? 2.0 : 0.5;
  const ddinterval r{dw{x.lo.hi * f, x.lo.lo * f}, dw{x.hi.hi * f, x.hi.lo * f}};
  auto ok = [](double a) { return a == 0 || std::fabs(a) >= DBL_MIN; };
  if (ok(r.lo.hi) && ok(r.lo.lo) && ok(r.hi.hi) && ok(r.hi.lo) && std::isfinite(r.hi.hi) && std::isfinite(r.lo.hi))
    return r;
  return ddi_ldexp(x, e);
}

// Contains 1 + sign t for every t in T (sign = +-1); exact for a point T with 1/2 <= sign*(-t) <= 2:
// 1 - |t_hi| is exact (Sterbenz) and TwoSum adds the low part exactly (a normalised pair).
inline ddinterval one_plus(double sign, const ddinterval& T) {
  if (ddi_is_point(T)) {
    const double h = sign * T.lo.hi;
    if (h <= -0.5 && h >= -2.0) {
      const dw e = dw_detail::two_sum(1.0 + h, sign * T.lo.lo);
      return {e, e};
    }
  }
  return sign > 0 ? 1.0 + T : 1.0 - T;
}

// Contains asin t for every t in T, where T lies in [-1, 1] and on one side of each threshold used
// below (all of T >= 0 or all < 0; all |t| <= 1/2 or all > 1/2): reductions (C). T is an exact point
// or a thin interval.
inline ddinterval asin_impl(const ddinterval& T0, const constants& k) {
  const bool neg = T0.hi.hi < 0;
  const ddinterval T = neg ? -T0 : T0;
  ddinterval r;
  if (T.hi.hi <= 0.5)
    r = asin_small(T, k);
  else
    r = k.half_pi - times_pow2(asin_small(sqrt_nonneg(times_pow2(one_plus(-1.0, T), -1)), k), 1);
  return neg ? -r : r;
}

// Contains acos t for every t in T, T in [-1, 1] within one of t > 1/2, t < -1/2, |t| <= 1/2 (and
// not straddling 0 in the last case): reductions (C).
inline ddinterval acos_impl(const ddinterval& T, const constants& k) {
  if (T.lo.hi > 0.5) return times_pow2(asin_small(sqrt_nonneg(times_pow2(one_plus(-1.0, T), -1)), k), 1);
  if (T.hi.hi < -0.5) return k.pi - times_pow2(asin_small(sqrt_nonneg(times_pow2(one_plus(1.0, T), -1)), k), 1);
  return k.half_pi - asin_impl(T, k);
}

// The same compiled with FMA instructions (TwoProd is then one instruction) where the CPU has them,
// as in lib/linalg/dw_cholesky.cpp; the arithmetic and hence the results are identical.
#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target("fma")]] ddinterval asin_fma(const ddinterval& t, const constants& k) { return asin_impl(t, k); }
[[gnu::target("fma")]] ddinterval acos_fma(const ddinterval& t, const constants& k) { return acos_impl(t, k); }
bool have_fma() {
  static const bool b = (__builtin_cpu_init(), __builtin_cpu_supports("fma"));
  return b;
}
#else
ddinterval asin_fma(const ddinterval& t, const constants& k) { return asin_impl(t, k); }
ddinterval acos_fma(const ddinterval& t, const constants& k) { return acos_impl(t, k); }
bool have_fma() { return false; }
#endif
ddinterval asin_plain(const ddinterval& t, const constants& k) { return asin_impl(t, k); }
ddinterval acos_plain(const ddinterval& t, const constants& k) { return acos_impl(t, k); }

ddinterval asin_eval(const ddinterval& t, const constants& k) { return have_fma() ? asin_fma(t, k) : asin_plain(t, k); }
ddinterval acos_eval(const ddinterval& t, const constants& k) { return have_fma() ? acos_fma(t, k) : acos_plain(t, k); }

// x clipped to [-1, 1]; false when that is empty or x has a NaN endpoint.
bool clip_unit(const ddinterval& x, ddinterval& y) {
  using namespace dd_detail;
  if (has_nan(x)) return false;
  y = ddinterval{dmax(x.lo, from_d(-1.0)), dmin(x.hi, from_d(1.0))};
  return le(y.lo, y.hi);
}

// y is thin enough to be evaluated as a whole (one evaluation instead of two; the interval
// operations keep it an enclosure, and for such widths the dependency effect is negligible):
// width <= 2^-40 relative, and no threshold of (C) or sign change inside. `cut` = 1/2.
bool thin_one_side(const ddinterval& y) {
  const double l = lower_d(y), h = upper_d(y);
  if (!(h - l <= 0x1p-40 * std::max(std::fabs(l), std::fabs(h)))) return false;
  if (!(l > 0 || h < 0)) return false;
  const double al = std::fabs(l), ah = std::fabs(h);
  return (al > 0.5) == (ah > 0.5) && (al <= 0.5) == (ah <= 0.5);
}

}  // namespace

ddinterval asin(const ddinterval& x) {
  ddinterval y;
  if (!clip_unit(x, y)) return dd_detail::nan_interval();
  const constants& k = K();
  if (ddi_is_point(y) || thin_one_side(y)) return asin_eval(y, k);
  return {asin_eval(ddi_lower_point(y), k).lo, asin_eval(ddi_upper_point(y), k).hi};
}

ddinterval acos(const ddinterval& x) {
  ddinterval y;
  if (!clip_unit(x, y)) return dd_detail::nan_interval();
  const constants& k = K();
  if (ddi_is_point(y) || thin_one_side(y)) return acos_eval(y, k);
  return {acos_eval(ddi_upper_point(y), k).lo, acos_eval(ddi_lower_point(y), k).hi};
}

}  // namespace ntk
