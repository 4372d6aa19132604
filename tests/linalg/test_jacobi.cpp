// The Jacobi reference of tests/common checked against spectra known in closed form.
#include <boost/test/unit_test.hpp>

#include <mpfr.h>

#include "../common/jacobi.hpp"

using namespace ntk_test;

BOOST_AUTO_TEST_SUITE(jacobi_reference)

// Tridiagonal(-1, 2, -1): lambda_k = 2 - 2 cos(k pi / (n + 1)), evaluated by MPFR at 400 bits.
BOOST_AUTO_TEST_CASE(tridiagonal_closed_form) {
  for (std::size_t n : {1u, 2u, 3u, 7u, 16u, 31u}) {
    std::vector<double> a(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
    }
    const reference_spectrum s = jacobi_eigenvalues(a, n, 256);
    BOOST_TEST(mpfr_cmp_d(s.error.backend().data(), 1e-70) < 0);
    mpfr_t x;
    mpfr_init2(x, 400);
    for (std::size_t k = 1; k <= n; ++k) {
      mpfr_const_pi(x, MPFR_RNDN);
      mpfr_mul_ui(x, x, k, MPFR_RNDN);
      mpfr_div_ui(x, x, n + 1, MPFR_RNDN);
      mpfr_cos(x, x, MPFR_RNDN);
      mpfr_mul_2ui(x, x, 1, MPFR_RNDN);
      mpfr_ui_sub(x, 2, x, MPFR_RNDN);  // exact value within 2^-395
      mpfr_sub(x, x, s.values[k - 1].backend().data(), MPFR_RNDN);
      mpfr_abs(x, x, MPFR_RNDN);
      BOOST_TEST(mpfr_cmp(x, s.error.backend().data()) <= 0, "n=" << n << " k=" << k);
    }
    mpfr_clear(x);
  }
}

// I + v v' with an integer vector v: eigenvalue 1 (n-1 times, a cluster) and 1 + |v|^2.
BOOST_AUTO_TEST_CASE(rank_one_update_repeated_eigenvalue) {
  const std::size_t n = 9;
  std::vector<double> v = {1, -2, 3, 0, 5, -1, 2, 2, -4};
  double vv = 0;
  for (double t : v) vv += t * t;
  std::vector<double> a(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) a[i * n + j] = (i == j ? 1.0 : 0.0) + v[i] * v[j];
  const reference_spectrum s = jacobi_eigenvalues(a, n, 256);
  mpfr_t x;
  mpfr_init2(x, 256);
  for (std::size_t k = 0; k < n; ++k) {
    mpfr_sub_d(x, s.values[k].backend().data(), k + 1 < n ? 1.0 : 1.0 + vv, MPFR_RNDN);
    mpfr_abs(x, x, MPFR_RNDN);
    BOOST_TEST(mpfr_cmp(x, s.error.backend().data()) <= 0, "k=" << k);
  }
  BOOST_TEST(mpfr_cmp_d(s.error.backend().data(), 1e-70) < 0);
  mpfr_clear(x);
}

// A diagonal matrix in scrambled order with values of very different magnitudes.
BOOST_AUTO_TEST_CASE(diagonal_sorted) {
  const std::vector<double> d = {3.5, -1e-20, 7e10, 0.0, -2.25, 1e-300};
  const std::size_t n = d.size();
  std::vector<double> a(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) a[i * n + i] = d[i];
  const reference_spectrum s = jacobi_eigenvalues(a, n, 256);
  std::vector<double> sorted = d;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t k = 0; k < n; ++k)
    BOOST_TEST(mpfr_cmp_d(s.values[k].backend().data(), sorted[k]) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
