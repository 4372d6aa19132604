// The per-pair formulas of the geometry (geometry.hpp): a correlation ρ, 1 - ρ, 1 + ρ of two rows
// from their Gram entries, over either tier. Shared by the dense geometry (geometry.cpp) and the
// tile-by-tile double tier (row_geometry.hpp, ntk_tiles.hpp), so that both enclose every entry by
// the same arithmetic.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"
#include "interval/interval.hpp"
#include "kernel/correlation.hpp"
#include "kernel/detail/interval_ops.hpp"

namespace ntk::kernel_detail {

// Pairs whose Gram-based δ (ε) has an upper bound below this are recomputed (refine_pair).
inline constexpr double refine_below = 0x1p-6;

// Correlations from exact integers a = ‖y_i‖², b = ‖y_j‖², c = <y_i, y_j> (common units):
// ρ = c/√(ab); for c > 0, δ = (ab - c²)/(√(ab)(√(ab) + c)); for c < 0, ε = (ab - c²)/(√(ab)(√(ab) - c)).
// Inputs as enclosures: ab ∋ a·b, cc ∋ c, det ∋ ab - c², plus the exact sign of c and whether
// ab - c² is exactly zero. The result contains ρ, 1 - ρ, 1 + ρ of the two rows.
template <class I>
correlation<I> correlation_from_exact(const I& ab, const I& cc, const I& det, int sign_c, bool det_zero) {
  using tr = interval_traits<I>;
  if (sign_c == 0) return {tr::point(0.0), tr::point(1.0), tr::point(1.0)};
  if (det_zero)
    return sign_c > 0 ? correlation<I>{tr::point(1.0), tr::point(0.0), tr::point(2.0)}
                      : correlation<I>{tr::point(-1.0), tr::point(2.0), tr::point(0.0)};
  const I sab = sqrt_nonneg(ab);
  const I det_nn = intersect(det, 0.0, HUGE_VAL);
  correlation<I> r;
  r.rho = cc / sab;
  if (sign_c > 0) {
    r.delta = det_nn / (sab * (sab + cc));
    r.eps = 1.0 + r.rho;
  } else {
    r.eps = det_nn / (sab * (sab - cc));
    r.delta = 1.0 - r.rho;
  }
  make_consistent(r);
  return r;
}

// [l, h] ∋ v for an integer 0 <= v < 2^127: exact below 2^53, else the neighbours of RN(v).
inline void nonneg_i128_bounds(unsigned __int128 v, double& l, double& h) {
  if (v <= (std::uint64_t(1) << 53)) {
    l = h = static_cast<double>(static_cast<std::uint64_t>(v));  // exact
    return;
  }
  const double t = v >> 64 ? static_cast<double>(v) : static_cast<double>(static_cast<std::uint64_t>(v));
  l = down_nonneg(t);
  h = up_nonneg(t);
}

// The correlation of two rows with exact integer Gram entries a = ‖y_i‖², b = ‖y_j‖² (0 < a, b
// <= 2^62) and c = <y_i, y_j> (|c| <= √(ab)): the result contains ρ, 1 - ρ, 1 + ρ.
// With m = |c|: p = m/√(ab) and q = (ab - c²)/(√(ab)(√(ab) + m)) are formed with every quantity
// nonnegative (so each bound is one step of the bit pattern, up_nonneg/down_nonneg); then
// c > 0: ρ = p, 1 - ρ = q, 1 + ρ = 1 + p;  c < 0: ρ = -p, 1 + ρ = q, 1 - ρ = 1 + p.
// ab and ab - c² are exact 128-bit integers (no cancellation), so q keeps full relative accuracy.
inline correlation<dinterval> correlation_exact_i64(std::int64_t a, std::int64_t b, std::int64_t c) {
  if (c == 0) return {dinterval(0.0), dinterval(1.0), dinterval(1.0)};
  const unsigned __int128 ab = static_cast<unsigned __int128>(a) * static_cast<std::uint64_t>(b);
  const std::uint64_t m = c > 0 ? static_cast<std::uint64_t>(c) : -static_cast<std::uint64_t>(c);
  const unsigned __int128 mm = static_cast<unsigned __int128>(m) * m;
  if (mm >= ab)  // |c| = √(ab) (|c| > √(ab) cannot happen): parallel or antiparallel rows, exactly
    return c > 0 ? correlation<dinterval>{dinterval(1.0), dinterval(0.0), dinterval(2.0)}
                 : correlation<dinterval>{dinterval(-1.0), dinterval(2.0), dinterval(0.0)};
  double abl, abh, detl, deth, ml, mh;
  nonneg_i128_bounds(ab, abl, abh);
  nonneg_i128_bounds(ab - mm, detl, deth);
  nonneg_i128_bounds(m, ml, mh);
  const double sl = down_nonneg(std::sqrt(abl)), sh = up_nonneg(std::sqrt(abh));  // ∋ √(ab)
  const double pl = down_nonneg(ml / sh), ph = up_nonneg(mh / sl);
  const double dl = down_nonneg(sl * down_nonneg(sl + ml)), dh = up_nonneg(sh * up_nonneg(sh + mh));
  const dinterval p{pl, ph};
  const dinterval q{down_nonneg(detl / dh), up_nonneg(deth / dl)};
  const dinterval w{down_nonneg(1.0 + pl), up_nonneg(1.0 + ph)};
  correlation<dinterval> r = c > 0 ? correlation<dinterval>{p, q, w} : correlation<dinterval>{-p, w, q};
  make_consistent(r);
  return r;
}

// Enclosures of the centred rows (unscaled): y_ik ∋ x_ik - mean_k (x_ik itself without centring).
template <class I>
std::vector<I> centred_rows(const dataset& ds, const preprocessing& pre) {
  const std::size_t n = ds.n, d = ds.d;
  std::vector<I> y(n * d);
  using tr = interval_traits<I>;
  if (!pre.center) {
    for (std::size_t t = 0; t < n * d; ++t) y[t] = tr::point(ds.x[t]);
    return y;
  }
  std::vector<I> mean(d, tr::point(0.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) mean[k] = mean[k] + tr::point(ds.x[i * d + k]);
  for (std::size_t k = 0; k < d; ++k) mean[k] = mean[k] / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) y[i * d + k] = tr::point(ds.x[i * d + k]) - mean[k];
  return y;
}

// Contains s² · 2^two_e · a / (over_n2 ? N² : 1) for every a in a_units (s = scale_num/scale_den).
template <class I>
I scaled_square(const I& a_units, long two_e, bool over_n2, const dataset& ds) {
  I r = times_pow2(a_units, two_e);
  if (over_n2) {
    const double nn = static_cast<double>(ds.n);
    r = r / nn / nn;
  }
  const I s = interval_traits<I>::point(ds.scale_num) / interval_traits<I>::point(ds.scale_den);
  return r * sqr(s);
}

// Norms from enclosures sq[i] ∋ ‖y_i‖² (scaled): none: sqnorm ∋ ‖y_i‖², norm ∋ ‖y_i‖; sphere: [d, d]
// and √d; unit: [1, 1] both. Returns whether every row has the same, exactly known norm.
template <class I>
bool norms_from_squares(const std::vector<I>& sq, const preprocessing& pre, std::size_t d, std::vector<I>& norm,
                        std::vector<I>& sqnorm) {
  using tr = interval_traits<I>;
  const std::size_t n = sq.size();
  norm.assign(n, tr::point(0.0));
  sqnorm.assign(n, tr::point(0.0));
  if (pre.normalize == normalization::none) {
    for (std::size_t i = 0; i < n; ++i) {
      sqnorm[i] = intersect(sq[i], 0.0, HUGE_VAL);
      norm[i] = sqrt_nonneg(sqnorm[i]);
    }
    return false;
  }
  const double target = pre.normalize == normalization::sphere ? static_cast<double>(d) : 1.0;
  for (std::size_t i = 0; i < n; ++i) {
    sqnorm[i] = tr::point(target);
    norm[i] = sqrt_nonneg(tr::point(target));
  }
  return true;
}

// Refines δ (nearly parallel, c > 0) or ε (nearly antiparallel, c < 0) of the pair through
//   ab - c² = a‖r‖² - <r, y_i>²,   r = y_j - t y_i,   for any real t,
// with t ≈ c/a, so that r is the part of y_j orthogonal to y_i and <r, y_i> ≈ 0: no cancellation
// in the difference. r is formed without the mean where possible: for t > 0,
// r = (x_j - x_i) + (1 - t) y_i (the mean cancels exactly in x_j - x_i); for t < 0,
// r = (y_j + y_i) - (1 + t) y_i. Then δ = (ab - c²)/(√(ab)(√(ab) + c)), ε = (ab - c²)/(√(ab)(√(ab) - c)).
// The error of ab - c² is then O(u √δ ab) rather than O(u ab), so θ ≈ √(2δ) is accurate to O(u)
// whatever the lengths of the two rows. Guarantee: if r, a, b, c contain the pair's values, the
// refined r still contains them (each component is met with another enclosure of the same number).
template <class I>
void refine_pair(correlation<I>& r, const double* xi, const double* xj, const I* yi, const I* yj,
                 std::size_t d, const I& a, const I& b, const I& c) {
  using tr = interval_traits<I>;
  const double am = 0.5 * (lower_d(a) + upper_d(a)), cm = 0.5 * (lower_d(c) + upper_d(c));
  const bool parallel = lower_d(c) > 0;
  if (!parallel && !(upper_d(c) < 0)) return;
  if (!(am > 0) || !std::isfinite(cm / am)) return;
  const double t = cm / am;  // any value is valid; this one makes <r, y_i> small
  const I f = parallel ? tr::point(1.0) - tr::point(t) : tr::point(-1.0) - tr::point(t);
  I R = tr::point(0.0), P = tr::point(0.0);
  for (std::size_t k = 0; k < d; ++k) {
    const I base = parallel ? tr::point(xj[k]) - tr::point(xi[k]) : yj[k] + yi[k];
    const I rk = base + f * yi[k];
    R = R + sqr(rk);
    P = P + rk * yi[k];
  }
  const I det = intersect(a * R - sqr(P), 0.0, HUGE_VAL);
  const I sab = sqrt_nonneg(a * b);
  if (parallel)
    r.delta = meet(r.delta, det / (sab * (sab + c)));
  else
    r.eps = meet(r.eps, det / (sab * (sab - c)));
  make_consistent(r);
}

// True when every component of r is a valid interval (no NaN endpoint, lower <= upper).
template <class I>
bool correlation_valid(const correlation<I>& r) {
  return lower_d(r.rho) <= upper_d(r.rho) && lower_d(r.delta) <= upper_d(r.delta) &&
         lower_d(r.eps) <= upper_d(r.eps);
}

// The correlation of rows i, j from an enclosure c ∋ <y_i, y_j> and a ∋ ‖y_i‖², b ∋ ‖y_j‖²
// (sa, sb their square roots): ρ = c/(√a√b), then refine_pair for nearly (anti)parallel pairs;
// [-1, 1], [0, 2], [0, 2] when the enclosure left the double range. xi, xj: the stored rows;
// yi, yj: enclosures of the centred rows. The result contains ρ, 1 - ρ, 1 + ρ of the pair.
template <class I>
correlation<I> correlation_from_gram(const I& c, const I& a, const I& b, const I& sa, const I& sb,
                                     const double* xi, const double* xj, const I* yi, const I* yj,
                                     std::size_t d) {
  using tr = interval_traits<I>;
  correlation<I> r;
  r.rho = c / (sa * sb);
  r.delta = 1.0 - r.rho;
  r.eps = 1.0 + r.rho;
  make_consistent(r);
  const bool rd = upper_d(r.delta) < refine_below, re = upper_d(r.eps) < refine_below;
  if (rd || re) refine_pair(r, xi, xj, yi, yj, d, a, b, c);
  if (!correlation_valid(r)) {
    // Only when the Gram enclosure left the double range: fall back to what is always true.
    r.rho = hull(tr::point(-1.0), tr::point(1.0));
    r.delta = r.eps = hull(tr::point(0.0), tr::point(2.0));
  }
  return r;
}

}  // namespace ntk::kernel_detail
