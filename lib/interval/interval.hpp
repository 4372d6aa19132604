// The interval concept shared by both tiers; kernels and linear algebra are templates over it.
//
// A type I models the concept when, for x, y of type I and a double t, these exist with the
// inclusion contract (the result contains f(a, b) for every a in x, b in y):
//   x + y, x - y, x * y, x / y, -x, and the same with a double on either side;
//   sqr(x), abs(x), asin(x), acos(x) (domain [-1, 1]: the part of x outside it is ignored, an x
//   disjoint from it gives NaN endpoints, on both tiers), sqrt_nonneg(x) (domain [0, inf)),
//   intersect(x, lo, hi) (x meet [lo, hi], for values known to lie there), hull(x, y),
// and the observers lower_d(x) <= every point of x <= upper_d(x), is_finite(x), contains(x, t).
// interval_traits<I> supplies constants, construction, endpoint points and a NaN ("no enclosure")
// value. No function compares two intervals.
#pragma once

#include <limits>

#include "interval/ddinterval.hpp"
#include "interval/ddinterval_elementary.hpp"
#include "interval/dinterval.hpp"
#include "interval/dinterval_elementary.hpp"
#include "interval/minterval.hpp"

namespace ntk {

inline dinterval sqrt_nonneg(const dinterval& x) { return sqrt(x); }

template <class I>
struct interval_traits;

template <>
struct interval_traits<dinterval> {
  static constexpr bool is_double_tier = true;
  static long precision_bits() { return 53; }
  // Contains pi.
  static dinterval pi() { return dinterval_pi; }
  // [l, h], exact.
  static dinterval make(double l, double h) { return {l, h}; }
  static dinterval point(double t) { return {t, t}; }
  // The point intervals at the endpoints of x (exact).
  static dinterval lower_point(const dinterval& x) { return {x.lo, x.lo}; }
  static dinterval upper_point(const dinterval& x) { return {x.hi, x.hi}; }
  // An interval with NaN endpoints: "no enclosure".
  static dinterval nan() {
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  }
};

template <>
struct interval_traits<minterval> {
  static constexpr bool is_double_tier = false;
  static long precision_bits() { return working_precision_bits(); }
  static minterval pi() {
    minterval r;
    mpfi_const_pi(mpfi_of(r));
    return r;
  }
  static minterval make(double l, double h) { return make_minterval(l, h); }
  static minterval point(double t) { return make_minterval(t, t); }
  // Intervals at the working precision containing the left / right endpoint of x (the point
  // itself when x's precision does not exceed the working precision).
  static minterval lower_point(const minterval& x) {
    minterval r;
    mpfi_set_fr(mpfi_of(r), &mpfi_of(x)->left);
    return r;
  }
  static minterval upper_point(const minterval& x) {
    minterval r;
    mpfi_set_fr(mpfi_of(r), &mpfi_of(x)->right);
    return r;
  }
  // An interval with NaN endpoints: "no enclosure".
  static minterval nan() { return detail::nan_minterval(); }
};

// The double-word tier (ddinterval.hpp): a precise tier (is_double_tier = false) of 106-bit
// representation; each operation is within about 2^-100 relative (docs/numerics.md, "Double-double
// intervals").
template <>
struct interval_traits<ddinterval> {
  static constexpr bool is_double_tier = false;
  static long precision_bits() { return 106; }
  // Contains pi.
  static ddinterval pi() { return ddinterval_pi; }
  // [l, h], exact.
  static ddinterval make(double l, double h) { return {l, h}; }
  static ddinterval point(double t) { return ddinterval(t); }
  // The point intervals at the endpoints of x (exact).
  static ddinterval lower_point(const ddinterval& x) { return {x.lo, x.lo}; }
  static ddinterval upper_point(const ddinterval& x) { return {x.hi, x.hi}; }
  // An interval with NaN endpoints: "no enclosure".
  static ddinterval nan() { return dd_detail::nan_interval(); }
};

// An minterval at the working precision containing x (exact when both endpoints are representable
// there, e.g. at >= 2100 bits or when the double-words are short; outward otherwise).
inline minterval to_minterval(const ddinterval& x) {
  minterval r;
  ddi_to_mpfi(mpfi_of(r), x);
  return r;
}
// A ddinterval containing x (outward rounding of each endpoint to a double-word).
inline ddinterval to_ddinterval(const minterval& x) { return ddi_from_mpfi(mpfi_of(x)); }

// Width upper_d - lower_d, rounded up.
template <class I>
double width_up(const I& x) {
  return round_up(upper_d(x) - lower_d(x));
}

}  // namespace ntk
