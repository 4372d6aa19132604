// minterval: the precise tier, MPFI intervals through Boost.Multiprecision at a run-time precision.
//
// Every arithmetic operation and elementary function is MPFI's, whose contract is inclusion: the
// result contains f(t) for every t in the argument. Values are created at the process-wide working
// precision set by set_working_precision_bits() (Boost 1.74 keeps it in one plain static, so set it
// before starting threads and never while they run).
// Trap (docs/numerics.md, "Traps seen on this platform"): Boost's comparison operators on overlapping intervals throw from a noexcept
// function, i.e. std::terminate. Generic code never compares intervals; it compares lower_d/upper_d.
#pragma once

#include <boost/multiprecision/mpfi.hpp>
#include <boost/multiprecision/mpfr.hpp>
#include <mpfi.h>
#include <mpfr.h>

namespace ntk {

using minterval = boost::multiprecision::number<boost::multiprecision::mpfi_float_backend<0>,
                                                boost::multiprecision::et_off>;
using mreal = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<0>,
                                            boost::multiprecision::et_off>;

// Sets the precision of every minterval / mreal created afterwards to at least `bits` bits
// (Boost stores decimal digits; this picks the smallest count that gives >= bits).
// Returns the precision in bits that new values actually get.
long set_working_precision_bits(long bits);
// Precision in bits of new values.
long working_precision_bits();

inline const __mpfi_struct* mpfi_of(const minterval& x) { return x.backend().data(); }
inline __mpfi_struct* mpfi_of(minterval& x) { return x.backend().data(); }

// Largest double <= every point of x / smallest double >= every point of x.
inline double lower_d(const minterval& x) { return mpfr_get_d(&mpfi_of(x)->left, MPFR_RNDD); }
inline double upper_d(const minterval& x) { return mpfr_get_d(&mpfi_of(x)->right, MPFR_RNDU); }
inline bool is_finite(const minterval& x) { return mpfi_bounded_p(mpfi_of(x)) != 0; }
inline bool contains(const minterval& x, double t) {
  return mpfr_cmp_d(&mpfi_of(x)->left, t) <= 0 && mpfr_cmp_d(&mpfi_of(x)->right, t) >= 0;
}

// The interval [l, h] (exact: doubles are representable at >= 53 bits).
inline minterval make_minterval(double l, double h) {
  minterval r;
  mpfi_interv_d(mpfi_of(r), l, h);
  return r;
}

// Contains t*t for every t in x (MPFI's sqr is tight when x straddles 0).
inline minterval sqr(const minterval& x) {
  minterval r;
  mpfi_sqr(mpfi_of(r), mpfi_of(x));
  return r;
}

// x intersected with [l, h]; see the dinterval version for when this is used.
inline minterval intersect(const minterval& x, double l, double h) {
  minterval r = x;
  if (mpfr_cmp_d(&mpfi_of(r)->left, l) < 0) mpfr_set_d(&mpfi_of(r)->left, l, MPFR_RNDD);
  if (mpfr_cmp_d(&mpfi_of(r)->right, h) > 0) mpfr_set_d(&mpfi_of(r)->right, h, MPFR_RNDU);
  if (mpfr_cmp(&mpfi_of(r)->left, &mpfi_of(r)->right) > 0) {
    const double b = mpfr_cmp_d(&mpfi_of(x)->left, h) > 0 ? h : l;
    mpfi_set_d(mpfi_of(r), b);
  }
  return r;
}

// Contains sqrt(t) for every t in x with t >= 0.
inline minterval sqrt_nonneg(const minterval& x) {
  minterval y = x;
  if (mpfr_sgn(&mpfi_of(y)->left) < 0) mpfr_set_zero(&mpfi_of(y)->left, 1);
  if (mpfr_sgn(&mpfi_of(y)->right) < 0) mpfr_set_zero(&mpfi_of(y)->right, 1);
  minterval r;
  mpfi_sqrt(mpfi_of(r), mpfi_of(y));
  return r;
}

namespace detail {
// x clipped to [-1, 1]; false if the clipped set is empty or x has a NaN endpoint.
inline bool clip_unit(const minterval& x, minterval& y) {
  y = x;
  __mpfi_struct* p = mpfi_of(y);
  if (mpfr_nan_p(&p->left) || mpfr_nan_p(&p->right)) return false;
  if (mpfr_cmp_si(&p->left, -1) < 0) mpfr_set_si(&p->left, -1, MPFR_RNDD);
  if (mpfr_cmp_si(&p->right, 1) > 0) mpfr_set_si(&p->right, 1, MPFR_RNDU);
  return mpfr_cmp(&p->left, &p->right) <= 0;
}
inline minterval nan_minterval() {
  minterval r;
  mpfr_set_nan(&mpfi_of(r)->left);
  mpfr_set_nan(&mpfi_of(r)->right);
  return r;
}
}  // namespace detail

// Contains asin(t) for every t in x with |t| <= 1, the same domain convention as the dinterval
// version: the part of x outside [-1, 1] is ignored; an x disjoint from [-1, 1] (or with a NaN
// endpoint) gives NaN endpoints. Endpoints by MPFI (correctly rounded outward). Preferred by
// overload resolution over Boost's asin, which gives NaN as soon as x leaves [-1, 1].
inline minterval asin(const minterval& x) {
  minterval y;
  if (!detail::clip_unit(x, y)) return detail::nan_minterval();
  minterval r;
  mpfi_asin(mpfi_of(r), mpfi_of(y));
  return r;
}

// Contains acos(t) for every t in x with |t| <= 1 (same domain convention as asin).
inline minterval acos(const minterval& x) {
  minterval y;
  if (!detail::clip_unit(x, y)) return detail::nan_minterval();
  minterval r;
  mpfi_acos(mpfi_of(r), mpfi_of(y));
  return r;
}

}  // namespace ntk
