// round_down / round_up / next_up / next_down against MPFR and std::nextafter.
#include <boost/test/unit_test.hpp>

#include "interval/rounding.hpp"
#include "reference.hpp"

using namespace ntk;
using ref::inf;

namespace {

// Checks round_down(RN(z)) <= z <= round_up(RN(z)) for the real z held in an MPFR number, and that
// each bound is at most two doubles beyond RN(z) (Rump et al.: succ or succ of succ).
int check_real(mpfr_srcptr z) {
  const double s = mpfr_get_d(z, MPFR_RNDN);
  const double d = round_down(s), u = round_up(s);
  int fails = 0;
  if (mpfr_cmp_d(z, d) < 0 || mpfr_cmp_d(z, u) > 0) ++fails;
  if (std::isfinite(s)) {
    if (!(d >= ref::walk(s, -2) && d <= ref::walk(s, -1))) ++fails;
    if (!(u <= ref::walk(s, 2) && u >= ref::walk(s, 1))) ++fails;
  }
  if (fails) BOOST_ERROR("z = " << mpfr_get_d(z, MPFR_RNDN) << " s = " << s << " [" << d << ", " << u << "]");
  return fails;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rounding)

BOOST_AUTO_TEST_CASE(bounds_every_real_that_rounds_to_s) {
  // z = a double times (1 + e) for tiny relative offsets e of both signs, and midpoints: around
  // every power of two, through the subnormals, and up to and beyond DBL_MAX.
  ref::mp z(300), t(300);
  int fails = 0;
  std::vector<double> centres;
  for (int k = -1074; k <= 1023; ++k) centres.push_back(std::ldexp(1.0, k));
  for (double c : ref::special_doubles())
    if (std::isfinite(c)) centres.push_back(c);
  const double offsets[] = {0.0, 0x1p-54, -0x1p-54, 0x1p-53, -0x1p-53, 0x1p-60, -0x1p-60, 0x1p-52, -0x1p-52, 3 * 0x1p-54};
  for (double c : centres)
    for (int k = -1; k <= 1; ++k) {
      const double x = ref::walk(c, k);
      if (!std::isfinite(x)) continue;
      for (double e : offsets) {
        mpfr_set_d(z, x, MPFR_RNDN);
        mpfr_mul_d(t, z, e, MPFR_RNDN);  // exact
        mpfr_add(z, z, t, MPFR_RNDN);    // exact at 300 bits for these e
        fails += check_real(z);
        // half the smallest subnormal in absolute terms: matters where relative offsets vanish
        mpfr_set_d(z, x, MPFR_RNDN);
        mpfr_set_d(t, e > 0 ? 0x1p-1075 : -0x1p-1075, MPFR_RNDN);
        mpfr_add(z, z, t, MPFR_RNDN);
        fails += check_real(z);
      }
    }
  // Random reals of random magnitude.
  ref::gen g(11);
  for (int i = 0; i < 200000; ++i) {
    mpfr_set_d(z, g.any_finite(), MPFR_RNDN);
    mpfr_set_d(t, g.any_finite(), MPFR_RNDN);
    mpfr_mul_2si(t, t, -60 - g.integer(0, 100), MPFR_RNDN);
    mpfr_add(z, z, t, MPFR_RNDN);
    fails += check_real(z);
    if (fails > 20) break;
  }
  BOOST_TEST(fails == 0);
}

BOOST_AUTO_TEST_CASE(overflow_and_infinities) {
  // RN(z) = +inf means z > DBL_MAX; RN(z) = -inf means z < -DBL_MAX.
  BOOST_TEST(round_down(inf) == DBL_MAX);
  BOOST_TEST(round_up(inf) == inf);
  BOOST_TEST(round_down(-inf) == -inf);
  BOOST_TEST(round_up(-inf) == -DBL_MAX);
  BOOST_TEST(round_up(DBL_MAX) == inf);
  BOOST_TEST(round_down(-DBL_MAX) == -inf);
  BOOST_TEST(std::isnan(round_down(ref::nan)));
  BOOST_TEST(std::isnan(round_up(ref::nan)));
  // A real just above DBL_MAX that still rounds to DBL_MAX, and one that rounds to inf.
  ref::mp z(300);
  mpfr_set_d(z, DBL_MAX, MPFR_RNDN);
  mpfr_mul_d(z, z, 1 + 0x1p-55, MPFR_RNDN);
  BOOST_TEST(check_real(z) == 0);
  mpfr_set_d(z, DBL_MAX, MPFR_RNDN);
  mpfr_mul_2si(z, z, 1, MPFR_RNDN);
  BOOST_TEST(check_real(z) == 0);
  mpfr_neg(z, z, MPFR_RNDN);
  BOOST_TEST(check_real(z) == 0);
  // Zero: every z with RN(z) = 0 is within half the smallest subnormal.
  BOOST_TEST(round_down(0.0) <= -0x1p-1075);
  BOOST_TEST(round_up(0.0) >= 0x1p-1075);
  BOOST_TEST(round_up(-0.0) >= 0x1p-1075);
}

BOOST_AUTO_TEST_CASE(next_up_and_next_down_match_nextafter) {
  std::vector<double> xs = ref::special_doubles();
  ref::gen g(12);
  for (int i = 0; i < 100000; ++i) xs.push_back(g.mixed());
  int fails = 0;
  for (double x : xs) {
    if (next_up(x) != std::nextafter(x, inf) || next_down(x) != std::nextafter(x, -inf)) {
      if (++fails < 10) BOOST_ERROR("x = " << x);
    }
  }
  BOOST_TEST(fails == 0);
  BOOST_TEST(next_up(0.0) == 0x1p-1074);
  BOOST_TEST(next_up(-0.0) == 0x1p-1074);
  BOOST_TEST(next_down(0.0) == -0x1p-1074);
  BOOST_TEST(next_up(inf) == inf);
  BOOST_TEST(next_up(-inf) == -DBL_MAX);
  BOOST_TEST(next_down(-inf) == -inf);
  BOOST_TEST(next_down(inf) == DBL_MAX);
  BOOST_TEST(std::isnan(next_up(ref::nan)));
  BOOST_TEST(std::isnan(next_down(ref::nan)));
}

BOOST_AUTO_TEST_SUITE_END()
