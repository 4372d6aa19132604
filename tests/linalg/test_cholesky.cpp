// The binary64 building blocks: Rump's constant, the blocked Cholesky, the radius bound, the
// Rayleigh upper bound, and the soundness of the Cholesky test near its threshold.
#include <boost/test/unit_test.hpp>

#include <mpfr.h>

#include <cfenv>
#include <cmath>
#include <limits>
#include <random>

#include "../common/jacobi.hpp"
#include "../common/random_matrices.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/midrad.hpp"
#include "linalg/verified_cholesky.hpp"
#include "util.hpp"

using namespace ntk;
using namespace ntk_test;

BOOST_AUTO_TEST_SUITE(cholesky_test)

// c = (n+1)u/(1-2(n+1)u) tr + 4 eta (n+1) (2(n+2) + maxdiag), evaluated exactly-enough in MPFR,
// and never below ValidSDP's constant (n+1)u/(1-(n+1)u) tr + 4 eta n (2(n+1) + maxdiag).
BOOST_AUTO_TEST_CASE(rump_constant_matches_formula) {
  for (std::size_t n : {1u, 2u, 10u, 1000u, 123456u, 20000u}) {
    for (double tr : {0.0, 1.0, 3.75e7, 1e-300, 1e300}) {
      const double md = tr / 2;
      const double c = rump_constant_binary64(n, tr, md);
      mpfr_t x, y, v;
      mpfr_inits2(3000, x, y, v, static_cast<mpfr_ptr>(nullptr));
      for (int validsdp = 0; validsdp < 2; ++validsdp) {
        const std::size_t m = validsdp ? n : n + 1;  // the size in the underflow term
        mpfr_set_ui(x, n + 1, MPFR_RNDN);
        mpfr_mul_2si(x, x, -53, MPFR_RNDN);
        mpfr_mul_ui(y, x, validsdp ? 1 : 2, MPFR_RNDN);
        mpfr_ui_sub(y, 1, y, MPFR_RNDN);
        mpfr_div(x, x, y, MPFR_RNDN);
        mpfr_mul_d(x, x, tr, MPFR_RNDN);
        mpfr_set_ui(y, 2 * (m + 1), MPFR_RNDN);
        mpfr_add_d(y, y, md, MPFR_RNDN);
        mpfr_mul_ui(y, y, m, MPFR_RNDN);
        mpfr_mul_2si(y, y, -1072, MPFR_RNDN);
        mpfr_add(x, x, y, MPFR_RNDN);  // the formula, to ~3000 bits
        BOOST_TEST(mpfr_cmp_d(x, c) <= 0, "n=" << n << " tr=" << tr << " validsdp=" << validsdp);
        if (!validsdp) mpfr_set(v, x, MPFR_RNDN);
      }
      mpfr_mul_d(v, v, 1 + 1e-12, MPFR_RNDN);
      mpfr_add_d(v, v, 1e-320, MPFR_RNDN);
      BOOST_TEST(mpfr_cmp_d(v, c) >= 0, "n=" << n << " tr=" << tr << " (too loose)");
      mpfr_clears(x, y, v, static_cast<mpfr_ptr>(nullptr));
    }
  }
  BOOST_TEST(std::isinf(rump_constant_binary64(10, -1.0, 0.0)));
  BOOST_TEST(std::isinf(rump_constant_binary64(10, std::numeric_limits<double>::infinity(), 0.0)));
}

// The blocked factor agrees with an MPFR Cholesky of the same matrix (sizes around the block size).
BOOST_AUTO_TEST_CASE(blocked_cholesky_is_a_cholesky) {
  std::mt19937_64 gen(11);
  for (std::size_t n : {1u, 2u, 5u, 31u, 33u, 63u, 64u, 65u, 130u, 200u, 300u}) {
    const std::vector<double> m = symmetric_with_spectrum(geometric_spectrum(n, 0.1, 10.0), gen);
    std::vector<double> l = m;
    BOOST_TEST_REQUIRE(cholesky_rn(l.data(), n));
    // Reference: row-oriented Cholesky at 200 bits.
    std::vector<mpfr_t> ref(n * n);
    for (auto& x : ref) mpfr_init2(x, 200);
    mpfr_t s, t;
    mpfr_inits2(200, s, t, static_cast<mpfr_ptr>(nullptr));
    double maxdiff = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        mpfr_set_d(s, m[i * n + j], MPFR_RNDN);
        for (std::size_t k = 0; k < j; ++k) {
          mpfr_mul(t, ref[i * n + k], ref[j * n + k], MPFR_RNDN);
          mpfr_sub(s, s, t, MPFR_RNDN);
        }
        if (i == j)
          mpfr_sqrt(ref[i * n + i], s, MPFR_RNDN);
        else
          mpfr_div(ref[i * n + j], s, ref[j * n + j], MPFR_RNDN);
        maxdiff = std::max(maxdiff, std::fabs(mpfr_get_d(ref[i * n + j], MPFR_RNDN) - l[i * n + j]));
      }
    BOOST_TEST(maxdiff < 1e-12, "n=" << n << " maxdiff=" << maxdiff);
    // The strict upper triangle is untouched.
    bool upper_kept = true;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) upper_kept = upper_kept && l[i * n + j] == m[i * n + j];
    BOOST_TEST(upper_kept);
    mpfr_clears(s, t, static_cast<mpfr_ptr>(nullptr));
    for (auto& x : ref) mpfr_clear(x);
  }
}

