// float_acos (kernel/float_acos.hpp), the array acos of the uncertified float64 kernel, against
// MPFR's correctly rounded acos: the error in units in the last place of the exact value, over
// random points in [-1, 1], points crowding ±1, ±1/2 and 0, and the special inputs.
#include <mpfr.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernel/float_acos.hpp"

using namespace ntk;

namespace {

// |y - acos x| / ulp(acos x), acos x in 200-bit MPFR (ulp of the double nearest to it).
double ulp_error(double x, double y) {
  mpfr_t t, e;
  mpfr_inits2(200, t, e, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_d(t, x, MPFR_RNDN);
  mpfr_acos(e, t, MPFR_RNDN);
  const double near = mpfr_get_d(e, MPFR_RNDN);
  mpfr_sub_d(t, e, y, MPFR_RNDN);
  const double diff = std::fabs(mpfr_get_d(t, MPFR_RNDN));
  mpfr_clears(t, e, static_cast<mpfr_ptr>(nullptr));
  // ulp of a double in [0, pi]; acos x = 0 only at x = 1, where y must be 0 exactly.
  if (near == 0) return y == 0 ? 0 : std::numeric_limits<double>::infinity();
  const double ulp = std::nextafter(near, 4.0) - near;
  return diff / ulp;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(float_acos_suite)

BOOST_AUTO_TEST_CASE(within_4_ulp_of_mpfr) {
  std::mt19937_64 rng(77);
  std::uniform_real_distribution<double> u(-1.0, 1.0), e(-52.0, 0.0);
  std::vector<double> x;
  for (int t = 0; t < 60000; ++t) x.push_back(u(rng));
  for (int t = 0; t < 20000; ++t) {  // |x| = 1 - 2^e, 1/2 ± 2^e/4, 2^e: the ends of the reductions
    const double s = t % 2 ? 1.0 : -1.0, h = std::exp2(e(rng));
    x.push_back(s * (1.0 - h));
    x.push_back(s * (0.5 + h / 4));
    x.push_back(s * (0.5 - h / 4));
    x.push_back(s * h);
  }
  for (double s : {1.0, -1.0}) {
    x.push_back(s);
    x.push_back(s * 0.5);
    x.push_back(s * 0.0);
    x.push_back(std::nextafter(s, 0.0));
    x.push_back(std::nextafter(s * 0.5, 0.0));
    x.push_back(std::nextafter(s * 0.5, s));
    x.push_back(s * std::numeric_limits<double>::denorm_min());
  }
  std::vector<double> y(x.size());
  float_acos(x.data(), y.data(), y.size());
  double worst = 0, worst_x = 0;
  for (std::size_t t = 0; t < y.size(); ++t) {
    const double err = ulp_error(x[t], y[t]);
    if (!(err <= worst)) worst = err, worst_x = x[t];
  }
  BOOST_TEST_MESSAGE("float_acos (" << (float_acos_vectorised() ? "libmvec AVX-512" : "std::acos")
                                    << "): max error " << worst << " ulp at x = " << worst_x);
  BOOST_TEST(worst <= 4.0, "max error " << worst << " ulp at x = " << worst_x);
  // Element by element: the same values at every position in a block of eight and in a partial
  // last block.
  for (std::size_t lead : {1, 3, 7}) {
    std::vector<double> z(x.size() - lead);
    float_acos(x.data() + lead, z.data(), z.size());
    std::size_t differ = 0;
    for (std::size_t t = 0; t < z.size(); ++t) differ += z[t] != y[t + lead];
    BOOST_TEST(differ == 0u, differ << " values differ with offset " << lead);
  }
}

BOOST_AUTO_TEST_CASE(special_inputs) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> x{nan, 1.0, -1.0, 1.5, -2.0, std::numeric_limits<double>::infinity(), 0.25, nan, 0.0};
  std::vector<double> y(x.size());
  float_acos(x.data(), y.data(), x.size());
  BOOST_TEST(std::isnan(y[0]));
  BOOST_TEST(y[1] == 0.0);
  BOOST_TEST(std::fabs(y[2] - 3.141592653589793) <= 4.5e-16);
  BOOST_TEST(std::isnan(y[3]));
  BOOST_TEST(std::isnan(y[4]));
  BOOST_TEST(std::isnan(y[5]));
  BOOST_TEST(ulp_error(0.25, y[6]) <= 4.0);
  BOOST_TEST(std::isnan(y[7]));
  BOOST_TEST(ulp_error(0.0, y[8]) <= 4.0);
  float_acos(x.data(), x.data(), x.size());  // in place
  for (std::size_t t = 0; t < x.size(); ++t) BOOST_TEST((x[t] == y[t] || (std::isnan(x[t]) && std::isnan(y[t]))));
}

BOOST_AUTO_TEST_SUITE_END()
