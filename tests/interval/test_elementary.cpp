// Validated asin/acos on dinterval against MPFR at 212 bits; the hard-coded constants against
// exact rationals (GMP) and MPFR's pi.
#include <boost/test/unit_test.hpp>

#include <gmp.h>

#include "interval/detail/asin_kernel.hpp"
#include "interval/dinterval_elementary.hpp"
#include "reference.hpp"

using namespace ntk;
using ref::inf;

namespace {

// Asserted tightness: each endpoint within 3 doubles of the exact value rounded outward.
constexpr int kEndpointSteps = 3;

// [d, u] brackets f(t) (MPFR at 212 bits, one evaluation: an inexact result lies strictly between
// the directed-rounded value and its successor).
void reference(bool is_asin, double t, ref::mp& d, ref::mp& u) {
  ref::mp x(t, 212);
  const int inexact = is_asin ? mpfr_asin(d, x, MPFR_RNDD) : mpfr_acos(d, x, MPFR_RNDD);
  mpfr_set(u, d, MPFR_RNDN);
  if (inexact) mpfr_nextabove(u);
}

// Checks the lower (or upper) endpoint `e` of a result against f(t): containment and tightness.
bool check_endpoint(bool is_asin, bool is_lower, double t, double e, int& worst) {
  ref::mp d(212), u(212);
  reference(is_asin, t, d, u);
  if (is_lower) {
    if (mpfr_cmp_d(d, e) < 0) return false;
    worst = std::max(worst, static_cast<int>(ref::steps(e, d.down())));
    return e >= ref::walk(d.down(), -kEndpointSteps);
  }
  if (mpfr_cmp_d(u, e) > 0) return false;
  worst = std::max(worst, static_cast<int>(ref::steps(u.up(), e)));
  return e <= ref::walk(u.up(), kEndpointSteps);
}

// Points of [-1, 1] that exercise every branch and edge of the evaluation.
double hard_point(ref::gen& g) {
  const double sign = g.integer(0, 1) ? 1.0 : -1.0;
  switch (g.integer(0, 6)) {
    case 0: return g.uniform(-1, 1);
    case 1: return sign * (1 - std::ldexp(g.uniform(0, 1), -g.integer(1, 60)));  // near +-1
    case 2: return sign * ref::walk(1.0, -g.integer(0, 6));
    case 3: return sign * (0.5 + std::ldexp(g.uniform(-1, 1), -g.integer(1, 60)));  // near +-1/2
    case 4: return sign * ref::walk(0.5, g.integer(-4, 4));
    case 5: return std::ldexp(g.uniform(-1, 1), -g.integer(0, 1080));  // small, subnormal
    default: return sign * ref::walk(0x1p-26, g.integer(-3, 3));    // kernel branch edges
  }
}

const dinterval kNaNResult{ref::nan, ref::nan};
bool is_nan_result(const dinterval& r) { return std::isnan(r.lo) && std::isnan(r.hi); }

}  // namespace

BOOST_AUTO_TEST_SUITE(elementary)

BOOST_AUTO_TEST_CASE(series_coefficients_are_nearest_doubles) {
  // c_k = (2k)! / (4^k (k!)^2 (2k+1)) as an exact rational, rounded to nearest by MPFR.
  mpz_t num, den, f;
  mpz_inits(num, den, f, nullptr);
  mpq_t q;
  mpq_init(q);
  ref::mp c(53);
  for (int k = 1; k <= 24; ++k) {
    mpz_fac_ui(num, 2 * k);
    mpz_fac_ui(f, k);
    mpz_mul(den, f, f);
    mpz_mul_2exp(den, den, 2 * k);
    mpz_mul_ui(den, den, 2 * k + 1);
    mpq_set_num(q, num);
    mpq_set_den(q, den);
    mpq_canonicalize(q);
    mpfr_set_q(c, q, MPFR_RNDN);
    BOOST_TEST(detail::kAsinCoef[k - 1] == mpfr_get_d(c, MPFR_RNDN), "k = " << k);
  }
  mpq_clear(q);
  mpz_clears(num, den, f, nullptr);
}

BOOST_AUTO_TEST_CASE(half_pi_constants) {
  ref::mp pi(400), r(400);
  mpfr_const_pi(pi, MPFR_RNDN);
  mpfr_div_2ui(pi, pi, 1, MPFR_RNDN);  // pi/2 to 400 bits (exact halving)
  BOOST_TEST(detail::kHalfPiHi == mpfr_get_d(pi, MPFR_RNDN));
  mpfr_sub_d(r, pi, detail::kHalfPiHi, MPFR_RNDN);  // exact at 400 bits
  // The enclosure of pi/2 - hi must hold even after 400-bit rounding of pi: the gap is ~2^-53 ulp.
  BOOST_TEST(mpfr_cmp_d(r, detail::kHalfPiLoDown) > 0);
  BOOST_TEST(mpfr_cmp_d(r, detail::kHalfPiLoUp) < 0);
  BOOST_TEST(detail::kHalfPiLoUp == std::nextafter(detail::kHalfPiLoDown, inf));
  BOOST_TEST(2 * detail::kHalfPiHi == dinterval_pi.lo);
}

