// dinterval: closed intervals [lo, hi] of binary64 doubles, the fast tier.
//
// Contract of every operation f below: for all real a in x (and b in y), f(a, b) lies in the
// result. Results are computed in round-to-nearest and widened outward (rounding.hpp), so the
// rounding mode is never changed and the code is safe under threads and BLAS.
// Exceptional cases: an empty or NaN input gives a NaN endpoint (is_finite() false); division by an
// interval containing 0 gives [-inf, +inf]; sqrt ignores the negative part of its argument (the
// result contains sqrt(t) for every t in x with t >= 0); overflow gives an infinite endpoint.
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

inline dinterval operator*(const dinterval& x, const dinterval& y) {
  if (x.lo >= 0 && y.lo >= 0) return {round_down(x.lo * y.lo), round_up(x.hi * y.hi)};
  const double p1 = x.lo * y.lo, p2 = x.lo * y.hi, p3 = x.hi * y.lo, p4 = x.hi * y.hi;
  double mn = std::min(std::min(p1, p2), std::min(p3, p4));
  double mx = std::max(std::max(p1, p2), std::max(p3, p4));
  if (p1 != p1 || p2 != p2 || p3 != p3 || p4 != p4) {  // 0 * inf: an endpoint is unbounded
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (x.lo != x.lo || x.hi != x.hi || y.lo != y.lo || y.hi != y.hi) return {nan, nan};
    return {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  }
  return {round_down(mn), round_up(mx)};
}

inline dinterval operator/(const dinterval& x, const dinterval& y) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (!(y.lo > 0 || y.hi < 0)) {
    if (y.lo != y.lo || y.hi != y.hi) return {y.lo + y.hi, y.lo + y.hi};
    return {-inf, inf};
  }
  if (x.lo >= 0 && y.lo > 0) return {round_down(x.lo / y.hi), round_up(x.hi / y.lo)};
  const double q1 = x.lo / y.lo, q2 = x.lo / y.hi, q3 = x.hi / y.lo, q4 = x.hi / y.hi;
  return {round_down(std::min(std::min(q1, q2), std::min(q3, q4))),
          round_up(std::max(std::max(q1, q2), std::max(q3, q4)))};
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
  if (x.lo >= 0) return {round_down(x.lo * x.lo), round_up(x.hi * x.hi)};
  if (x.hi <= 0) return {round_down(x.hi * x.hi), round_up(x.lo * x.lo)};
  const double m = std::max(-x.lo, x.hi);
  return {0.0, round_up(m * m)};
}

// Contains sqrt(t) for every t in x with t >= 0 (IEEE sqrt is correctly rounded).
inline dinterval sqrt(const dinterval& x) {
  const double l = x.lo > 0 ? std::max(0.0, round_down(std::sqrt(x.lo))) : 0.0;
  return {l, round_up(std::sqrt(std::max(x.hi, 0.0)))};
}

// Contains |t| for every t in x.
inline dinterval abs(const dinterval& x) {
  if (x.lo >= 0) return x;
  if (x.hi <= 0) return -x;
  return {0.0, std::max(-x.lo, x.hi)};
}

// The smallest interval containing x and y.
inline dinterval hull(const dinterval& x, const dinterval& y) {
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
