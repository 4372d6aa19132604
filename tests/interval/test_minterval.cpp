// minterval basics at 128 bits against MPFR at 512 bits: precision setting, asin/acos (domain
// clipping), sqrt_nonneg, sqr, intersect, lower_d/upper_d, traits.
#include <boost/test/unit_test.hpp>

#include "interval/interval.hpp"
#include "reference.hpp"

using namespace ntk;
using ref::inf;

namespace {

constexpr mpfr_prec_t kRef = 512;

// A random number of `prec` bits in [lo, hi] (hi - lo moderate), with low bits beyond a double.
void random_mp(ref::gen& g, mpfr_ptr r, double lo, double hi) {
  ref::mp t(mpfr_get_prec(r));
  mpfr_set_d(r, g.uniform(lo, hi), MPFR_RNDN);
  mpfr_set_d(t, g.uniform(-1, 1), MPFR_RNDN);
  mpfr_mul_2si(t, t, (mpfr_zero_p(r) ? 0 : mpfr_get_exp(r)) - 60, MPFR_RNDN);
  mpfr_add(r, r, t, MPFR_RNDN);
}

// v rounded to `prec` bits in direction rnd, then moved `k` further positions outward at that
// precision: the loosest endpoint we accept (k = 1: one ulp beyond the correctly rounded bound).
void outward_limit(mpfr_srcptr v, mpfr_prec_t prec, bool down, int k, mpfr_ptr out) {
  mpfr_set_prec(out, prec);
  mpfr_set(out, v, down ? MPFR_RNDD : MPFR_RNDU);
  for (int i = 0; i < k; ++i) down ? mpfr_nextbelow(out) : mpfr_nextabove(out);
}

bool is_nan(const minterval& x) { return mpfr_nan_p(&mpfi_of(x)->left) && mpfr_nan_p(&mpfi_of(x)->right); }

minterval from_mp(mpfr_srcptr l, mpfr_srcptr h) {
  minterval x;
  mpfi_interv_fr(mpfi_of(x), l, h);
  return x;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(minterval_basics)

BOOST_AUTO_TEST_CASE(working_precision_gives_at_least_the_request) {
  for (long bits : {53L, 54L, 64L, 100L, 113L, 128L, 200L, 256L, 333L, 512L, 1000L, 2048L}) {
    const long got = set_working_precision_bits(bits);
    BOOST_TEST(got >= bits);
    BOOST_TEST(got <= bits + 4);  // the smallest decimal digit count: 3.33 bits per digit
    BOOST_TEST(working_precision_bits() == got);
    minterval x;
    mreal y;
    BOOST_TEST(static_cast<long>(mpfi_get_prec(mpfi_of(x))) == got);
    BOOST_TEST(static_cast<long>(mpfr_get_prec(y.backend().data())) >= bits);
    BOOST_TEST(interval_traits<minterval>::precision_bits() == got);
  }
  BOOST_TEST(set_working_precision_bits(10) >= 10);
  set_working_precision_bits(53);
}

BOOST_AUTO_TEST_CASE(asin_acos_contain_and_are_tight) {
  const long p = set_working_precision_bits(128);
  ref::gen g(501);
  ref::mp a(p), b(p), ex(kRef), lim(p);
  int fails = 0;
  for (int i = 0; i < 1500 && fails < 10; ++i) {
    // Endpoints in [-1.2, 1.2], near +-1 and +-1/2 half of the time.
    for (mpfr_ptr e : {static_cast<mpfr_ptr>(a), static_cast<mpfr_ptr>(b)}) {
      const int k = g.integer(0, 3);
      if (k == 0) random_mp(g, e, -1.2, 1.2);
      else if (k == 1) random_mp(g, e, 1 - 1e-9, 1);
      else if (k == 2) random_mp(g, e, -1, -1 + 1e-9);
      else random_mp(g, e, 0.5 - 1e-12, 0.5 + 1e-12);
      if (g.integer(0, 1)) mpfr_neg(e, e, MPFR_RNDN);
    }
    if (i % 4 == 0) mpfr_set(b, a, MPFR_RNDN);  // point intervals
    if (mpfr_cmp(a, b) > 0) mpfr_swap(a, b);
    const minterval x = from_mp(a, b), s = asin(x), c = acos(x);
    ref::mp l(p), h(p);
    mpfr_max(l, a, ref::mp(-1.0, 53), MPFR_RNDN);
    mpfr_min(h, b, ref::mp(1.0, 53), MPFR_RNDN);
    if (mpfr_cmp(l, h) > 0) {
      if (!is_nan(s) || !is_nan(c)) { ++fails; BOOST_ERROR("disjoint from [-1, 1] must give NaN"); }
      continue;
    }
    bool ok = true;
    // asin: left <= asin(l) with left >= asin(l) rounded down to p bits, one more ulp allowed.
    mpfr_asin(ex, l, MPFR_RNDD);
    outward_limit(ex, p, true, 1, lim);
    ok = ok && mpfr_cmp(&mpfi_of(s)->left, ex) <= 0 && mpfr_cmp(&mpfi_of(s)->left, lim) >= 0;
    mpfr_asin(ex, h, MPFR_RNDU);
    outward_limit(ex, p, false, 1, lim);
    ok = ok && mpfr_cmp(&mpfi_of(s)->right, ex) >= 0 && mpfr_cmp(&mpfi_of(s)->right, lim) <= 0;
    mpfr_acos(ex, h, MPFR_RNDD);
    outward_limit(ex, p, true, 1, lim);
    ok = ok && mpfr_cmp(&mpfi_of(c)->left, ex) <= 0 && mpfr_cmp(&mpfi_of(c)->left, lim) >= 0;
    mpfr_acos(ex, l, MPFR_RNDU);
    outward_limit(ex, p, false, 1, lim);
    ok = ok && mpfr_cmp(&mpfi_of(c)->right, ex) >= 0 && mpfr_cmp(&mpfi_of(c)->right, lim) <= 0;
    if (!ok) { ++fails; BOOST_ERROR("asin/acos on [" << mpfr_get_d(a, MPFR_RNDD) << ", " << mpfr_get_d(b, MPFR_RNDU) << "]"); }
  }
  BOOST_TEST(fails == 0);
  BOOST_TEST(is_nan(asin(interval_traits<minterval>::nan())));
  BOOST_TEST(is_nan(acos(make_minterval(ref::nan, 0.5))));
  BOOST_TEST(is_nan(asin(make_minterval(1.5, 2.0))));
  set_working_precision_bits(53);
}

BOOST_AUTO_TEST_CASE(sqrt_nonneg_sqr_intersect) {
  const long p = set_working_precision_bits(128);
  ref::gen g(502);
  ref::mp a(p), b(p), ex(kRef), lim(p), t(kRef);
  int fails = 0;
  for (int i = 0; i < 3000 && fails < 10; ++i) {
    random_mp(g, a, -4, 16);
    random_mp(g, b, -4, 16);
    if (i % 5 == 0) mpfr_set(b, a, MPFR_RNDN);
    if (mpfr_cmp(a, b) > 0) mpfr_swap(a, b);
    const minterval x = from_mp(a, b);
    bool ok = true;
    // sqrt_nonneg: [sqrt(max(a, 0)), sqrt(max(b, 0))], each end within one ulp outward.
    const minterval q = sqrt_nonneg(x);
    mpfr_max(t, a, ref::mp(0.0, 53), MPFR_RNDN);
    mpfr_sqrt(ex, t, MPFR_RNDD);
    outward_limit(ex, p, true, 1, lim);
    ok = ok && mpfr_cmp(&mpfi_of(q)->left, ex) <= 0 && mpfr_cmp(&mpfi_of(q)->left, lim) >= 0;
    mpfr_max(t, b, ref::mp(0.0, 53), MPFR_RNDN);
    mpfr_sqrt(ex, t, MPFR_RNDU);
    outward_limit(ex, p, false, 1, lim);
    ok = ok && mpfr_cmp(&mpfi_of(q)->right, ex) >= 0 && mpfr_cmp(&mpfi_of(q)->right, lim) <= 0;
    if (!ok) { ++fails; BOOST_ERROR("sqrt_nonneg on [" << mpfr_get_d(a, MPFR_RNDD) << ", " << mpfr_get_d(b, MPFR_RNDU) << "]"); }
    // sqr: contains t^2 at the ends and at 0 when straddling.
    const minterval s = sqr(x);
    for (mpfr_srcptr e : {static_cast<mpfr_srcptr>(a), static_cast<mpfr_srcptr>(b)}) {
      mpfr_sqr(ex, e, MPFR_RNDN);  // exact at 512 bits
      if (mpfr_cmp(&mpfi_of(s)->left, ex) > 0 || mpfr_cmp(&mpfi_of(s)->right, ex) < 0) { ++fails; BOOST_ERROR("sqr"); }
    }
    if (mpfr_sgn(a.v) <= 0 && mpfr_sgn(b.v) >= 0 && !mpfr_zero_p(&mpfi_of(s)->left)) { ++fails; BOOST_ERROR("sqr straddling 0"); }
    // intersect with [l, h]: the exact meet, or the nearer bound when empty.
    double l = g.uniform(-2, 8), h = g.uniform(-2, 8);
    if (h < l) std::swap(l, h);
    const minterval m = intersect(x, l, h);
    if (mpfr_cmp_d(b, l) >= 0 && mpfr_cmp_d(a, h) <= 0) {
      mpfr_max(t, a, ref::mp(l, 53), MPFR_RNDN);
      ok = mpfr_equal_p(&mpfi_of(m)->left, t);
      mpfr_min(t, b, ref::mp(h, 53), MPFR_RNDN);
      ok = ok && mpfr_equal_p(&mpfi_of(m)->right, t);
    } else {
      const double bound = mpfr_cmp_d(a, h) > 0 ? h : l;
      ok = mpfr_cmp_d(&mpfi_of(m)->left, bound) == 0 && mpfr_cmp_d(&mpfi_of(m)->right, bound) == 0;
    }
    if (!ok) { ++fails; BOOST_ERROR("intersect"); }
  }
  BOOST_TEST(fails == 0);
  set_working_precision_bits(53);
}

BOOST_AUTO_TEST_CASE(double_observers_are_outward_and_tight) {
  const long p = set_working_precision_bits(128);
  ref::gen g(503);
  ref::mp a(p), b(p);
  int fails = 0;
  for (int i = 0; i < 20000 && fails < 10; ++i) {
    const double scale = std::ldexp(1.0, g.integer(-1100, 1100));  // includes out-of-range values
    random_mp(g, a, -1, 1);
    random_mp(g, b, -1, 1);
    mpfr_mul_d(a, a, scale, MPFR_RNDN);
    mpfr_mul_d(b, b, scale, MPFR_RNDN);
    if (mpfr_cmp(a, b) > 0) mpfr_swap(a, b);
    const minterval x = from_mp(a, b);
    const double lo = lower_d(x), hi = upper_d(x);
    // lo <= a < next double above lo (or lo = DBL_MAX... overflow), and mirrored for hi.
    const bool ok = mpfr_cmp_d(a, lo) >= 0 && (lo == inf || mpfr_cmp_d(a, std::nextafter(lo, inf)) < 0) &&
                    mpfr_cmp_d(b, hi) <= 0 && (hi == -inf || mpfr_cmp_d(b, std::nextafter(hi, -inf)) > 0);
    if (!ok) { ++fails; BOOST_ERROR("lower_d/upper_d of [" << lo << ", " << hi << "]"); }
  }
  BOOST_TEST(fails == 0);
  const minterval x = make_minterval(-1.5, 2.0);
  BOOST_TEST(contains(x, 0.0));
  BOOST_TEST(contains(x, -1.5));
  BOOST_TEST(!contains(x, 2.5));
  BOOST_TEST(is_finite(x));
  BOOST_TEST(!is_finite(make_minterval(0.0, inf)));
  set_working_precision_bits(53);
}

BOOST_AUTO_TEST_CASE(traits) {
  const long p = set_working_precision_bits(128);
  using T = interval_traits<minterval>;
  const minterval pi = T::pi();
  ref::mp pr(kRef);
  mpfr_const_pi(pr, MPFR_RNDN);
  BOOST_TEST(mpfr_cmp(&mpfi_of(pi)->left, pr) < 0);
  BOOST_TEST(mpfr_cmp(&mpfi_of(pi)->right, pr) > 0);
  BOOST_TEST(static_cast<long>(mpfi_get_prec(mpfi_of(pi))) == p);
  const minterval x = T::make(0.25, 0.75);
  BOOST_TEST(mpfr_cmp_d(&mpfi_of(T::lower_point(x))->left, 0.25) == 0);
  BOOST_TEST(mpfr_cmp_d(&mpfi_of(T::lower_point(x))->right, 0.25) == 0);
  BOOST_TEST(mpfr_cmp_d(&mpfi_of(T::upper_point(x))->left, 0.75) == 0);
  BOOST_TEST(mpfr_cmp_d(&mpfi_of(T::upper_point(x))->right, 0.75) == 0);
  BOOST_TEST(is_nan(T::nan()));
  const dinterval dp = interval_traits<dinterval>::pi();
  ref::mp dr(kRef);
  mpfr_const_pi(dr, MPFR_RNDN);
  BOOST_TEST(mpfr_cmp_d(dr, dp.lo) > 0);
  BOOST_TEST(mpfr_cmp_d(dr, dp.hi) < 0);
  BOOST_TEST(std::isnan(interval_traits<dinterval>::nan().lo));
  set_working_precision_bits(53);
}

BOOST_AUTO_TEST_SUITE_END()
