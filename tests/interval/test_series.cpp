// g(theta) = sin theta - theta cos theta by series.hpp, on both tiers, against MPFR's sin and cos at
// a precision that outruns the cancellation (4x the tier's precision plus 3 bits per binade of
// theta below 1).
#include <boost/test/unit_test.hpp>

#include "interval/series.hpp"
#include "reference.hpp"

using namespace ntk;
using ref::inf;

namespace {

// [d, u] contains g(theta) for theta >= 0 held exactly in `th`; `base` bits beyond the cancellation.
void g_reference(mpfr_srcptr th, mpfr_prec_t base, mpfr_ptr d, mpfr_ptr u) {
  const mpfr_exp_t ex = mpfr_zero_p(th) ? 0 : mpfr_get_exp(th);
  const mpfr_prec_t p = base + 3 * (ex < 0 ? -ex : 0) + 20;
  ref::mp sd(p), su(p), cd(p), cu(p), t(p);
  // One evaluation each: an inexact value lies strictly between the RNDD result and its successor.
  if (mpfr_sin(sd, th, MPFR_RNDD)) {
    mpfr_set(su, sd, MPFR_RNDN);
    mpfr_nextabove(su);
  } else {
    mpfr_set(su, sd, MPFR_RNDN);
  }
  if (mpfr_cos(cd, th, MPFR_RNDD)) {
    mpfr_set(cu, cd, MPFR_RNDN);
    mpfr_nextabove(cu);
  } else {
    mpfr_set(cu, cd, MPFR_RNDN);
  }
  mpfr_mul(t, th, cu, MPFR_RNDU);  // theta >= 0
  mpfr_sub(d, sd, t, MPFR_RNDD);
  mpfr_mul(t, th, cd, MPFR_RNDD);
  mpfr_sub(u, su, t, MPFR_RNDU);
}

double hard_theta(ref::gen& g) {
  switch (g.integer(0, 4)) {
    case 0: return g.uniform(0, 1);
    case 1: return 1 - std::ldexp(g.uniform(0, 1), -g.integer(1, 60));
    case 2: return std::ldexp(g.uniform(0.5, 1), -g.integer(1, 40));
    case 3: return std::ldexp(g.uniform(0.5, 1), -g.integer(40, 1074));  // g underflows below 2^-358
    default: return ref::walk(1.0, -g.integer(0, 3));
  }
}

// Asserted widths (measured worst cases are printed by the test):
//  dinterval: each endpoint within 16 doubles of g rounded outward;
//  minterval at 128 bits: each endpoint within 2^-118 |g| of g.
constexpr int kDoubleSteps = 16;
constexpr long kPreciseSlackBits = 118;

}  // namespace

BOOST_AUTO_TEST_SUITE(series)

BOOST_AUTO_TEST_CASE(term_count_meets_its_inequality) {
  // (20/3)(N + 1) theta_max^(2N)/(2N + 3)! <= 2^-(bits + 2), checked in MPFR with outward rounding.
  for (long bits : {-5L, 0L, 24L, 53L, 64L, 113L, 128L, 256L, 512L, 1024L, 3000L})
    for (double theta_max : {1.0, 0.999, 0.5, 0.3, 0x1p-10, 1e-100}) {
      const int n = sin_minus_theta_cos_terms(bits, theta_max);
      BOOST_TEST(n >= 1);
      ref::mp f(20000), lhs(20000), t(20000);
      mpfr_fac_ui(f, 2 * n + 3, MPFR_RNDD);
      mpfr_set_d(t, theta_max, MPFR_RNDN);
      mpfr_pow_ui(t, t, 2 * n, MPFR_RNDU);
      mpfr_set_ui(lhs, 20 * (n + 1), MPFR_RNDU);
      mpfr_div_ui(lhs, lhs, 3, MPFR_RNDU);
      mpfr_mul(lhs, lhs, t, MPFR_RNDU);
      mpfr_div(lhs, lhs, f, MPFR_RNDU);
      mpfr_mul_2si(lhs, lhs, bits + 2, MPFR_RNDU);
      BOOST_TEST(mpfr_cmp_ui(lhs, 1) <= 0, "bits = " << bits << " theta_max = " << theta_max << " N = " << n);
    }
  // Small arguments need fewer terms.
  BOOST_TEST(sin_minus_theta_cos_terms(53, 0x1p-10) < sin_minus_theta_cos_terms(53, 1.0));
  BOOST_TEST(sin_minus_theta_cos_terms(53) == sin_minus_theta_cos_terms(53, 1.0));
}

