// spectral_norm_enclose / _upper_cheap / _lower against the Jacobi reference of the exact Gram
// matrix W'W (products of doubles are exact at 106 bits; the sums are exact at 1200 bits).
#include <boost/test/unit_test.hpp>

#include <mpfr.h>

#include <cmath>
#include <random>

#include "../common/jacobi.hpp"
#include "linalg/spectral_norm.hpp"

using namespace ntk;
using namespace ntk_test;

namespace {

// Reference enclosure [lo, hi] of ||W||_2^2 = lambda_max(W'W).
reference_spectrum gram_reference(const std::vector<double>& w, std::size_t rows, std::size_t cols) {
  std::vector<ref_real> g(cols * cols);
  std::vector<mpfr_srcptr> gp(cols * cols);
  mpfr_t t;
  mpfr_init2(t, 120);
  for (std::size_t i = 0; i < cols; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      mpfr_ptr s = g[i * cols + j].backend().data();
      mpfr_set_prec(s, 2400);
      mpfr_set_zero(s, 1);
      for (std::size_t k = 0; k < rows; ++k) {
        mpfr_set_d(t, w[k * cols + i], MPFR_RNDN);
        mpfr_mul_d(t, t, w[k * cols + j], MPFR_RNDN);  // exact at 120 bits
        mpfr_add(s, s, t, MPFR_RNDN);                   // exact at 2400 bits for these ranges
      }
      gp[i * cols + j] = s;
    }
  mpfr_clear(t);
  return jacobi_eigenvalues(gp, cols, 256);
}

// lower^2 <= ref_hi and upper^2 >= ref_lo (squares exact in MPFR).
void check_brackets(double lower, double upper, const reference_spectrum& ref, std::size_t cols) {
  mpfr_t sq;
  mpfr_init2(sq, 120);
  mpfr_set_d(sq, lower, MPFR_RNDN);
  mpfr_sqr(sq, sq, MPFR_RNDN);
  BOOST_TEST(mpfr_cmp(sq, reference_upper(ref, cols - 1).backend().data()) <= 0);
  mpfr_set_d(sq, upper, MPFR_RNDN);
  mpfr_sqr(sq, sq, MPFR_RNDN);
  BOOST_TEST(mpfr_cmp(sq, reference_lower(ref, cols - 1).backend().data()) >= 0);
  mpfr_clear(sq);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spectral_norm)

BOOST_AUTO_TEST_CASE(brackets_reference_singular_value) {
  std::mt19937_64 gen(301);
  std::normal_distribution<double> nd;
  struct shape {
    std::size_t rows, cols;
    double scale;
  };
  for (const shape& s : {shape{1, 1, 1.0}, shape{3, 7, 1e-3}, shape{7, 3, 1e5}, shape{20, 45, 1.0},
                         shape{45, 20, 0.1}, shape{30, 30, 1.0}}) {
    std::vector<double> w(s.rows * s.cols);
    for (auto& t : w) t = nd(gen) * s.scale;
    const spectral_norm_bounds b = spectral_norm_enclose(w, s.rows, s.cols);
    BOOST_TEST_CONTEXT(s.rows << "x" << s.cols) {
      const double cheap = spectral_norm_upper_cheap(w, s.rows, s.cols);
      BOOST_TEST((b.upper_from_cholesky || b.upper == cheap));
      BOOST_TEST(b.lower > 0);
      BOOST_TEST(b.right_vector.size() == s.cols);
      BOOST_TEST((b.upper - b.lower) <= 1e-9 * b.upper);
      const reference_spectrum ref = gram_reference(w, s.rows, s.cols);
      check_brackets(b.lower, b.upper, ref, s.cols);
      check_brackets(0.0, cheap, ref, s.cols);
      BOOST_TEST(cheap >= b.upper);
    }
  }
}

// Rank one W = x y': ||W|| = |x||y| exactly, and the cheap bound is sharp up to rounding too.
BOOST_AUTO_TEST_CASE(rank_one_and_degenerate) {
  const std::vector<double> x = {1, 2, 2}, y = {3, 4};  // |x| = 3, |y| = 5
  std::vector<double> w(6);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 2; ++j) w[i * 2 + j] = x[i] * y[j];
  const spectral_norm_bounds b = spectral_norm_enclose(w, 3, 2);
  BOOST_TEST(b.lower <= 15.0);
  BOOST_TEST(b.upper >= 15.0);
  BOOST_TEST(b.upper - b.lower <= 1e-9);
  const spectral_norm_bounds z = spectral_norm_enclose(std::vector<double>(12, 0.0), 3, 4);
  BOOST_TEST(z.lower == 0.0);
  BOOST_TEST(z.upper == 0.0);
  const spectral_norm_bounds e = spectral_norm_enclose({}, 0, 5);
  BOOST_TEST(e.upper == 0.0);
  std::vector<double> bad = {1.0, std::nan(""), 0.0, 1.0};
  const spectral_norm_bounds nb = spectral_norm_enclose(bad, 2, 2);
  BOOST_TEST(std::isinf(nb.upper));
  BOOST_TEST(spectral_norm_lower(w, 3, 2, {0.0, 0.0}) == 0.0);
  BOOST_TEST(spectral_norm_lower(w, 3, 2, {3.0, 4.0}) <= 15.0);
  BOOST_TEST(spectral_norm_lower(w, 3, 2, {3.0, 4.0}) >= 15.0 * (1 - 1e-14));
}

BOOST_AUTO_TEST_SUITE_END()