BOOST_AUTO_TEST_CASE(kernel_encloses_asin_minus_w) {
  // The proven bound of the kernel itself, far below the final rounding: r = asin(w) - w must lie
  // in [r_lo, r_hi], whose half-width is 16u relative; the proof allows |r~ - r| <= 13u.
  ref::gen g(303);
  ref::mp a(212), lo(212), hi(212), w_mp(212), m(212);
  int fails = 0;
  double worst_u = 0;
  for (int i = 0; i < 30000 && fails < 10; ++i) {
    double w;
    switch (i % 6) {
      case 0: w = g.uniform(0, 0.5); break;
      case 1: w = ref::walk(0.5, -g.integer(0, 8)); break;
      case 2: w = ref::walk(0x1p-8, g.integer(-4, 4)); break;   // s = 2^-16: polynomial switch
      case 3: w = ref::walk(0x1p-26, g.integer(-4, 4)); break;  // small-argument switch
      case 4: w = std::ldexp(g.uniform(0.5, 1), -g.integer(1, 30)); break;
      default: w = std::ldexp(g.uniform(0.5, 1), -g.integer(26, 1074)); break;
    }
    const detail::asin_split k = detail::asin_kernel(w);
    mpfr_set_d(w_mp, w, MPFR_RNDN);
    const bool inexact = mpfr_asin(a, w_mp, MPFR_RNDD) != 0;
    mpfr_sub(lo, a, w_mp, MPFR_RNDD);  // lo <= asin(w) - w
    if (inexact) mpfr_nextabove(a);
    mpfr_sub(hi, a, w_mp, MPFR_RNDU);  // hi >= asin(w) - w
    bool ok = k.w == w && mpfr_cmp_d(lo, k.r_lo) >= 0 && mpfr_cmp_d(hi, k.r_hi) <= 0 && k.r_lo <= k.r_hi;
    if (w >= 0x1p-26) {
      ok = ok && (k.r_hi - k.r_lo) <= 0x1p-47 * k.r_hi;
      // |midpoint - r| / r in units of u: the computed r~ is the midpoint up to one rounding.
      mpfr_set_d(m, k.r_lo, MPFR_RNDN);
      mpfr_add_d(m, m, k.r_hi, MPFR_RNDN);
      mpfr_div_2ui(m, m, 1, MPFR_RNDN);
      mpfr_sub(m, m, lo, MPFR_RNDN);
      mpfr_div(m, m, lo, MPFR_RNDN);
      worst_u = std::max(worst_u, std::fabs(mpfr_get_d(m, MPFR_RNDN)) * 0x1p53);
    }
    if (!ok) {
      ++fails;
      BOOST_ERROR("kernel at w = " << std::hexfloat << w << ": [" << k.r_lo << ", " << k.r_hi << "]");
    }
  }
  BOOST_TEST(fails == 0);
  BOOST_TEST(worst_u <= 13.0);
  BOOST_TEST_MESSAGE("asin kernel: worst relative error of the correction " << worst_u << " u (proven <= 13 u)");
}

BOOST_AUTO_TEST_CASE(sqrt_bracket_is_one_ulp) {
  ref::gen g(304);
  ref::mp x(212), r(212);
  int fails = 0;
  for (int i = 0; i < 50000 && fails < 10; ++i) {
    const double t = i % 2 ? g.uniform(0.5, 1) : 1 - std::ldexp(g.uniform(0, 0.5), -g.integer(0, 52));
    const double half = 0.5 * (1.0 - t);  // exact
    double lo, hi;
    detail::sqrt_bracket(half, lo, hi);
    mpfr_set_d(x, half, MPFR_RNDN);
    mpfr_sqrt(r, x, MPFR_RNDN);
    const bool exact = mpfr_cmp_d(r, std::sqrt(half)) == 0 && mpfr_sqrt(r, x, MPFR_RNDN) == 0;
    const bool ok = mpfr_cmp_d(r, lo) >= 0 && mpfr_cmp_d(r, hi) <= 0 && hi <= std::nextafter(lo, ref::inf) &&
                    hi <= 0.5 && (exact ? lo == hi : lo < hi);
    if (!ok) {
      ++fails;
      BOOST_ERROR("sqrt bracket of " << std::hexfloat << half << ": [" << lo << ", " << hi << "]");
    }
  }
  BOOST_TEST(fails == 0);
}

BOOST_AUTO_TEST_CASE(points_contained_and_tight) {
  ref::gen g(301);
  int fails = 0, worst_asin = 0, worst_acos = 0;
  for (int i = 0; i < 22000 && fails < 10; ++i) {
    const double t = hard_point(g);
    const dinterval a = asin(dinterval(t)), c = acos(dinterval(t));
    if (!check_endpoint(true, true, t, a.lo, worst_asin) || !check_endpoint(true, false, t, a.hi, worst_asin)) {
      ++fails;
      BOOST_ERROR("asin(" << std::hexfloat << t << ") = [" << a.lo << ", " << a.hi << "]");
    }
    if (!check_endpoint(false, true, t, c.lo, worst_acos) || !check_endpoint(false, false, t, c.hi, worst_acos)) {
      ++fails;
      BOOST_ERROR("acos(" << std::hexfloat << t << ") = [" << c.lo << ", " << c.hi << "]");
    }
  }
  BOOST_TEST(fails == 0);
  BOOST_TEST_MESSAGE("asin: worst endpoint " << worst_asin << " doubles beyond the exact value rounded outward; acos: " << worst_acos);
}