BOOST_AUTO_TEST_CASE(cholesky_failure_cases) {
  std::mt19937_64 gen(12);
  const std::size_t n = 70;
  std::vector<double> lams = geometric_spectrum(n, 0.5, 2.0);
  lams[n - 1] = -1e-3;  // indefinite
  std::vector<double> m = symmetric_with_spectrum(lams, gen);
  BOOST_TEST(!cholesky_rn(m.data(), n));
  std::vector<double> good = symmetric_with_spectrum(geometric_spectrum(n, 0.5, 2.0), gen);
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    for (std::size_t pos : {0u, 5u * 70u + 3u, 69u * 70u + 68u, 69u * 70u + 69u}) {
      std::vector<double> a = good;
      a[pos] = bad;
      BOOST_TEST(!cholesky_rn(a.data(), n), "pos=" << pos);
    }
  }
  std::vector<double> z(4, 0.0);  // zero matrix: first pivot 0
  BOOST_TEST(!cholesky_rn(z.data(), 2));
}

// rho(off-diagonal radius) <= bound <= max row sum, against the Jacobi reference of the radius.
BOOST_AUTO_TEST_CASE(radius_bound_brackets_spectral_radius) {
  std::mt19937_64 gen(13);
  std::uniform_real_distribution<double> ud(0.0, 1.0);
  for (std::size_t n : {1u, 2u, 6u, 17u, 40u}) {
    symmetric_midrad S;
    S.n = n;
    S.mid.assign(n * n, 1.0);
    S.rad.assign(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        const double r = (i == j) ? 5.0 : (ud(gen) < 0.3 ? 0.0 : ud(gen) * 1e-9);
        S.rad[i * n + j] = S.rad[j * n + i] = r;
      }
    const double bound = offdiag_radius_bound(S);
    std::vector<double> off = S.rad;
    double rowmax = 0;
    for (std::size_t i = 0; i < n; ++i) {
      off[i * n + i] = 0;
      double rs = 0;
      for (std::size_t j = 0; j < n; ++j) rs += off[i * n + j];
      rowmax = std::max(rowmax, rs);
    }
    const reference_spectrum ref = jacobi_eigenvalues(off, n, 256);
    const ref_real rho = reference_lower(ref, n - 1);
    BOOST_TEST(mpfr_cmp_d(rho.backend().data(), bound) <= 0, "n=" << n);
    BOOST_TEST(bound <= rowmax * (1 + 1e-12) + 1e-300);
    // A few Collatz steps are close to rho for these irreducible-ish matrices.
    if (n > 2) BOOST_TEST(bound <= 1.1 * mpfr_get_d(rho.backend().data(), MPFR_RNDU) + 1e-300);
  }
}

// v'Xv / v'v <= rayleigh_upper for corners X of the enclosure (exact quotient in MPFR).
BOOST_AUTO_TEST_CASE(rayleigh_upper_bounds_quotient) {
  std::mt19937_64 gen(14);
  std::normal_distribution<double> nd;
  for (std::size_t n : {1u, 3u, 10u, 50u}) {
    for (double rel : {0.0, 1e-12, 1e-6}) {
      const std::vector<double> m = symmetric_with_spectrum(geometric_spectrum(n, -1.0, 4.0), gen);
      const auto a = dinterval_matrix(m, random_radii(m, n, rel, gen), n);
      const symmetric_midrad S = to_midrad(a);
      std::vector<double> v(n);
      for (auto& t : v) t = nd(gen) * 1e-3;
      const double up = rayleigh_upper(S, v);
      for (int mode : {1, 3}) {
        const std::vector<double> x = sample_inside(a, gen, mode, v);
        mpfr_t num, den, t;
        mpfr_inits2(2400, num, den, t, static_cast<mpfr_ptr>(nullptr));  // exact
        mpfr_set_zero(num, 1);
        mpfr_set_zero(den, 1);
        for (std::size_t i = 0; i < n; ++i) {
          for (std::size_t j = 0; j < n; ++j) {
            mpfr_set_d(t, x[i * n + j], MPFR_RNDN);
            mpfr_mul_d(t, t, v[i], MPFR_RNDN);
            mpfr_mul_d(t, t, v[j], MPFR_RNDN);
            mpfr_add(num, num, t, MPFR_RNDN);
          }
          mpfr_set_d(t, v[i], MPFR_RNDN);
          mpfr_sqr(t, t, MPFR_RNDN);
          mpfr_add(den, den, t, MPFR_RNDN);
        }
        mpfr_div(num, num, den, MPFR_RNDU);
        BOOST_TEST(mpfr_cmp_d(num, up) <= 0, "n=" << n << " rel=" << rel << " mode=" << mode);
        mpfr_clears(num, den, t, static_cast<mpfr_ptr>(nullptr));
      }
    }
  }
  symmetric_midrad S = to_midrad(dinterval_matrix({1, 0, 0, 1}, {0, 0, 0, 0}, 2));
  BOOST_TEST(std::isinf(rayleigh_upper(S, {0.0, 0.0})));
  BOOST_TEST(std::isinf(rayleigh_upper(S, {1.0})));
}

