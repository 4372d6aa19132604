// dinterval: closed intervals [lo, hi] of binary64 doubles, the fast tier.
//
// Contract of every operation f below: for all real a in x (and b in y), f(a, b) lies in the
// result. Results are computed in round-to-nearest and widened outward (rounding.hpp), so the
// rounding mode is never changed and the code is safe under threads and BLAS.
// Exceptional cases: an empty or NaN input gives a NaN endpoint (is_finite() false); the empty set
// is represented by NaN endpoints (an interval with lo > hi is not a valid argument). An infinite
// endpoint means "unbounded on that side" (lo = +inf or hi = -inf are not valid arguments); endpoint
// products 0 * inf count as 0, the limit value. Division by an interval containing 0 gives
// [-inf, +inf]; sqrt ignores the negative part of its argument (the result contains sqrt(t) for
// every t in x with t >= 0); overflow gives an infinite endpoint.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

#include "interval/rounding.hpp"

namespace ntk {

struct dinterval {
  double lo = 0.0;
  double hi = 0.0;

  constexpr dinterval() = default;
  // The point interval [x, x]; exact.
  constexpr dinterval(double x) : lo(x), hi(x) {}  // NOLINT(implicit): doubles are exact points
  constexpr dinterval(double l, double h) : lo(l), hi(h) {}

  dinterval& operator+=(const dinterval& y);
  dinterval& operator-=(const dinterval& y);
  dinterval& operator*=(const dinterval& y);
  dinterval& operator/=(const dinterval& y);
};

inline dinterval operator-(const dinterval& x) { return {-x.hi, -x.lo}; }

inline dinterval operator+(const dinterval& x, const dinterval& y) {
  return {round_down(x.lo + y.lo), round_up(x.hi + y.hi)};
}

inline dinterval operator-(const dinterval& x, const dinterval& y) {
  return {round_down(x.lo - y.hi), round_up(x.hi - y.lo)};
}

namespace detail {
inline constexpr double nan_d = std::numeric_limits<double>::quiet_NaN();
inline bool has_nan(const dinterval& x) { return x.lo != x.lo || x.hi != x.hi; }
// Endpoint product for NaN-free endpoints: 0 * inf is the limit 0.
inline double endpoint_mul(double a, double b) {
  const double p = a * b;
  return p == p ? p : 0.0;
}
}  // namespace detail

inline dinterval operator*(const dinterval& x, const dinterval& y) {
  if (detail::has_nan(x) || detail::has_nan(y)) return {detail::nan_d, detail::nan_d};
  if (x.lo >= 0 && y.lo >= 0)
    return {round_down(detail::endpoint_mul(x.lo, y.lo)), round_up(detail::endpoint_mul(x.hi, y.hi))};
  const double p1 = detail::endpoint_mul(x.lo, y.lo), p2 = detail::endpoint_mul(x.lo, y.hi);
  const double p3 = detail::endpoint_mul(x.hi, y.lo), p4 = detail::endpoint_mul(x.hi, y.hi);
  return {round_down(std::min(std::min(p1, p2), std::min(p3, p4))),
          round_up(std::max(std::max(p1, p2), std::max(p3, p4)))};
}

// Sign-case division (as in IEEE 1788): two quotients, and no inf/inf for valid arguments.
inline dinterval operator/(const dinterval& x, const dinterval& y) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (detail::has_nan(x) || detail::has_nan(y)) return {detail::nan_d, detail::nan_d};
  if (y.lo > 0) {
    if (x.lo >= 0) return {round_down(x.lo / y.hi), round_up(x.hi / y.lo)};
    if (x.hi <= 0) return {round_down(x.lo / y.lo), round_up(x.hi / y.hi)};
    return {round_down(x.lo / y.lo), round_up(x.hi / y.lo)};
  }
  if (y.hi < 0) {
    if (x.lo >= 0) return {round_down(x.hi / y.hi), round_up(x.lo / y.lo)};
    if (x.hi <= 0) return {round_down(x.hi / y.lo), round_up(x.lo / y.hi)};
    return {round_down(x.hi / y.hi), round_up(x.lo / y.hi)};
  }
  return {-inf, inf};
}

