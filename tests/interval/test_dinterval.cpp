// dinterval arithmetic against MPFR: containment of exact values at sample points of random
// arguments (points, wide, narrow, unbounded, subnormal, near DBL_MAX), and tightness: for finite
// arguments each endpoint lies within 2 doubles of the exact range's endpoint rounded outward.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>

#include "interval/dinterval.hpp"
#include "reference.hpp"

using namespace ntk;
using ref::inf;

namespace {

constexpr int kIters = 40000;
constexpr int kWidthSteps = 2;  // asserted: endpoint within 2 doubles of the outward-rounded exact end

// Exact value (lo <= f <= hi with f as MPFR bracket [fd, fu]) is inside r?
bool contains_mp(const dinterval& r, mpfr_srcptr fd, mpfr_srcptr fu) {
  return mpfr_cmp_d(fd, r.lo) >= 0 && mpfr_cmp_d(fu, r.hi) <= 0;
}

bool has_nan(const dinterval& r) { return std::isnan(r.lo) || std::isnan(r.hi); }

// The exact real result of a op b at sample points, bracketed by [fd, fu] (equal when exact).
enum class op { add, sub, mul, div };
void exact(op o, double a, double b, mpfr_ptr fd, mpfr_ptr fu) {
  ref::mp x(a, 2200), y(b, 2200);
  switch (o) {
    case op::add: mpfr_add(fd, x, y, MPFR_RNDD); mpfr_add(fu, x, y, MPFR_RNDU); break;
    case op::sub: mpfr_sub(fd, x, y, MPFR_RNDD); mpfr_sub(fu, x, y, MPFR_RNDU); break;
    case op::mul: mpfr_mul(fd, x, y, MPFR_RNDD); mpfr_mul(fu, x, y, MPFR_RNDU); break;
    case op::div: mpfr_div(fd, x, y, MPFR_RNDD); mpfr_div(fu, x, y, MPFR_RNDU); break;
  }
}

dinterval apply(op o, const dinterval& x, const dinterval& y) {
  switch (o) {
    case op::add: return x + y;
    case op::sub: return x - y;
    case op::mul: return x * y;
    case op::div: return x / y;
  }
  return {};
}

const char* name(op o) {
  static const char* n[] = {"+", "-", "*", "/"};
  return n[static_cast<int>(o)];
}

// Endpoint tightness: lo >= (exact_lo rounded down) - k doubles, hi likewise; infinite exact ends
// are skipped (containment covers them).
bool tight(const dinterval& r, double exact_lo_down, double exact_hi_up, int k) {
  bool ok = true;
  if (std::isfinite(exact_lo_down)) ok = ok && r.lo >= ref::walk(exact_lo_down, -k);
  if (std::isfinite(exact_hi_up)) ok = ok && r.hi <= ref::walk(exact_hi_up, k);
  return ok;
}

void check_binary(op o, std::uint64_t seed) {
  ref::gen g(seed);
  ref::mp fd(212), fu(212);
  int fails = 0, checked_width = 0;
  for (int it = 0; it < kIters && fails < 10; ++it) {
    dinterval x, y;
    g.interval(x.lo, x.hi);
    g.interval(y.lo, y.hi);
    if (o == op::div && it % 3 != 0 && y.lo <= 0 && y.hi >= 0) {  // mostly usable divisors
      y = g.integer(0, 1) ? dinterval(0x1p-1074, std::max(y.hi, 1.0))
                          : dinterval(std::min(y.lo, -1.0), -0x1p-1074);
    }
    const dinterval r = apply(o, x, y);
    if (o == op::div && !(y.lo > 0 || y.hi < 0)) {
      if (!(r.lo == -inf && r.hi == inf)) {
        ++fails;
        BOOST_ERROR("division by an interval containing 0 must give [-inf, inf]");
      }
      continue;
    }
    if (has_nan(r) || r.lo > r.hi) {
      ++fails;
      BOOST_ERROR("NaN or reversed result for valid arguments: [" << x.lo << ", " << x.hi << "] " << name(o) << " [" << y.lo << ", " << y.hi << "] = [" << r.lo << ", " << r.hi << "]");
      continue;
    }
    // Containment at sample points (unbounded ends replaced by huge finite values).
    for (double a : g.points_in(x.lo, x.hi, 2))
      for (double b : g.points_in(y.lo, y.hi, 2)) {
        if (o == op::div && b == 0) continue;
        exact(o, a, b, fd, fu);
        if (!contains_mp(r, fd, fu)) {
          ++fails;
          BOOST_ERROR("not contained: a = " << a << " b = " << b << " in [" << x.lo << ", " << x.hi << "] " << name(o) << " [" << y.lo << ", " << y.hi << "] = [" << r.lo << ", " << r.hi << "]");
        }
      }
    // Tightness for finite arguments: the exact range is spanned by the four corners.
    if (!(std::isfinite(x.lo) && std::isfinite(x.hi) && std::isfinite(y.lo) && std::isfinite(y.hi))) continue;
    ref::mp lo(212), hi(212);
    mpfr_set_inf(lo, 1);
    mpfr_set_inf(hi, -1);
    for (double a : {x.lo, x.hi})
      for (double b : {y.lo, y.hi}) {
        exact(o, a, b, fd, fu);
        mpfr_min(lo, lo, fd, MPFR_RNDD);
        mpfr_max(hi, hi, fu, MPFR_RNDU);
      }
    ++checked_width;
    if (!tight(r, lo.down(), hi.up(), kWidthSteps)) {
      ++fails;
      BOOST_ERROR("too wide: [" << x.lo << ", " << x.hi << "] " << name(o) << " [" << y.lo << ", " << y.hi << "] = [" << r.lo << ", " << r.hi << "] exact [" << lo.down() << ", " << hi.up() << "]");
    }
  }
  BOOST_TEST(fails == 0);
  BOOST_TEST(checked_width > kIters / 4);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dinterval_arithmetic)

BOOST_AUTO_TEST_CASE(add) { check_binary(op::add, 101); }
BOOST_AUTO_TEST_CASE(sub) { check_binary(op::sub, 102); }
BOOST_AUTO_TEST_CASE(mul) { check_binary(op::mul, 103); }
BOOST_AUTO_TEST_CASE(div) { check_binary(op::div, 104); }

BOOST_AUTO_TEST_CASE(mixed_double_operands_are_points) {
  const dinterval x{1.0, 2.0};
  BOOST_TEST((x + 0.5).lo <= 1.5);
  BOOST_TEST((0.5 - x).hi >= -0.5);
  BOOST_TEST((x * 3.0).hi >= 6.0);
  BOOST_TEST((1.0 / x).lo <= 0.5);
  BOOST_TEST((1.0 / x).hi >= 1.0);
  dinterval y = x;
  y += x;
  y -= x;
  y *= x;
  y /= x;
  BOOST_TEST(y.lo <= 1.0);
  BOOST_TEST(y.hi >= 2.0);
}

BOOST_AUTO_TEST_CASE(unbounded_endpoints) {
  // a in [-1, inf), b in (-inf, -2]: a/b is unbounded below (e.g. 1e300 / -2).
  const dinterval q = dinterval(-1.0, inf) / dinterval(-inf, -2.0);
  BOOST_TEST(q.lo == -inf);
  BOOST_TEST(q.hi >= 0.5);
  // 0 * unbounded: the product set is {0}.
  const dinterval z = dinterval(0.0, 0.0) * dinterval(1.0, inf);
  BOOST_TEST(contains(z, 0.0));
  BOOST_TEST(!has_nan(z));
  const dinterval w = dinterval(-inf, inf) * dinterval(0.0, 0.0);
  BOOST_TEST(contains(w, 0.0));
  BOOST_TEST(!has_nan(w));
  // Overflow: the upper end becomes +inf, the lower end stays a valid bound.
  const dinterval o = dinterval(DBL_MAX) + dinterval(DBL_MAX);
  BOOST_TEST(o.hi == inf);
  BOOST_TEST(o.lo == DBL_MAX);
  const dinterval m = dinterval(DBL_MAX) * dinterval(-2.0);
  BOOST_TEST(m.lo == -inf);
  BOOST_TEST(m.hi == -DBL_MAX);
}

BOOST_AUTO_TEST_CASE(nan_arguments_give_nan_endpoints) {
  const double n = ref::nan;
  const dinterval good{-1.0, 2.0};
  const dinterval bad[] = {{n, n}, {n, 1.0}, {-1.0, n}};
  for (const dinterval& b : bad) {
    BOOST_TEST(has_nan(b + good));
    BOOST_TEST(has_nan(good + b));
    BOOST_TEST(has_nan(b - good));
    BOOST_TEST(has_nan(good - b));
    BOOST_TEST(has_nan(b * good));
    BOOST_TEST(has_nan(good * b));
    BOOST_TEST(has_nan(b / dinterval(1.0, 2.0)));
    BOOST_TEST(has_nan(good / b));
    BOOST_TEST(has_nan(sqr(b)));
    BOOST_TEST(has_nan(sqrt(b)));
    BOOST_TEST(has_nan(abs(b)));
    BOOST_TEST(has_nan(hull(b, good)));
    BOOST_TEST(has_nan(hull(good, b)));
    BOOST_TEST(has_nan(-b));
    BOOST_TEST(has_nan(intersect(b, -1.0, 1.0)));
    BOOST_TEST(!is_finite(b));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dinterval_unary)

// Exact range of a unary monotone-piecewise function on [lo, hi] for finite arguments.
BOOST_AUTO_TEST_CASE(sqr_sqrt_abs) {
  ref::gen g(201);
  ref::mp e(212), d(212), u(212);
  int fails = 0;
  for (int it = 0; it < kIters && fails < 10; ++it) {
    dinterval x;
    g.interval(x.lo, x.hi);
    const dinterval s = sqr(x), q = sqrt(x), a = abs(x);
    for (double t : g.points_in(x.lo, x.hi, 3)) {
      mpfr_set_d(e, t, MPFR_RNDN);
      mpfr_sqr(d, e, MPFR_RNDD);
      mpfr_sqr(u, e, MPFR_RNDU);
      if (!contains_mp(s, d, u)) { ++fails; BOOST_ERROR("sqr: t = " << t << " [" << s.lo << ", " << s.hi << "]"); }
      if (t >= 0) {
        mpfr_sqrt(d, e, MPFR_RNDD);
        mpfr_sqrt(u, e, MPFR_RNDU);
        if (!contains_mp(q, d, u)) { ++fails; BOOST_ERROR("sqrt: t = " << t << " [" << q.lo << ", " << q.hi << "]"); }
      }
      if (!contains(a, std::fabs(t))) { ++fails; BOOST_ERROR("abs: t = " << t); }
    }
    // abs is exact: [min |t|, max |t|].
    const double alo = (x.lo <= 0 && x.hi >= 0) ? 0.0 : std::min(std::fabs(x.lo), std::fabs(x.hi));
    const double ahi = std::max(std::fabs(x.lo), std::fabs(x.hi));
    if (!(a.lo == alo && a.hi == ahi)) { ++fails; BOOST_ERROR("abs not exact on [" << x.lo << ", " << x.hi << "]"); }
    if (!(std::isfinite(x.lo) && std::isfinite(x.hi))) continue;
    // Tightness: sqr range [0 or min t^2, max t^2]; sqrt range [sqrt(max(lo, 0)), sqrt(hi)].
    const double m = std::max(std::fabs(x.lo), std::fabs(x.hi));
    mpfr_set_d(e, m, MPFR_RNDN);
    mpfr_sqr(u, e, MPFR_RNDU);
    mpfr_set_d(e, alo, MPFR_RNDN);
    mpfr_sqr(d, e, MPFR_RNDD);
    if (!tight(s, d.down(), u.up(), kWidthSteps)) { ++fails; BOOST_ERROR("sqr too wide on [" << x.lo << ", " << x.hi << "]"); }
    if (x.hi >= 0) {
      mpfr_set_d(e, std::max(x.lo, 0.0), MPFR_RNDN);
      mpfr_sqrt(d, e, MPFR_RNDD);
      mpfr_set_d(e, x.hi, MPFR_RNDN);
      mpfr_sqrt(u, e, MPFR_RNDU);
      if (!tight(q, d.down(), u.up(), kWidthSteps)) { ++fails; BOOST_ERROR("sqrt too wide on [" << x.lo << ", " << x.hi << "]"); }
    }
  }
  BOOST_TEST(fails == 0);
  // The negative part of a sqrt argument is ignored; sqr of a straddling interval starts at 0.
  BOOST_TEST(sqrt(dinterval(-4.0, 4.0)).lo == 0.0);
  BOOST_TEST(sqrt(dinterval(-4.0, 4.0)).hi >= 2.0);
  BOOST_TEST(sqr(dinterval(-3.0, 2.0)).lo == 0.0);
  BOOST_TEST(sqr(dinterval(-3.0, 2.0)).hi >= 9.0);
  BOOST_TEST(sqrt(dinterval(0.0, inf)).hi == inf);
}

BOOST_AUTO_TEST_CASE(hull_and_intersect_are_exact) {
  ref::gen g(202);
  int fails = 0;
  for (int it = 0; it < kIters && fails < 10; ++it) {
    dinterval x, y;
    g.interval(x.lo, x.hi);
    g.interval(y.lo, y.hi);
    const dinterval h = hull(x, y);
    if (!(h.lo == std::min(x.lo, y.lo) && h.hi == std::max(x.hi, y.hi))) { ++fails; BOOST_ERROR("hull"); }
    double l = g.mixed(), u = g.mixed();
    if (u < l) std::swap(l, u);
    const dinterval s = intersect(x, l, u);
    if (x.hi >= l && x.lo <= u) {  // nonempty: exactly x meet [l, u]
      if (!(s.lo == std::max(x.lo, l) && s.hi == std::min(x.hi, u))) { ++fails; BOOST_ERROR("intersect"); }
    } else {  // empty: the nearer bound
      const double b = x.lo > u ? u : l;
      if (!(s.lo == b && s.hi == b)) { ++fails; BOOST_ERROR("intersect (empty)"); }
    }
  }
  BOOST_TEST(fails == 0);
}

BOOST_AUTO_TEST_CASE(observers) {
  const dinterval x{-1.5, 2.5};
  BOOST_TEST(lower_d(x) == -1.5);
  BOOST_TEST(upper_d(x) == 2.5);
  BOOST_TEST(contains(x, 0.0));
  BOOST_TEST(!contains(x, 3.0));
  BOOST_TEST(is_finite(x));
  BOOST_TEST(!is_finite(dinterval(0.0, inf)));
}

BOOST_AUTO_TEST_SUITE_END()