// Near its threshold the test never claims too much: for t scanned across lambda_min, a success
// always has t below the reference enclosure; far enough below, it succeeds.
BOOST_AUTO_TEST_CASE(threshold_soundness_scan) {
  std::mt19937_64 gen(15);
  int proved = 0, refused = 0;
  for (std::size_t n : {1u, 4u, 12u, 25u}) {
    for (double rel : {0.0, 1e-10}) {
      for (double lmin : {1e-6, 0.3, -0.2}) {
        const std::vector<double> m = symmetric_with_spectrum(geometric_spectrum(n, 1.0, 10.0), gen);
        // shift the spectrum so that the smallest eigenvalue is near lmin
        std::vector<double> ms = m;
        for (std::size_t i = 0; i < n; ++i) ms[i * n + i] += lmin - 1.0;
        const std::vector<double> rad = random_radii(ms, n, rel, gen);
        const auto a = dinterval_matrix(ms, rad, n);
        const reference_spectrum ref = jacobi_eigenvalues(ms, n, 256);
        const double lam = mpfr_get_d(ref.values[0].backend().data(), MPFR_RNDN);
        const double scale = c_theory(ms, n, 53) + r_theory(rad, n);
        for (double k : {-1e6, -100.0, -10.0, -3.0, -1.0, -0.1, 0.0, 0.1, 1.0, 1e3}) {
          const double t = lam + k * std::max(scale, 1e-14);
          std::string why;
          const bool ok = prove_lambda_min_greater(a, mreal(t), &why);
          if (ok) {
            ++proved;
            // lambda_min(mid) >= lambda_min over the enclosure; the claim is about all of it.
            const ref_real lo = reference_upper(ref, 0);
            BOOST_TEST(mpfr_cmp_d(lo.backend().data(), t) > 0, "n=" << n << " k=" << k);
          } else {
            ++refused;
          }
        }
      }
    }
  }
  BOOST_TEST(proved > 0);
  BOOST_TEST(refused > 0);
}

// White-box: the proved t never exceeds min(mid_ii - ã_ii) - c(Ã) recomputed independently (a
// missing or too small constant would not show in black-box tests: the actual rounding errors of
// a Cholesky are far below the worst case).
BOOST_AUTO_TEST_CASE(shifted_bound_subtracts_the_constant) {
  std::mt19937_64 gen(16);
  int successes = 0;
  for (std::size_t n : {1u, 3u, 20u, 70u}) {
    for (double lmin : {1e-8, 0.5, -3.0}) {
      std::vector<double> lams = geometric_spectrum(n, 1.0, 100.0);
      lams[0] = lmin;
      const std::vector<double> m = symmetric_with_spectrum(lams, gen);
      const auto a = dinterval_matrix(m, std::vector<double>(n * n, 0.0), n);
      const double lam = float_eig_smallest(m, n, nullptr);
      const double c = c_theory(m, n, 53) + std::fabs(lam) * 1e-15;
      for (double k : {-4.0, -1.0, -0.25, 0.0}) {
        const double sigma = lam + k * c;
        const shifted_cholesky_outcome out = shifted_cholesky_bound(a, mreal(sigma));
        if (!out.success) continue;
        ++successes;
        std::vector<ref_real> md(n), sd(n);
        std::vector<mpfr_srcptr> mdp(n), sdp(n);
        for (std::size_t i = 0; i < n; ++i) {
          md[i] = ref_value(ref_real(m[i * n + i]).backend().data(), 53);
          sd[i] = ref_value(ref_real(m[i * n + i] - sigma).backend().data(), 53);  // fl(mid - sigma)
          mdp[i] = md[i].backend().data();
          sdp[i] = sd[i].backend().data();
        }
        const ref_real bound = constant_checked_bound(mdp, sdp, 53);
        BOOST_TEST(mpfr_cmp(mp(out.t), bound.backend().data()) <= 0, "n=" << n << " k=" << k);
      }
    }
  }
  BOOST_TEST(successes >= 12);
}

// Cholesky test on an environment it must refuse: FE_UPWARD rounding.
BOOST_AUTO_TEST_CASE(refuses_directed_rounding) {
  const auto a = dinterval_matrix({2, 1, 1, 2}, {0, 0, 0, 0}, 2);
  const symmetric_midrad S = to_midrad(a);
  BOOST_TEST(binary64_environment_ok());
  std::fesetround(FE_UPWARD);
  const shifted_cholesky_result res = shifted_cholesky_test(S, 0.0, 0.5);
  std::fesetround(FE_TONEAREST);
  BOOST_TEST(!res.success);
  BOOST_TEST(shifted_cholesky_test(S, 0.0, 0.5).success);
}

BOOST_AUTO_TEST_SUITE_END()
