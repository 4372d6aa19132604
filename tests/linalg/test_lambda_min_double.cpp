// lambda_min_enclose on the binary64 tier, against the MPFR Jacobi reference of the midpoint and
// of matrices sampled inside the enclosure (uniformly and at the corners that push lambda_min
// down or up for the computed eigenvector).
//
// Width bound asserted (see lambda_min_double.cpp): with c = (n+1)u tr(M) and r = n max rad_ij,
//   lambda - lower <= c + margin + r,   margin = c/16 + 2 residual + 4u|lambda| on the first try,
//   upper - lambda <= r + gamma_n (|v|'|Mv| + |v|'|M||v|) + Rayleigh excess <= r + c (1 + 1/n) + excess
// (|M| <= d d' with d_i = sqrt(M_ii) for PSD M, so |v|'|M||v| <= tr M). Hence
//   width <= 2.1 c + 2 r + (residual and Rayleigh terms, O(n u ||M||)),
// and the test asserts width <= 2.5 c + 2 r + 64 n u max|M_ij|.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "../common/jacobi.hpp"
#include "../common/random_matrices.hpp"
#include "linalg/lambda_min.hpp"
#include "util.hpp"

using namespace ntk;
using namespace ntk_test;

namespace {

double max_abs(const std::vector<double>& m) {
  double mx = 0;
  for (double t : m) mx = std::max(mx, std::fabs(t));
  return mx;
}

struct spd_case {
  std::size_t n;
  double cond;  // lambda_min / lambda_max of the intended spectrum
  double rel;   // relative entry radius
  double scale; // lambda_max
  int samples;  // sampled matrices checked besides the midpoint
};

void run_case(const spd_case& k, std::mt19937_64& gen, bool known_psd, double* worst_ratio) {
  const std::size_t n = k.n;
  const std::vector<double> m = symmetric_with_spectrum(geometric_spectrum(n, k.cond * k.scale, k.scale), gen);
  const std::vector<double> rad = random_radii(m, n, k.rel, gen);
  const auto a = dinterval_matrix(m, rad, n);
  const lambda_min_bounds b = lambda_min_enclose(a, known_psd);
  BOOST_TEST_CONTEXT("n=" << n << " cond=" << k.cond << " rel=" << k.rel << " scale=" << k.scale) {
    BOOST_TEST(b.precision_bits == 53);
    BOOST_TEST(b.lower_proved);
    BOOST_TEST(b.upper_proved);
    BOOST_TEST(b.vector.size() == n);
    const reference_spectrum ref = jacobi_eigenvalues(m, n, 256);
    BOOST_TEST(meets_reference(b, ref));
    const double c = c_theory(m, n, 53), r = r_theory(rad, n);
    const double allowed = 2.5 * c + 2 * r + 64 * n * 0x1p-53 * max_abs(m);
    BOOST_TEST(width(b) <= allowed, "width " << width(b) << " allowed " << allowed);
    *worst_ratio = std::max(*worst_ratio, width(b) / (c + r));
    // Positivity is proved once lambda_min clearly exceeds the achievable width.
    if (mpfr_cmp_d(reference_lower(ref, 0).backend().data(), 2 * allowed) > 0) BOOST_TEST(down(b.lower) > 0);
    for (int s = 0; s < (k.rel > 0 ? k.samples : 0); ++s) {
      const int mode = s % 3 == 0 ? 2 : (s % 3 == 1 ? 3 : 0);
      const std::vector<double> x = sample_inside(a, gen, mode, b.vector);
      BOOST_TEST(meets_reference(b, jacobi_eigenvalues(x, n, 256)), "sample mode " << mode);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lambda_min_double)

BOOST_AUTO_TEST_CASE(random_spd_enclosures) {
  std::mt19937_64 gen(101);
  std::vector<spd_case> cases;
  for (std::size_t n : {1u, 2u, 3u, 5u, 8u, 13u, 21u})
    for (double cond : {1.0, 1e-3, 1e-9, 1e-12})
      for (double rel : {0.0, 1e-14, 1e-8}) cases.push_back({n, cond, rel, 1.0, 3});
  for (double cond : {1e-2, 1e-6, 1e-12})
    for (double rel : {0.0, 1e-11}) cases.push_back({34, cond, rel, 1e3, 2});
  cases.push_back({60, 1e-4, 1e-13, 1e-4, 1});
  cases.push_back({60, 1e-12, 0.0, 7.0, 0});
  double worst = 0;
  for (const spd_case& k : cases) run_case(k, gen, false, &worst);
  BOOST_TEST_MESSAGE("binary64 tier: worst width / (c + r) = " << worst);
}

// known_psd only changes a negative or missing lower bound into 0.
BOOST_AUTO_TEST_CASE(known_psd_clamps_only_below_zero) {
  std::mt19937_64 gen(102);
  double worst = 0;
  run_case({15, 1e-2, 1e-12, 1.0, 2}, gen, true, &worst);
  // lambda_min far below the achievable width: the test proves a slightly negative bound, which
  // known_psd turns into 0.
  const std::size_t n = 30;
  std::vector<double> lams = geometric_spectrum(n, 1e-17, 1.0);
  const std::vector<double> m = symmetric_with_spectrum(lams, gen);
  const auto a = dinterval_matrix(m, std::vector<double>(n * n, 0.0), n);
  const lambda_min_bounds raw = lambda_min_enclose(a, false);
  const lambda_min_bounds psd = lambda_min_enclose(a, true);
  BOOST_TEST(raw.lower_proved);
  BOOST_TEST(down(raw.lower) < 0);
  BOOST_TEST(psd.lower_proved);
  BOOST_TEST(mpfr_zero_p(mp(psd.lower)));
  BOOST_TEST(mpfr_cmp(mp(psd.shift), mp(raw.lower)) == 0);
  BOOST_TEST(mpfr_cmp(mp(psd.upper), mp(raw.upper)) == 0);
}

// Exactly duplicated rows (and columns): lambda_min = 0 exactly. The enclosure is [0, small].
BOOST_AUTO_TEST_CASE(singular_duplicate_rows) {
  std::mt19937_64 gen(103);
  std::normal_distribution<double> nd;
  for (std::size_t n : {2u, 7u, 40u}) {
    for (double rel : {0.0, 1e-12}) {
      const std::size_t d = n + 5;  // full row rank apart from the duplicate: fl(Gram) stays PSD
      std::vector<double> x(n * d);
      for (auto& t : x) t = nd(gen);
      for (std::size_t k = 0; k < d; ++k) x[(n - 1) * d + k] = x[k];  // row n-1 = row 0
      std::vector<double> m(n * n);  // Gram, same summation order for every entry
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          double s = 0;
          for (std::size_t k = 0; k < d; ++k) s += x[i * d + k] * x[j * d + k];
          m[i * n + j] = s;
        }
      const std::vector<double> rad = random_radii(m, n, rel, gen);
      const auto a = dinterval_matrix(m, rad, n);
      const lambda_min_bounds b = lambda_min_enclose(a, true);
      BOOST_TEST_CONTEXT("n=" << n << " rel=" << rel) {
        BOOST_TEST(b.lower_proved);
        BOOST_TEST(mpfr_zero_p(mp(b.lower)));
        BOOST_TEST(b.upper_proved);
        BOOST_TEST(up(b.upper) >= 0);
        const double allowed = 2.5 * c_theory(m, n, 53) + 2 * r_theory(rad, n) + 64 * n * 0x1p-53 * max_abs(m);
        BOOST_TEST(up(b.upper) <= allowed, "upper " << up(b.upper) << " allowed " << allowed);
        BOOST_TEST(meets_reference(b, jacobi_eigenvalues(m, n, 256)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(one_by_one) {
  for (double v : {3.0, -2.5, 0.0, 1e-300, 7e200}) {
    for (double r : {0.0, 1e-9}) {
      dense_matrix<dinterval> a(1, 1);
      a(0, 0) = dinterval(round_down(v - r * std::fabs(v)), round_up(v + r * std::fabs(v)));
      const lambda_min_bounds b = lambda_min_enclose(a, false);
      BOOST_TEST_CONTEXT("v=" << v << " r=" << r) {
        BOOST_TEST(b.lower_proved);
        BOOST_TEST(b.upper_proved);
        BOOST_TEST(down(b.lower) <= a(0, 0).lo);
        BOOST_TEST(up(b.upper) >= a(0, 0).hi);
        BOOST_TEST(width(b) <= (a(0, 0).hi - a(0, 0).lo) + 1e-14 * std::fabs(v) + 1e-300);
      }
    }
  }
}

// Indefinite matrices (known_psd = false): the enclosure holds a negative lambda_min too.
BOOST_AUTO_TEST_CASE(negative_lambda_min) {
  std::mt19937_64 gen(104);
  for (std::size_t n : {1u, 6u, 30u}) {
    for (double lo : {-1e-3, -5.0}) {
      std::vector<double> lams = geometric_spectrum(n, 1e-2, 1.0);
      lams[0] = lo;
      const std::vector<double> m = symmetric_with_spectrum(lams, gen);
      const std::vector<double> rad = random_radii(m, n, 1e-10, gen);
      const auto a = dinterval_matrix(m, rad, n);
      const lambda_min_bounds b = lambda_min_enclose(a, false);
      BOOST_TEST_CONTEXT("n=" << n << " lo=" << lo) {
        BOOST_TEST(b.lower_proved);
        BOOST_TEST(b.upper_proved);
        BOOST_TEST(up(b.upper) < 0);
        BOOST_TEST(meets_reference(b, jacobi_eigenvalues(m, n, 256)));
        const std::vector<double> x = sample_inside(a, gen, 2, b.vector);
        BOOST_TEST(meets_reference(b, jacobi_eigenvalues(x, n, 256)));
      }
    }
  }
}

// A hint is only a hint: a good one is used, a bad one costs nothing in soundness.
BOOST_AUTO_TEST_CASE(hints) {
  std::mt19937_64 gen(105);
  std::normal_distribution<double> nd;
  const std::size_t n = 25;
  const std::vector<double> m = symmetric_with_spectrum(geometric_spectrum(n, 1e-4, 1.0), gen);
  const auto a = dinterval_matrix(m, random_radii(m, n, 1e-13, gen), n);
  const reference_spectrum ref = jacobi_eigenvalues(m, n, 256);
  const lambda_min_bounds plain = lambda_min_enclose(a, false);
  lambda_min_hint good{plain.vector, plain.estimate};
  const lambda_min_bounds with_good = lambda_min_enclose(a, false, &good);
  BOOST_TEST(meets_reference(with_good, ref));
  BOOST_TEST(with_good.lower_proved);
  BOOST_TEST(width(with_good) <= 2 * width(plain));
  lambda_min_hint bad;
  bad.vector.resize(n);
  for (auto& t : bad.vector) t = nd(gen);
  bad.value = 0.5;  // far off
  const lambda_min_bounds with_bad = lambda_min_enclose(a, false, &bad);
  BOOST_TEST(meets_reference(with_bad, ref));
  BOOST_TEST(with_bad.lower_proved);
  lambda_min_hint wrong_size{{1.0, 2.0}, 1.0};
  BOOST_TEST(meets_reference(lambda_min_enclose(a, false, &wrong_size), ref));
}

BOOST_AUTO_TEST_CASE(exceptional_inputs) {
  dense_matrix<dinterval> a(3, 3, dinterval(0.0));
  for (std::size_t i = 0; i < 3; ++i) a(i, i) = dinterval(1.0);
  a(2, 0) = dinterval(0.0, std::numeric_limits<double>::infinity());
  const lambda_min_bounds b = lambda_min_enclose(a, false);
  BOOST_TEST(!b.lower_proved);
  BOOST_TEST(!b.upper_proved);
  BOOST_TEST(!b.note.empty());
  BOOST_TEST(mpfr_inf_p(mp(b.lower)));
  const lambda_min_bounds bp = lambda_min_enclose(a, true);
  BOOST_TEST(bp.lower_proved);
  BOOST_TEST(mpfr_zero_p(mp(bp.lower)));
  // Disjoint A(i,j), A(j,i): noted, hull used.
  dense_matrix<dinterval> c(2, 2, dinterval(0.0));
  c(0, 0) = c(1, 1) = dinterval(2.0);
  c(0, 1) = dinterval(0.5);
  c(1, 0) = dinterval(0.75);
  const lambda_min_bounds bc = lambda_min_enclose(c, false);
  BOOST_TEST(bc.note.find("disjoint") != std::string::npos);
  BOOST_TEST(down(bc.lower) <= 1.25);
  BOOST_TEST(up(bc.upper) >= 1.5);
  BOOST_CHECK_THROW(lambda_min_enclose(dense_matrix<dinterval>(2, 3), false), std::invalid_argument);
  BOOST_CHECK_THROW(lambda_min_enclose(dense_matrix<dinterval>(0, 0), false), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