BOOST_AUTO_TEST_CASE(double_tier_contains_and_is_tight) {
  ref::gen g(401);
  ref::mp d(400), u(400);
  int fails = 0, worst = 0;
  for (int i = 0; i < 6000 && fails < 10; ++i) {
    double lo = hard_theta(g), hi = lo;
    if (i % 3 == 1) hi = hard_theta(g);
    if (i % 3 == 2) {  // stick out of [0, 1] on either side
      lo = g.uniform(-0.5, 0.5);
      hi = g.uniform(0.5, 1.5);
    }
    if (hi < lo) std::swap(lo, hi);
    const dinterval r = sin_minus_theta_cos(dinterval(lo, hi));
    const double a = std::max(lo, 0.0), b = std::min(hi, 1.0);
    for (int end = 0; end < 2; ++end) {
      const ref::mp th(end == 0 ? a : b, 60);
      g_reference(th, 212, d, u);
      bool ok;
      if (end == 0) {
        ok = mpfr_cmp_d(d, r.lo) >= 0;
        if (a > 0) {  // (a lower end at 0 is exact)
          worst = std::max(worst, static_cast<int>(ref::steps(r.lo, d.down())));
          ok = ok && r.lo >= ref::walk(d.down(), -kDoubleSteps);
        } else {
          ok = ok && r.lo == 0.0;
        }
      } else {
        ok = mpfr_cmp_d(u, r.hi) <= 0;
        worst = std::max(worst, static_cast<int>(ref::steps(u.up(), r.hi)));
        ok = ok && r.hi <= ref::walk(u.up(), kDoubleSteps);
      }
      if (!ok) {
        ++fails;
        BOOST_ERROR("g([" << std::hexfloat << lo << ", " << hi << "]) = [" << r.lo << ", " << r.hi << "] end " << end);
      }
    }
  }
  BOOST_TEST(fails == 0);
  BOOST_TEST_MESSAGE("g on dinterval: worst endpoint " << worst << " doubles beyond g rounded outward");
}

BOOST_AUTO_TEST_CASE(double_tier_exceptions) {
  const dinterval z = sin_minus_theta_cos(dinterval(0.0));
  BOOST_TEST(z.lo == 0.0);
  BOOST_TEST(z.hi == 0.0);
  const dinterval neg = sin_minus_theta_cos(dinterval(-1.0, 0.0));
  BOOST_TEST(neg.lo == 0.0);
  BOOST_TEST(neg.hi == 0.0);
  for (const dinterval& bad : {dinterval(ref::nan), dinterval(ref::nan, 0.5), dinterval(0.25, ref::nan),
                               dinterval(-2.0, -0.5), dinterval(std::nextafter(1.0, 2.0), 3.0), dinterval(0.75, 0.5)}) {
    const dinterval r = sin_minus_theta_cos(bad);
    BOOST_TEST((std::isnan(r.lo) && std::isnan(r.hi)));
  }
  // Clipping: [0.5, inf] behaves like [0.5, 1].
  const dinterval c = sin_minus_theta_cos(dinterval(0.5, inf)), e = sin_minus_theta_cos(dinterval(0.5, 1.0));
  BOOST_TEST(c.lo == e.lo);
  BOOST_TEST(c.hi == e.hi);
}

BOOST_AUTO_TEST_CASE(precise_tier_contains_and_is_tight) {
  const long bits = set_working_precision_bits(128);
  BOOST_TEST(bits >= 128);
  ref::gen g(402);
  ref::mp d(900), u(900), w(900), lim(900);
  int fails = 0;
  double worst_rel_bits = 1e9;
  for (int i = 0; i < 1500 && fails < 10; ++i) {
    // A random 128-bit theta in (0, 1], or a 128-bit interval.
    ref::mp th(128), th2(128);
    mpfr_set_d(th, hard_theta(g), MPFR_RNDN);
    mpfr_set_d(th2, g.uniform(-1, 1), MPFR_RNDN);
    mpfr_mul_2si(th2, th2, mpfr_get_exp(th.v) - 60, MPFR_RNDN);
    mpfr_add(th, th, th2, MPFR_RNDN);  // extra low bits beyond a double
    if (mpfr_cmp_ui(th, 1) > 0) mpfr_set_ui(th, 1, MPFR_RNDN);
    if (mpfr_sgn(th.v) <= 0) continue;
    minterval x;
    mpfi_set_fr(mpfi_of(x), th);
    const minterval r = sin_minus_theta_cos(x);
    g_reference(th, 512, d, u);
    const bool contained = mpfr_cmp(&mpfi_of(r)->left, d) <= 0 && mpfr_cmp(&mpfi_of(r)->right, u) >= 0;
    // Relative width: (right - left) / d <= 2^-kPreciseSlackBits (both ends lumped together).
    mpfr_sub(w, &mpfi_of(r)->right, &mpfi_of(r)->left, MPFR_RNDU);
    bool tight = true;
    if (mpfr_sgn(d.v) > 0) {
      mpfr_div(w, w, d, MPFR_RNDU);
      mpfr_set_ui_2exp(lim, 1, -kPreciseSlackBits, MPFR_RNDN);
      tight = mpfr_cmp(w, lim) <= 0;
      if (!mpfr_zero_p(w.v)) worst_rel_bits = std::min(worst_rel_bits, -std::log2(mpfr_get_d(w, MPFR_RNDU)));
    }
    if (!contained || !tight) {
      ++fails;
      BOOST_ERROR("minterval g(" << mpfr_get_d(th, MPFR_RNDN) << ") contained " << contained << " tight " << tight);
    }
  }
  BOOST_TEST(fails == 0);
  BOOST_TEST_MESSAGE("g on minterval(128): worst relative width 2^-" << worst_rel_bits);
  // Exceptions on the precise tier.
  const minterval z = sin_minus_theta_cos(make_minterval(0.0, 0.0));
  BOOST_TEST(mpfr_zero_p(&mpfi_of(z)->left));
  BOOST_TEST(mpfr_zero_p(&mpfi_of(z)->right));
  const minterval nan_r = sin_minus_theta_cos(make_minterval(2.0, 3.0));
  BOOST_TEST(mpfr_nan_p(&mpfi_of(nan_r)->left));
  set_working_precision_bits(53);
}

BOOST_AUTO_TEST_SUITE_END()
