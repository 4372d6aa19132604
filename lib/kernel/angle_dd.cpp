// The angle functions of the double-double tier (kernel/detail/dd_ops.hpp): 2 asin √(t/2) and
// acos r on ddinterval, by one Taylor series for sin and a mean-value correction, in ddinterval
// arithmetic throughout (docs/numerics.md, "The double-double tier").
//
//   a0 = asin(mid s) from libm (any double: it is only the expansion point, never trusted);
//   S  ∋ sin a0 by its alternating Taylor series (Horner form with the tail enclosed, below);
//   asin s = a0 + (s - sin a0) / √(1 - ξ²) for some ξ between s and sin a0 (mean value theorem,
//   asin(sin a0) = a0 because |a0| <= π/2), so asin s ∈ a0 + (s - S) · 1/√(1 - H²), H = hull(s, S).
// (s - S) is of the order of libm's error (2^-52 |s|), so the width of 1/√(1 - H²) enters the result
// only at 2^-104 |s| and the result is as accurate as S: a few units of 2^-104 relative.
#include <algorithm>
#include <cmath>

#include "kernel/detail/dd_ops.hpp"
#include "kernel/relu_maps.hpp"

namespace ntk::kernel_detail {
namespace {

// Enclosures of 1/(2k(2k+1)), k = 1..63.
struct sin_reciprocals {
  ddinterval inv[64];
  sin_reciprocals() {
    inv[0] = ddinterval(0.0);
    for (int k = 1; k < 64; ++k) inv[k] = ddinterval(1.0) / ddinterval(2.0 * k * (2.0 * k + 1.0));
  }
};

// Contains sin a for the double a with |a| <= 1. Horner form of the Taylor series:
//   sin a = a B_1,   B_k = 1 - a²/(2k(2k+1)) B_{k+1},
// where x_k = a²/(2k(2k+1)) <= 1/6: the tail B_K = 1 - x_K + x_K x_{K+1} - ... is alternating with
// nonincreasing terms, so B_K ∈ [1 - x_K, 1]. K is the first index with x_1 ⋯ x_K < 2^-112, which
// only decides the width, never the validity.
ddinterval sin_small(double a) {
  static const sin_reciprocals r;
  if (a == 0) return ddinterval(0.0);
  const dw a2w = dw_detail::two_prod(a, a);  // exact
  const ddinterval a2{a2w, a2w};
  const double q = a * a;
  int K = 1;
  for (double rel = q / 6.0; rel >= 0x1p-112 && K < 63; rel *= q / ((2.0 * K) * (2.0 * K + 1.0))) ++K;
  ddinterval B = hull(1.0 - a2 * r.inv[K], ddinterval(1.0));
  for (int k = K - 1; k >= 1; --k) B = 1.0 - (a2 * r.inv[k]) * B;
  return a * B;
}

// Contains asin s for every s in x, when x ⊂ [-3/4, 3/4]; otherwise the generic asin.
ddinterval asin_thin(const ddinterval& x) {
  const double lo = lower_d(x), hi = upper_d(x);
  if (!(lo >= -0.75 && hi <= 0.75)) return asin(x);
  const double a0 = std::asin(0.5 * lo + 0.5 * hi);  // |a0| <= asin(3/4) < 1
  const ddinterval S = intersect(sin_small(a0), -1.0, 1.0);
  const ddinterval H = hull(x, S);
  const ddinterval one_minus = 1.0 - sqr(H);
  if (!(lower_d(one_minus) > 0)) return asin(x);
  const ddinterval D = 1.0 / sqrt_nonneg(one_minus);
  return ddinterval(a0) + (x - S) * D;
}

// Enclosures of 1/(2k(2k+3)), k = 1..127 (the g series of kernel/detail/g_series.hpp).
struct g_reciprocals {
  ddinterval inv[128];
  g_reciprocals() {
    inv[0] = ddinterval(0.0);
    for (int k = 1; k < 128; ++k) inv[k] = ddinterval(1.0) / ddinterval(2.0 * k * (2.0 * k + 3.0));
  }
};

}  // namespace

// The nested form of g_series.hpp: g = (t³/3) B_1, B_k = 1 - t²/(2k(2k+3)) B_{k+1},
// B_N ∈ [1 - t²/(2N(2N+3)), 1] (the tail is alternating with decreasing terms for t <= 3), with N
// the first index whose term estimate falls below 2^-112 relative.
ddinterval g_sin_minus_t_cos(const ddinterval& theta) {
  static const g_reciprocals r;
  if (upper_d(theta) > 3.0) return ddinterval(0.0, 4.0);
  const ddinterval th = intersect(theta, 0.0, 3.0);
  if (ddi_is_zero(th)) return ddinterval(0.0);
  const ddinterval t2 = sqr(th);
  const double t2_hi = upper_d(t2);
  int N = 1;
  for (double rel = 1.0; N < 127; ++N) {
    rel *= t2_hi / (2.0 * N * (2.0 * N + 3.0));  // estimate of a_{N+1} / a_1
    if (!(rel >= 0x1p-112)) break;
  }
  ddinterval B = hull(1.0 - t2 * r.inv[N], ddinterval(1.0));
  for (int k = N - 1; k >= 1; --k) B = 1.0 - (t2 * r.inv[k]) * B;
  return intersect(th * t2 / 3.0 * B, 0.0, 4.0);
}

ddinterval two_asin_sqrt_half(const ddinterval& x) {
  // √(t/2) <= 1/2 for t <= 1/2; the generic route beyond (asin_thin falls back by itself).
  if (ddi_is_zero(x)) return ddinterval(0.0);
  const ddinterval s = sqrt_nonneg(x * 0.5);
  return 2.0 * intersect(asin_thin(s), 0.0, 1.5707963267948968);
}

ddinterval acos_of(const ddinterval& x) {
  // acos r = π/2 - asin r.
  const ddinterval half_pi = interval_traits<ddinterval>::pi() * 0.5;
  return intersect(half_pi - asin_thin(x), 0.0, 3.1415926535897936);
}

}  // namespace ntk::kernel_detail

namespace ntk {
namespace {

// relu_map_thin (relu_maps.hpp) compiled here with everything inlined.
relu_image<ddinterval> relu_map_plain(const correlation<ddinterval>& x, const relu_constants<ddinterval>& c) {
  return relu_map_thin<ddinterval>(x, c);
}

#if defined(__x86_64__)
// The same code with FMA instructions for the TwoProducts of the double-word arithmetic (else
// __builtin_fma is a library call) and every helper inlined; used only when the CPU has FMA.
[[gnu::target("fma"), gnu::flatten]] relu_image<ddinterval> relu_map_fma(const correlation<ddinterval>& x,
                                                                       const relu_constants<ddinterval>& c) {
  return relu_map_plain(x, c);
}
bool have_fma() { return __builtin_cpu_supports("fma"); }
#else
relu_image<ddinterval> relu_map_fma(const correlation<ddinterval>& x, const relu_constants<ddinterval>& c) {
  return relu_map_plain(x, c);
}
bool have_fma() { return false; }
#endif

}  // namespace

relu_image<ddinterval> relu_map(const correlation<ddinterval>& x, const relu_constants<ddinterval>& c) {
  static const bool fma = have_fma();
  return fma ? relu_map_fma(x, c) : relu_map_plain(x, c);
}

}  // namespace ntk
