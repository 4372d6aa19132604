// Internal to lib/driver (not installed): the state of the lower-bound chain of ntk_chain
// (chain.hpp) across precision attempts, and the enclosure helpers it is computed with. chain.cpp
// plans and escalates; chain_attempt.cpp runs one attempt in a tier.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "driver/chain.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "interval/interval.hpp"
#include "kernel/convention.hpp"
#include "linalg/lambda_min.hpp"

namespace ntk::chain_detail {

inline constexpr double inf = std::numeric_limits<double>::infinity();

// ---- enclosures as two MPFR endpoints, independent of the tier that produced them ----------------

inline void set_exact(mreal& dst, mpfr_srcptr src) {
  mpfr_set_prec(dst.backend().data(), mpfr_get_prec(src));
  mpfr_set(dst.backend().data(), src, MPFR_RNDN);  // exact: same precision
}

inline mreal exact_d(double x) {
  mreal r;
  mpfr_set_prec(r.backend().data(), 53);
  mpfr_set_d(r.backend().data(), x, MPFR_RNDN);  // exact
  return r;
}

// The value lies in [lo, hi]; (-inf, +inf) when nothing is known.
struct bounds {
  mreal lo = exact_d(-inf), hi = exact_d(inf);
};

inline bounds exact_zero() {
  bounds b;
  b.lo = exact_d(0.0);
  b.hi = exact_d(0.0);
  return b;
}

// best := best ∩ b (both contain the same number). An empty intersection can only come from a defect
// upstream; the hull is kept then, which contains the value if either did.
inline void tighten(bounds& best, const bounds& b) {
  const bool lo_better = mpfr_cmp(b.lo.backend().data(), best.lo.backend().data()) > 0;
  const bool hi_better = mpfr_cmp(b.hi.backend().data(), best.hi.backend().data()) < 0;
  mpfr_srcptr new_lo = lo_better ? b.lo.backend().data() : best.lo.backend().data();
  mpfr_srcptr new_hi = hi_better ? b.hi.backend().data() : best.hi.backend().data();
  if (mpfr_cmp(new_lo, new_hi) > 0) {
    if (mpfr_cmp(b.lo.backend().data(), best.lo.backend().data()) < 0) set_exact(best.lo, b.lo.backend().data());
    if (mpfr_cmp(b.hi.backend().data(), best.hi.backend().data()) > 0) set_exact(best.hi, b.hi.backend().data());
    return;
  }
  if (lo_better) set_exact(best.lo, b.lo.backend().data());
  if (hi_better) set_exact(best.hi, b.hi.backend().data());
}

inline bounds from_lambda(const lambda_min_bounds& b) {
  bounds r;
  if (b.lower_proved) set_exact(r.lo, b.lower.backend().data());
  if (b.upper_proved) set_exact(r.hi, b.upper.backend().data());
  return r;
}

// ---- tier conversions and the few endpoint operations the interval concept lacks --------------

// Contains every point of b (rounded outward to the tier).
inline dinterval to_tier(const bounds& b, const dinterval*) {
  return {mpfr_get_d(b.lo.backend().data(), MPFR_RNDD), mpfr_get_d(b.hi.backend().data(), MPFR_RNDU)};
}
inline minterval to_tier(const bounds& b, const minterval*) {
  minterval r;
  mpfi_interv_fr(mpfi_of(r), b.lo.backend().data(), b.hi.backend().data());
  return r;
}
template <class I>
I to_tier(const bounds& b) {
  return to_tier(b, static_cast<const I*>(nullptr));
}

// The endpoints of x exactly; a NaN endpoint means "no enclosure" and becomes -inf / +inf.
inline bounds from_tier(const dinterval& x) {
  bounds b;
  if (x.lo == x.lo) b.lo = exact_d(x.lo);
  if (x.hi == x.hi) b.hi = exact_d(x.hi);
  return b;
}
inline bounds from_tier(const minterval& x) {
  bounds b;
  if (!mpfr_nan_p(&mpfi_of(x)->left)) set_exact(b.lo, &mpfi_of(x)->left);
  if (!mpfr_nan_p(&mpfi_of(x)->right)) set_exact(b.hi, &mpfi_of(x)->right);
  return b;
}

inline bool is_zero_point(const dinterval& x) { return x.lo == 0 && x.hi == 0; }
inline bool is_zero_point(const minterval& x) {
  return mpfr_zero_p(&mpfi_of(x)->left) && mpfr_zero_p(&mpfi_of(x)->right);
}

// Contains min(a, b) / max(a, b) for every a in x, b in y (endpointwise).
inline dinterval interval_min(const dinterval& x, const dinterval& y) { return {std::min(x.lo, y.lo), std::min(x.hi, y.hi)}; }
inline dinterval interval_max(const dinterval& x, const dinterval& y) { return {std::max(x.lo, y.lo), std::max(x.hi, y.hi)}; }
inline minterval interval_min(const minterval& x, const minterval& y) {
  minterval r;
  mpfr_min(&mpfi_of(r)->left, &mpfi_of(x)->left, &mpfi_of(y)->left, MPFR_RNDD);
  mpfr_min(&mpfi_of(r)->right, &mpfi_of(x)->right, &mpfi_of(y)->right, MPFR_RNDU);
  return r;
}
inline minterval interval_max(const minterval& x, const minterval& y) {
  minterval r;
  mpfr_max(&mpfi_of(r)->left, &mpfi_of(x)->left, &mpfi_of(y)->left, MPFR_RNDD);
  mpfr_max(&mpfi_of(r)->right, &mpfi_of(x)->right, &mpfi_of(y)->right, MPFR_RNDU);
  return r;
}

// Contains |t| for every t in x.
inline dinterval interval_abs(const dinterval& x) { return abs(x); }
inline minterval interval_abs(const minterval& x) {
  minterval r;
  mpfi_abs(mpfi_of(r), mpfi_of(x));
  return r;
}

// Contains t^n for every t >= 0 in x, x ⊂ [0, inf) (binary powering of nonnegative intervals).
template <class I>
I pow_nonneg(const I& x, unsigned n) {
  I result = interval_traits<I>::point(1.0), base = x;
  bool first = true;
  while (n) {
    if (n & 1) {
      result = first ? base : result * base;
      first = false;
    }
    n >>= 1;
    if (n) base = base * base;
  }
  return result;
}

// Contains t^r for every t in x (r >= 1): even powers through t² >= 0, odd ones as t·(t²)^((r-1)/2).
template <class I>
I hadamard_entry_power(const I& x, unsigned r) {
  if (r == 1) return x;
  const I p = pow_nonneg(I(sqr(x)), r / 2);
  return r % 2 ? I(x * p) : p;
}

// Arithmetic on quantities that are >= 0 by theory (eigenvalues of PSD matrices, m, c_r, clamped
// Gershgorin bounds): an exact zero stays exactly zero (the tiers' outward rounding would widen
// 0 + 0 to a tiny interval around 0), and results are intersected with [0, inf).
template <class I>
I nonneg(const I& x) {
  return intersect(x, 0.0, inf);
}
template <class I>
I add_nonneg(const I& a, const I& b) {
  if (is_zero_point(a)) return b;
  if (is_zero_point(b)) return a;
  return nonneg(I(a + b));
}
template <class I>
I mul_nonneg(const I& a, const I& b) {
  if (is_zero_point(a) || is_zero_point(b)) return interval_traits<I>::point(0.0);
  return nonneg(I(a * b));
}
template <class I>
I scale_nonneg(const I& x, const convention_factor& f) {
  if (is_zero_point(x)) return x;
  return nonneg(apply_convention_factor(x, f));
}

// ---- the chain's state across attempts ----------------------------------------------------------

struct component {
  bounds value;
  lambda_min_hint hint;
  bool exact = false;  // value known exactly by structure: never recomputed
  std::string label;
};

// Which eigenvalue enclosures an attempt computes.
struct plan {
  bool K = false;
  std::vector<char> G;               // [l-1], l = 1..L
  std::vector<std::vector<char>> P;  // [l-1][k], l = 1..L-1
};

// Link indices: lambda_min, schur, hermite:r (k), hermite:all, gershgorin:r (k), scale:r (k), upper.
struct link_layout {
  std::size_t k = 0;
  std::size_t lambda_min() const { return 0; }
  std::size_t schur() const { return 1; }
  std::size_t hermite(std::size_t i) const { return 2 + i; }
  std::size_t hermite_all() const { return 2 + k; }
  std::size_t gershgorin(std::size_t i) const { return 3 + k + i; }
  std::size_t scale(std::size_t i) const { return 3 + 2 * k + i; }
  std::size_t upper() const { return 3 + 3 * k; }
  std::size_t count() const { return 4 + 3 * k; }
};

// A claim lhs <= rhs, reported as the `holds` of link `owner`.
struct claim {
  std::size_t owner, lhs, rhs;
  bool equal_by_construction = false;
  // Undecided with both sides narrower than a vanishing fraction of the scale: not escalated further.
  std::string tie;
};

struct chain_state {
  int depth = 1;
  std::vector<unsigned> orders;
  std::vector<char> order_is_zero;  // c_r = 0 exactly (odd r >= 3): the order contributes nothing
  convention_factor factor;
  link_layout layout;
  component K;                              // λ_min(f·K^(L))
  std::vector<component> G;                 // λ_min(G^(l)), [l-1]
  std::vector<std::vector<component>> P;    // λ_min((Ĝ^(l))^∘r), [l-1][k], l = 1..L-1
  std::vector<std::vector<bounds>> gersh;   // 1 − max_i Σ_{j≠i}|Ĝ^(l)_ij|^r, [l-1][k], l = 1..max(L-1, 1)
  bool parallel_pair = false;               // every Gershgorin bound is <= 0 by structure
  bounds m;                                 // min_i ‖x̃_i‖²
  std::vector<bounds> links;
  std::vector<claim> claims;
  std::vector<std::string> precondition_tie;  // [k], as claim::tie
};

inline std::size_t gersh_layers(int depth) { return static_cast<std::size_t>(std::max(depth - 1, 1)); }

// ---- the claims' verdicts and one attempt (chain_attempt.cpp) ---------------------------------

chain_verdict verdict(const chain_state& st, const claim& c);
// 1 − max_i Σ_{j≠i}|Ĝ^(1)_ij|^r > 0 ?
chain_verdict precondition(const chain_state& st, std::size_t k);

// One attempt in the tier of I: the geometry, the kernel recursion with the enclosures `p` asks
// for, every link recomputed and intersected into st (each enclosure contains its value).
template <class I>
chain_attempt run_attempt(const ntk_job& job, chain_state& st, const plan& p, progress_sink& progress);
extern template chain_attempt run_attempt<dinterval>(const ntk_job&, chain_state&, const plan&, progress_sink&);
extern template chain_attempt run_attempt<minterval>(const ntk_job&, chain_state&, const plan&, progress_sink&);

}  // namespace ntk::chain_detail
