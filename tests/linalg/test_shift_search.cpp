// The binary64 shift search (linalg/shift_search.hpp) that replaced LAPACK's dense eigensolver as
// the estimator of the double tier: a proven shift just below lambda_min is found (checked against
// the MPFR Jacobi reference of the generated matrix, which has a proven error bound), or the search
// fails honestly (no claim) on matrices that are not numerically positive definite.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>

#include "../common/jacobi.hpp"
#include "../common/random_matrices.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/midrad.hpp"
#include "linalg/shift_search.hpp"
#include "util.hpp"

using namespace ntk;
using namespace ntk_test;

BOOST_AUTO_TEST_SUITE(shift_search_test)

namespace {

symmetric_midrad point_midrad(const std::vector<double>& m, std::size_t n) {
  return to_midrad(dinterval_matrix(m, std::vector<double>(n * n, 0.0), n));
}

// A spectrum whose lowest part is a tight cluster (as in NTK matrices: lambda_2/lambda_1 ~ 1.05).
std::vector<double> clustered_spectrum(std::size_t n, double lmin, double lmax) {
  std::vector<double> l = geometric_spectrum(n, lmin, lmax);
  for (std::size_t k = 1; k < std::min<std::size_t>(n, 8); ++k) l[k] = lmin * (1 + 0.05 * static_cast<double>(k));
  return l;
}

}  // namespace

// Positive definite matrices, well and badly conditioned, clustered at the bottom, with entry radii:
// the proved shift lies below the reference lambda_min and within the constant's reach of it.
BOOST_AUTO_TEST_CASE(shift_below_lambda_min_is_found) {
  std::mt19937_64 gen(2024);
  struct item {
    std::size_t n, block;
    double lmin, lmax, rel;
    bool cluster;
  };
  for (const item& k : {item{1, 12, 3.0, 3.0, 0, false}, item{7, 12, 1e-3, 1.0, 0, false},
                        item{40, 4, 1e-2, 10.0, 0, true}, item{60, 6, 1e-6, 1.0, 1e-12, false},
                        item{80, 8, 0.5, 2e3, 1e-10, true}, item{90, 5, 1e-9, 1.0, 0, true}}) {
    BOOST_TEST_CONTEXT("n=" << k.n << " block=" << k.block << " lmin=" << k.lmin << " cluster=" << k.cluster) {
      const std::vector<double> m =
          symmetric_with_spectrum(k.cluster ? clustered_spectrum(k.n, k.lmin, k.lmax)
                                            : geometric_spectrum(k.n, k.lmin, k.lmax), gen);
      const std::vector<double> rad = random_radii(m, k.n, k.rel, gen);
      const symmetric_midrad S = to_midrad(dinterval_matrix(m, rad, k.n));
      const double r = offdiag_radius_bound(S);
      const shift_search_result s = lambda_min_shift_search(S, r, k.block);
      const reference_spectrum ref = jacobi_eigenvalues(m, k.n, 256);
      BOOST_TEST_REQUIRE(s.best.success, s.note);
      BOOST_TEST(s.converged);
      BOOST_TEST(s.vector.size() == k.n);
      BOOST_TEST(s.factor.size() == k.n * k.n);
      // Soundness: lambda_min(mid) > t, and lambda_min(X) >= lambda_min(mid) - r for X in X(S).
      BOOST_TEST(mpfr_cmp_d(mp(reference_upper(ref, 0)), s.best.t) > 0, "t=" << s.best.t);
      // Tightness: t within 2.5 c + 2 r + 64 n u max|M| of lambda_min (the bound of lambda_min_enclose).
      double mx = 0;
      for (double t : m) mx = std::max(mx, std::fabs(t));
      const double allowed = 2.5 * c_theory(m, k.n, 53) + 2 * r + 64 * static_cast<double>(k.n) * 0x1p-53 * mx;
      BOOST_TEST(down(reference_lower(ref, 0)) - s.best.t <= allowed,
                 "gap " << down(reference_lower(ref, 0)) - s.best.t << " allowed " << allowed);
      // The estimate is an estimate of lambda_min(mid), not of another eigenvalue.
      BOOST_TEST(std::fabs(s.estimate - down(reference_lower(ref, 0))) <= allowed + 1e-12 * mx);
    }
  }
}

