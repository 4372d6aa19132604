// The plain LAPACK helpers agree with the reference to floating-point accuracy (they carry no
// guarantee; this checks the wiring: storage order, index range, sorting).
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>

#include "../common/jacobi.hpp"
#include "../common/random_matrices.hpp"
#include "linalg/float_eig.hpp"

using namespace ntk;
using namespace ntk_test;

BOOST_AUTO_TEST_SUITE(float_eig)

BOOST_AUTO_TEST_CASE(agrees_with_reference) {
  std::mt19937_64 gen(401);
  std::normal_distribution<double> nd;
  for (std::size_t n : {1u, 4u, 23u}) {
    std::vector<double> m(n * n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) m[i * n + j] = m[j * n + i] = nd(gen);
    const reference_spectrum ref = jacobi_eigenvalues(m, n, 256);
    double scale = 0;
    for (const auto& v : ref.values) scale = std::max(scale, std::fabs(v.convert_to<double>()));
    std::vector<double> vec;
    const double lo = float_eig_smallest(m, n, &vec);
    BOOST_TEST(std::fabs(lo - ref.values[0].convert_to<double>()) <= 1e-13 * scale);
    BOOST_TEST(vec.size() == n);
    double nrm = 0;
    for (double t : vec) nrm += t * t;
    BOOST_TEST(std::fabs(nrm - 1) < 1e-12);
    const double hi = float_eig_largest(m, n, nullptr);
    BOOST_TEST(std::fabs(hi - ref.values[n - 1].convert_to<double>()) <= 1e-13 * scale);
    const std::vector<double> all = float_eig_all(m, n);
    BOOST_TEST_REQUIRE(all.size() == n);
    std::vector<float> mf(m.begin(), m.end());
    const std::vector<float> allf = float_eig_all(mf, n);
    BOOST_TEST_REQUIRE(allf.size() == n);
    std::vector<float> vf;
    const float lof = float_eig_smallest(mf, n, &vf);
    BOOST_TEST(std::fabs(lof - all[0]) <= 1e-5 * scale);
    for (std::size_t k = 0; k < n; ++k) {
      BOOST_TEST(std::fabs(all[k] - ref.values[k].convert_to<double>()) <= 1e-13 * scale);
      BOOST_TEST(std::fabs(allf[k] - all[k]) <= 1e-5 * scale);
    }
  }
  BOOST_TEST(std::isnan(float_eig_smallest(std::vector<double>(3), 2, nullptr)));
  BOOST_TEST(float_eig_all(std::vector<double>(3), 2).empty());
}

BOOST_AUTO_TEST_SUITE_END()