BOOST_AUTO_TEST_CASE(intervals_clipped_and_contained) {
  ref::gen g(302);
  int fails = 0, worst = 0;
  for (int i = 0; i < 4000 && fails < 10; ++i) {
    double lo, hi;
    if (g.integer(0, 1)) {
      lo = hard_point(g) * g.uniform(1, 1.3);
      hi = hard_point(g) * g.uniform(1, 1.3);
    } else {
      g.interval(lo, hi);
    }
    if (hi < lo) std::swap(lo, hi);
    const dinterval x{lo, hi}, a = asin(x), c = acos(x);
    const double l = std::max(lo, -1.0), h = std::min(hi, 1.0);
    if (l > h) {
      if (!is_nan_result(a) || !is_nan_result(c)) { ++fails; BOOST_ERROR("disjoint from [-1, 1] must give NaN"); }
      continue;
    }
    // asin increasing, acos decreasing: the range over [l, h] is spanned by the endpoints.
    const bool ok = check_endpoint(true, true, l, a.lo, worst) && check_endpoint(true, false, h, a.hi, worst) &&
                    check_endpoint(false, true, h, c.lo, worst) && check_endpoint(false, false, l, c.hi, worst);
    if (!ok) {
      ++fails;
      BOOST_ERROR("on [" << std::hexfloat << lo << ", " << hi << "]: asin [" << a.lo << ", " << a.hi << "] acos [" << c.lo << ", " << c.hi << "]");
    }
  }
  BOOST_TEST(fails == 0);
}

BOOST_AUTO_TEST_CASE(exact_points_and_exceptions) {
  const double h = detail::kHalfPiHi, h_up = std::nextafter(h, inf);
  BOOST_TEST(asin(dinterval(0.0)).lo == 0.0);
  BOOST_TEST(asin(dinterval(0.0)).hi == 0.0);
  BOOST_TEST(asin(dinterval(-0.0)).lo == 0.0);
  BOOST_TEST(asin(dinterval(-0.0)).hi == 0.0);
  BOOST_TEST(asin(dinterval(1.0)).lo == h);
  BOOST_TEST(asin(dinterval(1.0)).hi == h_up);
  BOOST_TEST(asin(dinterval(-1.0)).lo == -h_up);
  BOOST_TEST(asin(dinterval(-1.0)).hi == -h);
  BOOST_TEST(acos(dinterval(1.0)).lo == 0.0);
  BOOST_TEST(acos(dinterval(1.0)).hi == 0.0);
  BOOST_TEST(acos(dinterval(0.0)).lo == h);
  BOOST_TEST(acos(dinterval(0.0)).hi == h_up);
  BOOST_TEST(acos(dinterval(-1.0)).lo == dinterval_pi.lo);
  BOOST_TEST(acos(dinterval(-1.0)).hi == dinterval_pi.hi);
  // Small and subnormal t: [t, next double up].
  for (double t : {0x1p-1074, 3 * 0x1p-1074, 0x1p-1022, 0x1p-700, 0x1.fffffp-27}) {
    BOOST_TEST(asin(dinterval(t)).lo == t);
    BOOST_TEST(asin(dinterval(t)).hi == std::nextafter(t, inf));
    BOOST_TEST(asin(dinterval(-t)).lo == -std::nextafter(t, inf));
    BOOST_TEST(asin(dinterval(-t)).hi == -t);
  }
  // Whole line: [-pi/2, pi/2] and [0, pi].
  const dinterval all{-inf, inf};
  BOOST_TEST(asin(all).lo == -h_up);
  BOOST_TEST(asin(all).hi == h_up);
  BOOST_TEST(acos(all).lo == 0.0);
  BOOST_TEST(acos(all).hi == dinterval_pi.hi);
  // NaN, empty, disjoint.
  for (const dinterval& bad : {dinterval(ref::nan, 0.5), dinterval(-0.5, ref::nan), kNaNResult, dinterval(0.5, 0.25),
                               dinterval(1.5, 2.0), dinterval(-3.0, std::nextafter(-1.0, -inf)), dinterval(inf, inf)}) {
    BOOST_TEST(is_nan_result(asin(bad)));
    BOOST_TEST(is_nan_result(acos(bad)));
  }
  // Touching the domain at one point.
  BOOST_TEST(asin(dinterval(1.0, 5.0)).lo == h);
  BOOST_TEST(acos(dinterval(-7.0, -1.0)).hi == dinterval_pi.hi);
}

BOOST_AUTO_TEST_SUITE_END()