// Indefinite and singular matrices: either an honest failure (no shift proved) or a proved shift
// that is still below lambda_min.
BOOST_AUTO_TEST_CASE(honest_failure_or_valid_shift) {
  std::mt19937_64 gen(77);
  for (std::size_t n : {2u, 9u, 50u}) {
    for (int kind = 0; kind < 3; ++kind) {
      std::vector<double> l = geometric_spectrum(n, 1e-2, 5.0);
      if (kind == 0) l[0] = -0.5;          // indefinite
      if (kind == 1) l[0] = 0.0;           // singular (up to the rounding of Q diag Q')
      if (kind == 2) l[0] = -1e-14;        // negative by less than the Cholesky constant
      const std::vector<double> m = symmetric_with_spectrum(l, gen);
      const symmetric_midrad S = point_midrad(m, n);
      const shift_search_result s = lambda_min_shift_search(S, offdiag_radius_bound(S), 4);
      const reference_spectrum ref = jacobi_eigenvalues(m, n, 256);
      BOOST_TEST_CONTEXT("n=" << n << " kind=" << kind) {
        if (kind == 0) BOOST_TEST(!s.best.success);  // -0.5 is far beyond any shift's reach
        if (s.best.success) BOOST_TEST(mpfr_cmp_d(mp(reference_upper(ref, 0)), s.best.t) > 0, "t=" << s.best.t);
        else BOOST_TEST(!s.note.empty());
      }
    }
  }
}

// lambda_min_enclose without a hint goes through the search; with LAPACK's eigenpair as the hint it
// does not. Both enclosures hold and agree to within their widths.
BOOST_AUTO_TEST_CASE(search_and_lapack_paths_agree) {
  std::mt19937_64 gen(5);
  const std::size_t n = 70;
  const std::vector<double> m = symmetric_with_spectrum(clustered_spectrum(n, 0.3, 50.0), gen);
  const auto a = dinterval_matrix(m, random_radii(m, n, 1e-13, gen), n);
  const lambda_min_bounds searched = lambda_min_enclose(a, true);
  lambda_min_hint hint;
  const symmetric_midrad S = to_midrad(a);
  hint.value = float_eig_smallest(S.mid, n, &hint.vector);
  const lambda_min_bounds hinted = lambda_min_enclose(a, true, &hint);
  const reference_spectrum ref = jacobi_eigenvalues(m, n, 256);
  BOOST_TEST(meets_reference(searched, ref));
  BOOST_TEST(meets_reference(hinted, ref));
  BOOST_TEST(searched.lower <= hinted.upper);
  BOOST_TEST(hinted.lower <= searched.upper);
  BOOST_TEST(width(searched) <= 2 * width(hinted) + 1e-14);
}

// The estimate the search returns is a Ritz pair of mid itself (its steps use the factor instead of
// products with mid): it agrees with the Rayleigh quotient of the returned vector computed here in
// long double, and with LAPACK's lambda_min within the search's error estimate. Cholesky tests: the
// first, the final one and at most one refactoring (two for the tight cluster, whose iteration
// converges slowly).
BOOST_AUTO_TEST_CASE(estimate_is_a_ritz_pair_of_mid) {
  std::mt19937_64 gen(31);
  const std::size_t n = 240;
  for (int kind = 0; kind < 3; ++kind) {
    std::vector<double> l = geometric_spectrum(n, 1.0, 1e3);
    if (kind == 0) l[0] = 0.3;                                         // separated, as in NTK matrices
    if (kind == 1) l = clustered_spectrum(n, 1.0, 1e3);                // tight cluster at the bottom
    if (kind == 2) l = geometric_spectrum(n, 1e-11, 1.0);              // nearly singular
    const std::vector<double> m = symmetric_with_spectrum(l, gen);
    const symmetric_midrad S = point_midrad(m, n);
    const shift_search_result s = lambda_min_shift_search(S, offdiag_radius_bound(S), 12);
    BOOST_TEST_CONTEXT("kind=" << kind) {
      BOOST_TEST_REQUIRE(s.best.success, s.note);
      BOOST_TEST(s.converged);
      BOOST_TEST(s.choleskys <= (kind == 1 ? 4 : 3), "choleskys " << s.choleskys << " iterations " << s.iterations);
      BOOST_TEST_REQUIRE(s.vector.size() == n);
      long double vv = 0, vw = 0;
      std::vector<long double> w(n, 0.0L);
      double mx = 0;
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          w[i] += static_cast<long double>(m[i * n + j]) * s.vector[j];
          mx = std::max(mx, std::fabs(m[i * n + j]));
        }
        vv += static_cast<long double>(s.vector[i]) * s.vector[i];
        vw += static_cast<long double>(s.vector[i]) * w[i];
      }
      const double rho = static_cast<double>(vw / vv);
      const double slack = 8 * static_cast<double>(n) * 0x1p-53 * mx;
      BOOST_TEST(std::fabs(s.estimate - rho) <= slack, "estimate " << s.estimate << " rho " << rho);
      std::vector<double> vec;
      const double lapack = float_eig_smallest(S.mid, n, &vec);
      BOOST_TEST(std::fabs(s.estimate - lapack) <= s.error + slack,
                 "estimate " << s.estimate << " lapack " << lapack << " error " << s.error);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
