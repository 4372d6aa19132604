// lambda_min_enclose on the MPFR tier (minterval at 128 and 256 bits), against the MPFR Jacobi
// reference at twice the precision, for midpoints and corner samples of the enclosure.
// Width bound asserted: as for binary64 (test_lambda_min_double.cpp) with u = 2^-p:
//   width <= 2.5 c + 2 r + 64 n 2^-p max|M_ij|,  c = (n+1) 2^-p tr M,  r = n max rad_ij,
// which needs the inverse iteration at precision p to bring the eigenvector to full accuracy.
#include <boost/test/unit_test.hpp>

#include <mpfi.h>
#include <mpfr.h>

#include <cmath>
#include <random>

#include "../common/jacobi.hpp"
#include "../common/random_matrices.hpp"
#include "linalg/lambda_min.hpp"
#include "util.hpp"

using namespace ntk;
using namespace ntk_test;

namespace {

struct precision_guard {
  long old, bits;
  explicit precision_guard(long b) : old(working_precision_bits()), bits(set_working_precision_bits(b)) {}
  ~precision_guard() { set_working_precision_bits(old); }
};

double max_abs(const std::vector<double>& m) {
  double mx = 0;
  for (double t : m) mx = std::max(mx, std::fabs(t));
  return mx;
}

// Pointers to a symmetric corner of the enclosure: entry (i,j) at its left or right end, chosen to
// push v'Xv down (mode 2) or up (mode 3); mode 0: the left end on the diagonal, random elsewhere.
std::vector<mpfr_srcptr> corner(const dense_matrix<minterval>& a, int mode, const std::vector<double>& v,
                                std::mt19937_64& gen) {
  const std::size_t n = a.rows;
  std::vector<mpfr_srcptr> x(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      const __mpfi_struct* e = mpfi_of(a(i, j));
      bool right;
      if (mode == 0)
        right = i != j && (gen() & 1);
      else
        right = (mode == 3) == (v[i] * v[j] >= 0);
      x[i * n + j] = x[j * n + i] = right ? &e->right : &e->left;
    }
  return x;
}

void run_case(long bits, std::size_t n, double cond, double rel, int samples, std::mt19937_64& gen,
              double* worst) {
  precision_guard guard(bits);
  bits = guard.bits;  // Boost rounds the precision up to whole decimal digits
  const std::vector<double> m = symmetric_with_spectrum(geometric_spectrum(n, cond, 1.0), gen);
  const std::vector<double> rad = random_radii(m, n, rel, gen);
  const auto a = minterval_matrix(m, rad, n);
  const lambda_min_bounds b = lambda_min_enclose(a, false);
  BOOST_TEST_CONTEXT("bits=" << bits << " n=" << n << " cond=" << cond << " rel=" << rel) {
    BOOST_TEST(b.precision_bits == bits);
    BOOST_TEST(b.lower_proved);
    BOOST_TEST(b.upper_proved);
    BOOST_TEST(mpfr_get_prec(mp(b.lower)) == bits);
    const reference_spectrum ref = jacobi_eigenvalues(m, n, 2 * bits);
    BOOST_TEST(meets_reference(b, ref));
    // The bound for the binary64 vector is a valid upper bound too (it may land on either side
    // of `upper`: rounding the vector moves the quotient by less than the entry radii).
    BOOST_TEST(mpfr_cmp(b.vector_upper.backend().data(), reference_lower(ref, 0).backend().data()) >= 0);
    const double c = c_theory(m, n, bits), r = r_theory(rad, n);
    const double allowed = 2.5 * c + 2 * r + 64 * n * std::ldexp(max_abs(m), -static_cast<int>(bits));
    BOOST_TEST(width(b) <= allowed, "width " << width(b) << " allowed " << allowed);
    *worst = std::max(*worst, width(b) / (c + r));
    if (mpfr_cmp_d(reference_lower(ref, 0).backend().data(), 2 * allowed) > 0) BOOST_TEST(down(b.lower) > 0);
    for (int s = 0; s < (rel > 0 ? samples : 0); ++s) {
      const int mode = s == 0 ? 2 : (s == 1 ? 3 : 0);
      BOOST_TEST(meets_reference(b, jacobi_eigenvalues(corner(a, mode, b.vector, gen), n, 2 * bits)),
                 "corner mode " << mode);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lambda_min_mpfr)

BOOST_AUTO_TEST_CASE(random_spd_128_bits) {
  std::mt19937_64 gen(201);
  double worst = 0;
  for (std::size_t n : {1u, 2u, 5u, 12u, 30u})
    for (double cond : {1e-2, 1e-12})
      for (double rel : {0.0, 1e-32, 1e-10}) run_case(128, n, cond, rel, 2, gen, &worst);
  BOOST_TEST_MESSAGE("128-bit tier: worst width / (c + r) = " << worst);
}

BOOST_AUTO_TEST_CASE(random_spd_256_bits) {
  std::mt19937_64 gen(202);
  double worst = 0;
  for (std::size_t n : {3u, 16u})
    for (double rel : {0.0, 1e-70}) run_case(256, n, 1e-12, rel, 2, gen, &worst);
  BOOST_TEST_MESSAGE("256-bit tier: worst width / (c + r) = " << worst);
}

// Gram matrix with two pairs of nearly equal rows, exact in MPFR: the two smallest eigenvalues are
// ~1e-25 relative, far below what binary64 can resolve (binary64 cannot even separate them); the
// 128-bit tier proves lambda_min positive to several digits.
BOOST_AUTO_TEST_CASE(nearly_singular_exact_gram) {
  std::mt19937_64 gen(203);
  std::normal_distribution<double> nd;
  const std::size_t n = 10, d = 16;
  std::vector<double> x(n * d);
  for (auto& t : x) t = nd(gen);
  for (std::size_t k = 0; k < d; ++k) {  // two near-duplicate pairs: two tiny, close eigenvalues
    x[(n - 1) * d + k] = x[k] + std::ldexp(nd(gen), -40);
    x[(n - 2) * d + k] = x[d + k] + std::ldexp(nd(gen), -41);
  }
  std::vector<ref_real> g(n * n);
  std::vector<mpfr_srcptr> gp(n * n);
  mpfr_t t;
  mpfr_init2(t, 200);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      mpfr_ptr s = g[i * n + j].backend().data();
      mpfr_set_prec(s, 1200);
      mpfr_set_zero(s, 1);
      int inexact = 0;
      for (std::size_t k = 0; k < d; ++k) {
        inexact |= mpfr_set_d(t, x[i * d + k], MPFR_RNDN);
        inexact |= mpfr_mul_d(t, t, x[j * d + k], MPFR_RNDN);
        inexact |= mpfr_add(s, s, t, MPFR_RNDN);
      }
      BOOST_TEST_REQUIRE(inexact == 0);  // the Gram matrix is exact
      gp[i * n + j] = s;
    }
  mpfr_clear(t);
  const reference_spectrum ref = jacobi_eigenvalues(gp, n, 256);
  BOOST_TEST_MESSAGE("exact Gram lambda_min ~ " << ref.values[0].convert_to<double>());
  // binary64 tier on the outward-rounded entries
  dense_matrix<dinterval> ad(n, n);
  for (std::size_t k = 0; k < n * n; ++k)
    ad.data[k] = dinterval(mpfr_get_d(gp[k], MPFR_RNDD), mpfr_get_d(gp[k], MPFR_RNDU));
  const lambda_min_bounds bd = lambda_min_enclose(ad, false);
  BOOST_TEST(meets_reference(bd, ref));
  BOOST_TEST(down(bd.lower) < 0);  // binary64 cannot resolve it
  precision_guard guard(128);
  dense_matrix<minterval> am(n, n);
  for (std::size_t k = 0; k < n * n; ++k) mpfi_set_fr(mpfi_of(am.data[k]), gp[k]);
  lambda_min_hint hint{bd.vector, bd.estimate};
  const std::vector<const lambda_min_hint*> hints = {nullptr, &hint};
  for (const lambda_min_hint* h : hints) {
    const lambda_min_bounds b = lambda_min_enclose(am, true, h);
    BOOST_TEST(meets_reference(b, ref));
    BOOST_TEST(b.lower_proved);
    BOOST_TEST(down(b.lower) > 0);
    BOOST_TEST(width(b) <= 1e-6 * down(b.lower));
  }
}

BOOST_AUTO_TEST_CASE(singular_negative_and_one_by_one) {
  std::mt19937_64 gen(204);
  std::normal_distribution<double> nd;
  precision_guard guard(128);
  // duplicate rows: [0, tiny]
  const std::size_t n = 9, d = 14;  // full row rank apart from the duplicate: fl(Gram) stays PSD
  std::vector<double> x(n * d);
  for (auto& t : x) t = nd(gen);
  for (std::size_t k = 0; k < d; ++k) x[4 * d + k] = x[1 * d + k];
  std::vector<double> m(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < d; ++k) s += x[i * d + k] * x[j * d + k];
      m[i * n + j] = s;
    }
  const auto a = minterval_matrix(m, std::vector<double>(n * n, 0.0), n);
  const lambda_min_bounds b = lambda_min_enclose(a, true);
  BOOST_TEST(b.lower_proved);
  BOOST_TEST(mpfr_zero_p(mp(b.lower)));
  BOOST_TEST(up(b.upper) >= 0);
  BOOST_TEST(up(b.upper) <= 2.5 * c_theory(m, n, 128) + 64 * n * std::ldexp(max_abs(m), -128));
  BOOST_TEST(meets_reference(b, jacobi_eigenvalues(m, n, 256)));
  // negative lambda_min
  std::vector<double> lams = geometric_spectrum(12, 1e-3, 1.0);
  lams[3] = -0.25;
  const std::vector<double> mneg = symmetric_with_spectrum(lams, gen);
  const auto aneg = minterval_matrix(mneg, random_radii(mneg, 12, 1e-25, gen), 12);
  const lambda_min_bounds bneg = lambda_min_enclose(aneg, false);
  BOOST_TEST(bneg.lower_proved);
  BOOST_TEST(up(bneg.upper) < 0);
  BOOST_TEST(meets_reference(bneg, jacobi_eigenvalues(mneg, 12, 256)));
  BOOST_TEST(meets_reference(bneg, jacobi_eigenvalues(corner(aneg, 2, bneg.vector, gen), 12, 256)));
  // 1 x 1
  dense_matrix<minterval> one(1, 1);
  one(0, 0) = make_minterval(-1.5, 2.0);
  const lambda_min_bounds b1 = lambda_min_enclose(one, false);
  BOOST_TEST(down(b1.lower) <= -1.5);
  BOOST_TEST(up(b1.upper) >= 2.0);
  BOOST_TEST(width(b1) <= 3.5 * (1 + 1e-15));  // width() rounds up to binary64
  // non-finite entry
  dense_matrix<minterval> inf_entry(2, 2);
  inf_entry(0, 0) = inf_entry(1, 1) = make_minterval(1, 1);
  inf_entry(0, 1) = inf_entry(1, 0) = make_minterval(0, std::numeric_limits<double>::infinity());
  const lambda_min_bounds binf = lambda_min_enclose(inf_entry, false);
  BOOST_TEST(!binf.lower_proved);
  BOOST_TEST(!binf.upper_proved);
}

// prove_lambda_min_greater at 128 bits: sound across the threshold.
BOOST_AUTO_TEST_CASE(threshold_soundness_mpfr) {
  std::mt19937_64 gen(205);
  precision_guard guard(128);
  const std::size_t n = 8;
  const std::vector<double> m = symmetric_with_spectrum(geometric_spectrum(n, 1e-20, 1.0), gen);
  const auto a = minterval_matrix(m, std::vector<double>(n * n, 0.0), n);
  const reference_spectrum ref = jacobi_eigenvalues(m, n, 256);
  const double c = c_theory(m, n, 128);
  int proved = 0;
  for (double k : {-1e3, -10.0, -3.0, -1.0, 0.0, 1.0, 10.0}) {
    mpfr_t t;
    mpfr_init2(t, 256);
    mpfr_set(t, ref.values[0].backend().data(), MPFR_RNDN);
    mpfr_add_d(t, t, k * c, MPFR_RNDN);
    mreal tm;
    mpfr_set_prec(tm.backend().data(), 256);
    mpfr_set(tm.backend().data(), t, MPFR_RNDN);
    if (prove_lambda_min_greater(a, tm)) {
      ++proved;
      BOOST_TEST(mpfr_cmp(t, reference_upper(ref, 0).backend().data()) < 0, "k=" << k);
    }
    mpfr_clear(t);
  }
  BOOST_TEST(proved >= 2);
}

// White-box, as in test_cholesky.cpp: the MPFR test subtracts the constant at u = 2^-p.
BOOST_AUTO_TEST_CASE(shifted_bound_subtracts_the_constant_mpfr) {
  std::mt19937_64 gen(206);
  int successes = 0;
  for (long want : {128L, 200L}) {
    precision_guard guard(want);
    const long bits = guard.bits;
    for (std::size_t n : {1u, 6u, 25u}) {
      std::vector<double> lams = geometric_spectrum(n, 1.0, 50.0);
      lams[0] = 1e-25;
      const std::vector<double> m = symmetric_with_spectrum(lams, gen);
      const auto a = minterval_matrix(m, std::vector<double>(n * n, 0.0), n);
      const reference_spectrum ref = jacobi_eigenvalues(m, n, 2 * bits);
      const double c = c_theory(m, n, bits);
      for (double k : {-4.0, -1.0, -0.25, 0.0}) {
        mreal sigma;
        mpfr_set_prec(sigma.backend().data(), 2 * bits);
        mpfr_set(sigma.backend().data(), ref.values[0].backend().data(), MPFR_RNDN);
        mpfr_add_d(sigma.backend().data(), sigma.backend().data(), k * c, MPFR_RNDN);
        const shifted_cholesky_outcome out = shifted_cholesky_bound(a, sigma);
        if (!out.success) continue;
        ++successes;
        std::vector<ref_real> md(n), sd(n);
        std::vector<mpfr_srcptr> mdp(n), sdp(n);
        for (std::size_t i = 0; i < n; ++i) {
          mpfr_set_prec(md[i].backend().data(), 53);
          mpfr_set_d(md[i].backend().data(), m[i * n + i], MPFR_RNDN);
          mpfr_set_prec(sd[i].backend().data(), bits);
          mpfr_sub(sd[i].backend().data(), md[i].backend().data(), sigma.backend().data(), MPFR_RNDN);
          mdp[i] = md[i].backend().data();
          sdp[i] = sd[i].backend().data();
        }
        const ref_real bound = constant_checked_bound(mdp, sdp, bits);
        BOOST_TEST(mpfr_cmp(mp(out.t), bound.backend().data()) <= 0, "bits=" << bits << " n=" << n << " k=" << k);
      }
    }
  }
  BOOST_TEST(successes >= 8);
}

BOOST_AUTO_TEST_SUITE_END()
