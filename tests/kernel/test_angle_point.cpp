// The double tier's one-series acos at a point (kernel/detail/angle.hpp, acos_of) against MPFR's
// acos at 256 bits: containment for random points of [-1/2, 1/2] (uniform, tiny, near ±1/2,
// signed zero, subnormal), a width of a few units in the last place, and the generic route for
// everything else (non-points, |r| > 1/2) still containing the exact values.
#include <mpfi.h>
#include <mpfr.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "kernel/detail/angle.hpp"

using namespace ntk;

namespace {

// Whether [lo, hi] contains acos of every double in [a, b] (acos decreasing: check at b and a).
bool contains_acos(const dinterval& r, double a, double b) {
  mpfr_t x, y;
  mpfr_inits2(256, x, y, static_cast<mpfr_ptr>(nullptr));
  bool ok = true;
  mpfr_set_d(x, b, MPFR_RNDN);
  mpfr_acos(y, x, MPFR_RNDD);  // <= acos b: lo <= y implies lo <= acos b
  ok = ok && mpfr_cmp_d(y, r.lo) >= 0;
  mpfr_set_d(x, a, MPFR_RNDN);  // exact (256 >= 53 bits)
  mpfr_acos(y, x, MPFR_RNDU);  // >= acos a
  ok = ok && mpfr_cmp_d(y, r.hi) <= 0;
  mpfr_clears(x, y, static_cast<mpfr_ptr>(nullptr));
  return ok;
}

// Whether r contains 2 asin √(t/2) for every double t in [a, b] (increasing in t), by MPFI at 256 bits.
bool contains_two_asin(const dinterval& r, double a, double b) {
  mpfi_t x;
  mpfi_init2(x, 256);
  mpfi_interv_d(x, a, b);
  mpfi_div_2ui(x, x, 1);
  mpfi_sqrt(x, x);
  mpfi_asin(x, x);
  mpfi_mul_2ui(x, x, 1);
  const bool ok = mpfr_cmp_d(&x->left, r.lo) >= 0 && mpfr_cmp_d(&x->right, r.hi) <= 0;
  mpfi_clear(x);
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(angle_point)

BOOST_AUTO_TEST_CASE(acos_of_point_contains_mpfr) {
  std::mt19937_64 rng(77);
  std::uniform_real_distribution<double> uni(-0.5, 0.5), expo(-60.0, -1.0);
  std::vector<double> pts = {0.0, -0.0, 0.5, -0.5, std::nextafter(0.5, 0.0), -std::nextafter(0.5, 0.0), 0x1p-26,
                             -0x1p-26, 0x1p-1074, -0x1p-1074, 0x1p-1022, 0x1.8p-8, 0x1p-8, 0x1p-16, -0x1p-16};
  for (int k = 0; k < 20000; ++k) pts.push_back(uni(rng));
  for (int k = 0; k < 5000; ++k) pts.push_back((k % 2 ? -1 : 1) * std::exp2(expo(rng)));
  for (int k = 0; k < 2000; ++k) pts.push_back((k % 2 ? -1 : 1) * (0.5 - std::ldexp(double(k + 1), -53)));
  int bad = 0, wide = 0;
  for (double t : pts) {
    const dinterval r = kernel_detail::acos_of(dinterval(t));
    if (!contains_acos(r, t, t)) ++bad;
    // A few units in the last place of the result (in [π/3, 2π/3]): relative 2^-50.
    if (!(r.hi - r.lo <= r.hi * 0x1p-50)) ++wide;
  }
  BOOST_TEST(bad == 0);
  BOOST_TEST(wide == 0);
}

BOOST_AUTO_TEST_CASE(acos_of_generic_route_contains_mpfr) {
  std::mt19937_64 rng(78);
  std::uniform_real_distribution<double> uni(-1.0, 1.0);
  int bad = 0;
  for (int k = 0; k < 5000; ++k) {
    const double a = uni(rng), w = k % 3 == 0 ? 0.0 : std::ldexp(1.0, -int(k % 50));
    const double b = std::min(1.0, a + w);
    if (!contains_acos(kernel_detail::acos_of(dinterval(a, b)), a, b)) ++bad;
  }
  for (double t : {1.0, -1.0, 1.0 - 0x1p-53, -1.0 + 0x1p-53, 1.0 - 1e-12, -1.0 + 1e-12, 0.75, -0.75})
    if (!contains_acos(kernel_detail::acos_of(dinterval(t)), t, t)) ++bad;
  BOOST_TEST(bad == 0);
}

// The δ/ε endpoints: t from 2^-60 (generic route below 2^-52) to 1/2, with many within 1e-12 of 0
// (correlations within 1e-12 of ±1), plus non-points of several widths.
BOOST_AUTO_TEST_CASE(two_asin_sqrt_half_contains_mpfi) {
  std::mt19937_64 rng(79);
  std::uniform_real_distribution<double> uni(0.0, 0.5), expo(-60.0, -1.0), tiny(-52.0, std::log2(1e-12));
  std::vector<double> pts = {0.0, 0.5, std::nextafter(0.5, 0.0), 0x1p-52, std::nextafter(0x1p-52, 0.0), 0x1p-53,
                             0x1p-1074, 0.25, 0.125, 1e-12, 2e-16, 0x1p-3, std::nextafter(0x1p-3, 0.0)};
  for (int k = 0; k < 20000; ++k) pts.push_back(uni(rng));
  for (int k = 0; k < 10000; ++k) pts.push_back(std::exp2(expo(rng)));
  for (int k = 0; k < 10000; ++k) pts.push_back(std::exp2(tiny(rng)));
  int bad = 0, wide = 0;
  for (double t : pts) {
    const dinterval r = kernel_detail::two_asin_sqrt_half(dinterval(t));
    if (!contains_two_asin(r, t, t)) ++bad;
    // The one-series route (t >= 2^-52): a few units in the last place (relative 2^-50).
    if (t >= 0x1p-52 && !(r.hi - r.lo <= r.hi * 0x1p-50)) ++wide;
  }
  BOOST_TEST(bad == 0);
  BOOST_TEST(wide == 0);
  for (int k = 0; k < 5000; ++k) {
    const double a = uni(rng), b = std::min(0.5, a + std::ldexp(1.0, -int(k % 60)));
    if (!contains_two_asin(kernel_detail::two_asin_sqrt_half(dinterval(a, b)), a, b)) ++bad;
  }
  BOOST_TEST(bad == 0);
}

BOOST_AUTO_TEST_SUITE_END()
