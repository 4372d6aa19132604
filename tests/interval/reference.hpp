// Independent references for the interval tests: MPFR numbers with RAII, directed-rounding helpers,
// ulp distances, and random doubles/intervals that favour the hard cases.
#pragma once

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mpfr.h>
#include <random>
#include <vector>

namespace ref {

// An MPFR number of fixed precision.
struct mp {
  mpfr_t v;
  explicit mp(mpfr_prec_t prec = 212) { mpfr_init2(v, prec); }
  mp(double d, mpfr_prec_t prec) {
    mpfr_init2(v, prec);
    mpfr_set_d(v, d, MPFR_RNDN);  // exact for prec >= 53
  }
  mp(const mp&) = delete;
  mp& operator=(const mp&) = delete;
  ~mp() { mpfr_clear(v); }
  operator mpfr_ptr() { return v; }
  operator mpfr_srcptr() const { return v; }
  double down() const { return mpfr_get_d(v, MPFR_RNDD); }
  double up() const { return mpfr_get_d(v, MPFR_RNDU); }
};

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Position of x on the ordered line of doubles (-0 and +0 coincide); differences count doubles.
inline std::int64_t order(double x) {
  const std::int64_t b = std::bit_cast<std::int64_t>(x);
  return b < 0 ? -(b & INT64_MAX) : b;
}
// Number of doubles from a up to b (negative if b < a).
inline std::int64_t steps(double a, double b) { return order(b) - order(a); }

// The double k positions above (k > 0) or below x on the ordered line.
inline double walk(double x, int k) {
  for (; k > 0; --k) x = std::nextafter(x, inf);
  for (; k < 0; ++k) x = std::nextafter(x, -inf);
  return x;
}

// Doubles around the edge cases: 0, subnormals, DBL_MIN, 1/2, 1, 2, powers of two, DBL_MAX, inf,
// and their neighbours, both signs.
inline std::vector<double> special_doubles() {
  std::vector<double> base = {0.0,      0x1p-1074, 0x1p-1073, 3 * 0x1p-1074, 0x1p-1023, DBL_MIN,
                              0x1p-600, 0x1p-60,   0x1p-27,   0x1p-26,       0x1p-8,    0.25,
                              0.5,      0.75,      1.0,       1.5,           2.0,       3.0,
                              0x1p52,   0x1p53,    0x1p600,   DBL_MAX / 2,   DBL_MAX,   inf};
  std::vector<double> out;
  for (double b : base)
    for (int k = -2; k <= 2; ++k) {
      const double v = walk(b, k);
      if (std::isnan(v)) continue;
      out.push_back(v);
      out.push_back(-v);
    }
  return out;
}

class gen {
 public:
  explicit gen(std::uint64_t seed) : rng_(seed), specials_(special_doubles()) {}

  double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng_); }
  std::uint64_t bits() { return rng_(); }
  int integer(int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng_); }

  // Any finite double, exponents spread uniformly over the whole range (subnormals included).
  double any_finite() {
    for (;;) {
      const double d = std::bit_cast<double>(rng_() & ~(std::uint64_t{0x7ff} << 52) |
                                             (std::uint64_t(integer(0, 2046)) << 52));
      if (std::isfinite(d)) return d;
    }
  }

  // A mix: special values, full-range, moderate, and small-integer-like values.
  double mixed(bool allow_inf = true) {
    switch (integer(0, 5)) {
      case 0: {
        const double v = specials_[integer(0, static_cast<int>(specials_.size()) - 1)];
        return (!allow_inf && std::isinf(v)) ? std::copysign(DBL_MAX, v) : v;
      }
      case 1:
        return any_finite();
      case 2:
        return uniform(-4, 4);
      case 3:
        return std::ldexp(uniform(-1, 1), integer(-80, 80));
      case 4:
        return static_cast<double>(integer(-8, 8)) * 0.5;
      default:
        return std::ldexp(uniform(-1, 1), integer(-1074, 1024));
    }
  }

  // An interval [lo, hi], lo <= hi: a point, two mixed values sorted, or a narrow interval.
  void interval(double& lo, double& hi, bool allow_inf = true) {
    const int kind = integer(0, 3);
    lo = mixed(allow_inf);
    if (kind == 0) {
      hi = lo;
    } else if (kind == 1) {
      hi = mixed(allow_inf);
    } else if (kind == 2) {
      hi = walk(lo, integer(0, 8));
    } else {
      hi = lo + std::fabs(lo) * uniform(0, 1e-3);
    }
    if (std::isnan(hi)) hi = lo;
    if (hi < lo) std::swap(lo, hi);
    if (lo == inf) lo = DBL_MAX;  // [+inf, +inf] and [-inf, -inf] are not valid intervals
    if (hi == -inf) hi = -DBL_MAX;
  }

  // Finite points of [lo, hi] (unbounded ends replaced by large finite values): the ends and a few
  // interior points.
  std::vector<double> points_in(double lo, double hi, int interior = 3) {
    const double l = std::isinf(lo) ? -DBL_MAX : lo, h = std::isinf(hi) ? DBL_MAX : hi;
    std::vector<double> p = {l, h};
    if (std::isinf(lo)) p.push_back(std::min(h, -std::ldexp(uniform(0.5, 1), integer(0, 1023))));
    if (std::isinf(hi)) p.push_back(std::max(l, std::ldexp(uniform(0.5, 1), integer(0, 1023))));
    for (int i = 0; i < interior; ++i) {
      double t = l + uniform(0, 1) * (h - l);
      if (!std::isfinite(t)) t = l / 2 + uniform(0, 1) * (h / 2 - l / 2);
      if (t < l) t = l;
      if (t > h) t = h;
      p.push_back(t);
    }
    if (l <= 0 && 0 <= h) p.push_back(0.0);
    return p;
  }

  std::mt19937_64& engine() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::vector<double> specials_;
};

}  // namespace ref