inline dinterval& dinterval::operator+=(const dinterval& y) { return *this = *this + y; }
inline dinterval& dinterval::operator-=(const dinterval& y) { return *this = *this - y; }
inline dinterval& dinterval::operator*=(const dinterval& y) { return *this = *this * y; }
inline dinterval& dinterval::operator/=(const dinterval& y) { return *this = *this / y; }

inline dinterval operator+(const dinterval& x, double y) { return x + dinterval(y); }
inline dinterval operator+(double x, const dinterval& y) { return dinterval(x) + y; }
inline dinterval operator-(const dinterval& x, double y) { return x - dinterval(y); }
inline dinterval operator-(double x, const dinterval& y) { return dinterval(x) - y; }
inline dinterval operator*(const dinterval& x, double y) { return x * dinterval(y); }
inline dinterval operator*(double x, const dinterval& y) { return dinterval(x) * y; }
inline dinterval operator/(const dinterval& x, double y) { return x / dinterval(y); }
inline dinterval operator/(double x, const dinterval& y) { return dinterval(x) / y; }

// Contains t*t for every t in x; tighter than x*x when x straddles 0.
inline dinterval sqr(const dinterval& x) {
  if (detail::has_nan(x)) return {detail::nan_d, detail::nan_d};
  if (x.lo >= 0) return {round_down(x.lo * x.lo), round_up(x.hi * x.hi)};
  if (x.hi <= 0) return {round_down(x.hi * x.hi), round_up(x.lo * x.lo)};
  const double m = std::max(-x.lo, x.hi);
  return {0.0, round_up(m * m)};
}

// Contains sqrt(t) for every t in x with t >= 0 (IEEE sqrt is correctly rounded).
inline dinterval sqrt(const dinterval& x) {
  if (detail::has_nan(x)) return {detail::nan_d, detail::nan_d};
  const double l = x.lo > 0 ? std::max(0.0, round_down(std::sqrt(x.lo))) : 0.0;
  return {l, round_up(std::sqrt(std::max(x.hi, 0.0)))};
}

// Contains |t| for every t in x.
inline dinterval abs(const dinterval& x) {
  if (detail::has_nan(x)) return {detail::nan_d, detail::nan_d};
  if (x.lo >= 0) return x;
  if (x.hi <= 0) return -x;
  return {0.0, std::max(-x.lo, x.hi)};
}

// The smallest interval containing x and y (NaN if either has a NaN endpoint).
inline dinterval hull(const dinterval& x, const dinterval& y) {
  if (detail::has_nan(x) || detail::has_nan(y)) return {detail::nan_d, detail::nan_d};
  return {std::min(x.lo, y.lo), std::max(x.hi, y.hi)};
}

// x intersected with [l, h]. Used where mathematics guarantees the true value lies in [l, h]
// (e.g. a correlation in [-1, 1]); an empty intersection keeps the nearer bound (the true value
// is then the bound itself up to the enclosure's own rounding, which this keeps sound).
inline dinterval intersect(const dinterval& x, double l, double h) {
  dinterval r{std::max(x.lo, l), std::min(x.hi, h)};
  if (r.lo > r.hi) r = x.lo > h ? dinterval(h) : dinterval(l);
  return r;
}

inline double lower_d(const dinterval& x) { return x.lo; }
inline double upper_d(const dinterval& x) { return x.hi; }
inline bool is_finite(const dinterval& x) { return std::isfinite(x.lo) && std::isfinite(x.hi); }
inline bool contains(const dinterval& x, double t) { return x.lo <= t && t <= x.hi; }

}  // namespace ntk
