// The main job end to end (ntk_lambda_min: geometry, recursion, verified eigenvalue, escalation)
// against an independent reference: the plain MPFI kernel of tests/kernel/reference.hpp at 1600
// bits and the MPFR Jacobi solver of tests/common/jacobi.hpp, whose eigenvalue error bound is
// proven. Twelve families of small data sets, depths 1 to 6.
#define BOOST_TEST_MODULE driver
#include <boost/test/unit_test.hpp>

#include <cfenv>
#include <cmath>
#include <random>
#include <stdexcept>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif
#include <string>
#include <vector>

#include "../common/jacobi.hpp"
#include "../kernel/reference.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "test_data.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "kernel/ntk_tiles.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/lambda_min_lean.hpp"

namespace {

using driver_test::make_data;

ntk::dataset gaussian(std::size_t n, std::size_t d, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<double> x(n * d);
  for (double& v : x) v = g(rng);
  return make_data(n, d, std::move(x));
}

// Row j becomes row i times (1 + eps) in its first coordinate: a near-duplicate at relative eps.
void near_duplicate(ntk::dataset& ds, std::size_t i, std::size_t j, double eps) {
  for (std::size_t k = 0; k < ds.d; ++k) ds.x[j * ds.d + k] = ds.x[i * ds.d + k];
  ds.x[j * ds.d] *= 1.0 + eps;
}

struct reference_bounds {
  ntk_test::ref_real lower, upper;
};

// λ_min of f·K^(L) enclosed by the reference: Jacobi on the midpoints of the 1600-bit kernel balls,
// widened by n·max radius (Weyl: |λ(A) - λ(mid)| <= ||A - mid||_2 <= n max |A - mid|_ij).
reference_bounds reference_lambda_min(const ntk::dataset& ds, const ntk::preprocessing& pre, int depth,
                                      ntk::kernel_convention conv) {
  kernel_test::reference_layers r = kernel_test::reference_ntk(ds, pre, depth);
  const kernel_test::ball_matrix& k = r.K[depth - 1];
  const std::size_t n = ds.n;
  const ntk::convention_factor f = ntk::kernel_convention_factor(conv, ds.d, depth);
  std::vector<ntk_test::ref_real> mids(n * n);
  std::vector<mpfr_srcptr> ptrs(n * n);
  mpfr_t rad, maxrad;
  mpfr_init2(rad, 64);
  mpfr_init2(maxrad, 64);
  mpfr_set_zero(maxrad, 1);
  for (std::size_t t = 0; t < n * n; ++t) {
    kernel_test::ball b = k.v[t];
    mpfi_mul_2si(b.get(), b.get(), -f.pow2);
    mpfi_div_d(b.get(), b.get(), f.divisor);
    mpfr_set_prec(mids[t].backend().data(), kernel_test::ref_bits);
    mpfi_mid(mids[t].backend().data(), b.get());
    mpfr_sub(rad, &b.get()->right, &b.get()->left, MPFR_RNDU);
    mpfr_max(maxrad, maxrad, rad, MPFR_RNDU);
    ptrs[t] = mids[t].backend().data();
  }
  ntk_test::reference_spectrum s = ntk_test::jacobi_eigenvalues(ptrs, n, 512);
  mpfr_mul_ui(maxrad, maxrad, static_cast<unsigned long>(n), MPFR_RNDU);
  reference_bounds b{ntk_test::reference_lower(s, 0), ntk_test::reference_upper(s, 0)};
  mpfr_sub(b.lower.backend().data(), b.lower.backend().data(), maxrad, MPFR_RNDD);
  mpfr_add(b.upper.backend().data(), b.upper.backend().data(), maxrad, MPFR_RNDU);
  mpfr_clear(rad);
  mpfr_clear(maxrad);
  return b;
}

struct expectation {
  bool certified = true;
  bool exact_zero = false;
  bool needs_mpfi = false;  // the double tier cannot meet rtol here
};

void check_case(const std::string& name, const ntk::dataset& ds, ntk::preprocessing pre, int depth,
                expectation want, ntk::kernel_convention conv = ntk::kernel_convention::paper,
                double rtol = 1e-6) {
  BOOST_TEST_CONTEXT(name << " (n " << ds.n << ", d " << ds.d << ", depth " << depth << ")") {
    ntk::ntk_job job;
    job.data = &ds;
    job.prep = pre;
    job.depth = depth;
    job.convention = conv;
    job.rtol = rtol;
    ntk::null_progress quiet;
    const ntk::ntk_outcome out = ntk::ntk_lambda_min(job, quiet);
    const reference_bounds ref = reference_lambda_min(ds, pre, depth, conv);
    BOOST_TEST(out.certified == want.certified);
    BOOST_TEST(out.exact_zero == want.exact_zero);
    BOOST_TEST(out.lower_proved);
    BOOST_TEST(out.upper_proved);
    // The certified enclosure and the reference enclosure must intersect (both contain λ_min).
    BOOST_TEST(!(out.lower > ref.upper), "lower " << out.lower << " above reference " << ref.upper);
    BOOST_TEST(!(out.upper < ref.lower), "upper " << out.upper << " below reference " << ref.lower);
    if (want.exact_zero) {
      BOOST_TEST(out.lower == 0);
      BOOST_TEST(out.upper == 0);
    } else if (want.certified) {
      BOOST_TEST(ntk::relative_width(out.lower, out.upper) <= rtol);
    }
    if (want.needs_mpfi) BOOST_TEST(out.precision_bits > 53);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_gaussian_depths_one_to_six) {
  for (int depth = 1; depth <= 6; ++depth) {
    const std::size_t n = 3 + static_cast<std::size_t>(depth) % 4, d = 6;
    check_case("gaussian", gaussian(n, d, 100 + depth), {}, depth, {});
  }
}

BOOST_AUTO_TEST_CASE(preprocessing_and_conventions) {
  ntk::preprocessing centred{true, ntk::normalization::none};
  ntk::preprocessing sphere{false, ntk::normalization::sphere};
  ntk::preprocessing both{true, ntk::normalization::unit};
  check_case("centred", gaussian(6, 5, 7), centred, 3, {});
  check_case("sphere", gaussian(7, 4, 8), sphere, 4, {});
  check_case("centred unit", gaussian(5, 5, 9), both, 2, {});
  check_case("neural-tangents", gaussian(5, 4, 10), sphere, 3, {}, ntk::kernel_convention::neural_tangents);
  check_case("uci", gaussian(5, 4, 11), {}, 5, {}, ntk::kernel_convention::uci);
  // Pixels with the exact scale 1/255, centred and normalised.
  std::mt19937 rng(12);
  std::vector<double> px(6 * 9);
  for (double& v : px) v = static_cast<double>(rng() % 256);
  check_case("pixels", make_data(6, 9, px, 255.0), {true, ntk::normalization::sphere}, 3, {});
}

BOOST_AUTO_TEST_CASE(near_duplicates_escalate) {
  for (double eps : {1e-8, 1e-10}) {
    ntk::dataset ds = gaussian(4, 5, 21);
    near_duplicate(ds, 0, 3, eps);
    check_case("near-duplicate depth 1 at " + std::to_string(eps), ds, {}, 1, {true, false, true});
    check_case("near-duplicate depth 3 at " + std::to_string(eps), ds, {}, 3, {});
    check_case("near-duplicate depth 6 at " + std::to_string(eps), ds, {}, 6, {});
  }
}

BOOST_AUTO_TEST_CASE(exact_zeros) {
  ntk::dataset dup = gaussian(5, 4, 31);
  near_duplicate(dup, 1, 4, 0.0);  // identical rows
  check_case("identical rows", dup, {}, 3, {true, true});
  ntk::dataset prop = gaussian(4, 3, 32);
  for (std::size_t k = 0; k < 3; ++k) prop.x[3 * 3 + k] = 4.0 * prop.x[0 * 3 + k];  // exact: a power of two
  check_case("proportional rows", prop, {}, 2, {true, true});
  check_case("depth 1, N > d", gaussian(6, 3, 33), {}, 1, {true, true});
  check_case("depth 1, centred", gaussian(4, 5, 34), {true, ntk::normalization::none}, 1, {true, true});
}

BOOST_AUTO_TEST_CASE(single_row_and_unreachable_rtol) {
  check_case("one row", gaussian(1, 3, 41), {}, 4, {});
  // rtol below what the capped precision can reach: honest enclosure, not certified.
  ntk::dataset ds = gaussian(4, 3, 42);
  ntk::ntk_job job;
  job.data = &ds;
  job.depth = 2;
  job.rtol = 1e-300;
  job.precision.max_bits = 128;
  ntk::null_progress quiet;
  const ntk::ntk_outcome out = ntk::ntk_lambda_min(job, quiet);
  BOOST_TEST(!out.certified);
  BOOST_TEST(out.lower_proved);
  BOOST_TEST(out.upper_proved);
  BOOST_TEST(out.lower <= out.upper);
  BOOST_TEST(out.attempts.size() == 3u);  // 53, 106 (double-double) and 128 bits
}

BOOST_AUTO_TEST_CASE(magnitudes_beyond_the_double_range) {
  // Gram entries near 2^±1400 do not exist in binary64; homogeneity K(2^-e x) = 2^-2e K(x) keeps
  // the computation in range and the bounds are scaled back exactly.
  for (int e : {700, -700}) {
    ntk::dataset ds = gaussian(4, 5, 50 + (e > 0));
    for (double& v : ds.x) v = std::ldexp(v, e);
    check_case("scaled by 2^" + std::to_string(e), ds, {}, 3, {});
  }
}

BOOST_AUTO_TEST_CASE(kernel_entries_near_the_top_of_the_double_range_are_never_nan) {
  // Rows near 1e200 (not powers of two apart, so the bounded Gram route is taken) and rows whose
  // magnitudes span 1e-300 .. 1e200 (no exact rescaling exists): every entry of the double-tier
  // kernel must be an interval (no NaN, lower <= upper) containing the 1600-bit reference value,
  // even when it can only be [-inf, inf] or [DBL_MAX, inf].
  std::mt19937_64 rng(61);
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  for (int variant = 0; variant < 2; ++variant) {
    const std::size_t n = 5, d = 4;
    std::vector<double> x(n * d);
    for (double& v : x) v = u(rng) * 1e200;
    if (variant == 1) x[2] = 3.3e-300;
    const ntk::dataset ds = make_data(n, d, x);
    const int depth = 3;
    BOOST_TEST_CONTEXT("variant " << variant) {
      ntk::null_progress quiet;
      const auto g = ntk::geometry_compute<ntk::dinterval>(ds, {}, quiet);
      const auto k = ntk::kernel_matrix<ntk::dinterval>(g, depth, ntk::kernel_which::K, depth, quiet);
      const kernel_test::reference_layers r = kernel_test::reference_ntk(ds, {}, depth);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          const ntk::dinterval e = k(i, j);
          BOOST_TEST_REQUIRE((e.lo <= e.hi), "entry " << i << "," << j << " is [" << e.lo << ", " << e.hi << "]");
          const kernel_test::ball& ref = r.K[depth - 1](i, j);
          BOOST_TEST(mpfr_cmp_d(&ref.get()->left, e.lo) >= 0, "entry " << i << "," << j);
          BOOST_TEST(mpfr_cmp_d(&ref.get()->right, e.hi) <= 0, "entry " << i << "," << j);
        }
      // The main job stays honest too: no NaN bound, and certified only with a valid enclosure.
      ntk::ntk_job job;
      job.data = &ds;
      job.depth = depth;
      job.precision.max_bits = 128;
      const ntk::ntk_outcome out = ntk::ntk_lambda_min(job, quiet);
      BOOST_TEST(!isnan(out.lower));
      BOOST_TEST(!isnan(out.upper));
      if (out.certified) BOOST_TEST(out.lower <= out.upper);
    }
  }
}

BOOST_AUTO_TEST_CASE(empty_enclosures_are_never_certified) {
  // relative_width decides "certified"; an interval with lower > upper is not an enclosure.
  const ntk::mreal two = 2, one = 1, zero = 0;
  BOOST_TEST(std::isinf(ntk::relative_width(two, one)));
  BOOST_TEST(ntk::relative_width(one, two) == 0.5);
  BOOST_TEST(ntk::relative_width(zero, zero) == 0.0);
}

BOOST_AUTO_TEST_CASE(wrong_floating_point_environment_is_refused) {
  ntk::dataset ds = gaussian(4, 3, 71);
  ntk::ntk_job job;
  job.data = &ds;
  ntk::null_progress quiet;
  BOOST_TEST_REQUIRE(std::fesetround(FE_UPWARD) == 0);
  BOOST_CHECK_THROW(ntk::ntk_lambda_min(job, quiet), std::runtime_error);
  std::fesetround(FE_TONEAREST);
#if defined(__x86_64__)
  const unsigned csr = _mm_getcsr();
  _mm_setcsr(csr | 0x8000u);  // flush to zero
  BOOST_CHECK_THROW(ntk::ntk_lambda_min(job, quiet), std::runtime_error);
  _mm_setcsr(csr);
#endif
  BOOST_TEST(ntk::ntk_lambda_min(job, quiet).certified);
}

BOOST_AUTO_TEST_CASE(fast_and_precise_paths_agree) {
  // Where both tiers certify, the double tier (shift search, no LAPACK hint) and the MPFI tier at
  // 128 bits give intersecting enclosures, each meeting the reference; the fast float64 answer (a
  // Rayleigh quotient of the float64 kernel) agrees with LAPACK's to far below the enclosure width.
  for (unsigned seed : {81u, 82u}) {
    const ntk::dataset ds = gaussian(40, 12, seed);
    ntk::ntk_job job;
    job.data = &ds;
    job.depth = 3;
    job.prep = {true, ntk::normalization::sphere};
    ntk::null_progress quiet;
    job.precision.automatic = false;
    job.precision.fixed_bits = 53;
    job.float64_how = ntk::ntk_job::float64_method::fast;
    const ntk::ntk_outcome fast = ntk::ntk_lambda_min(job, quiet);
    job.precision.fixed_bits = 128;
    job.float64_how = ntk::ntk_job::float64_method::full;
    const ntk::ntk_outcome precise = ntk::ntk_lambda_min(job, quiet);
    BOOST_TEST_CONTEXT("seed " << seed) {
      BOOST_TEST(fast.certified);
      BOOST_TEST(precise.certified);
      BOOST_TEST(fast.precision_bits == 53);
      BOOST_TEST(precise.precision_bits == 128);
      BOOST_TEST(fast.lower <= precise.upper);
      BOOST_TEST(precise.lower <= fast.upper);
      BOOST_TEST(fast.float64_method == "rayleigh");
      BOOST_TEST(precise.float64_method == "dsyevr");
      BOOST_TEST(std::fabs(fast.float64_lambda_min - precise.float64_lambda_min) <=
                 1e-9 * std::fabs(precise.float64_lambda_min));
    }
    const reference_bounds ref = reference_lambda_min(ds, job.prep, job.depth, job.convention);
    BOOST_TEST(!(fast.lower > ref.upper));
    BOOST_TEST(!(fast.upper < ref.lower));
  }
}

// The memory-lean double tier (kernel/ntk_tiles.hpp + linalg/lambda_min_lean.hpp, what
// ntk_lambda_min runs) against the dense one (geometry_compute + ntk_compute +
// lambda_min_enclose<dinterval>): both enclosures contain the reference λ_min, hence overlap.
BOOST_AUTO_TEST_CASE(lean_and_dense_double_tiers_agree) {
  struct job_case {
    std::string name;
    ntk::dataset ds;
    ntk::preprocessing pre;
    int depth;
  };
  std::vector<job_case> cases;
  for (int depth : {1, 2, 3, 5}) {
    cases.push_back({"gaussian", gaussian(9 + depth, 6, 300 + depth), {false, ntk::normalization::none}, depth});
    cases.push_back({"gaussian centred sphere", gaussian(8 + depth, 5, 310 + depth),
                     {true, ntk::normalization::sphere}, depth});
  }
  for (bool centre : {false, true}) {
    // Pixel rows at scale 1/255 (the exact Gram route), one of them a near-duplicate of another.
    std::mt19937 rng(centre ? 321 : 322);
    std::vector<double> px(11 * 16);
    for (double& v : px) v = static_cast<double>(rng() % 256);
    for (std::size_t k = 0; k < 16; ++k) px[10 * 16 + k] = px[3 * 16 + k];
    px[10 * 16 + 5] = px[3 * 16 + 5] < 255 ? px[3 * 16 + 5] + 1 : px[3 * 16 + 5] - 1;
    cases.push_back({"pixels", make_data(11, 16, px, 255.0), {centre, ntk::normalization::sphere}, 3});
  }
  ntk::dataset dup = gaussian(9, 5, 331);
  near_duplicate(dup, 2, 7, 1e-9);
  cases.push_back({"near-duplicate", dup, {false, ntk::normalization::none}, 3});
  ntk::null_progress quiet;
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name << " (n " << c.ds.n << ", depth " << c.depth << ", centre " << c.pre.center << ")") {
      const ntk::kernel_midrad km = ntk::ntk_kernel_midrad(c.ds, c.pre, c.depth, ntk::kernel_convention::paper, quiet);
      const ntk::lambda_min_bounds lean = ntk::lambda_min_enclose_lean(km.store, true, nullptr, quiet, true);
      const ntk::lambda_min_bounds lean_nofb = ntk::lambda_min_enclose_lean(km.store, true, nullptr, quiet, false);
      ntk::dense_matrix<ntk::dinterval> k =
          ntk::ntk_compute<ntk::dinterval>(ntk::geometry_compute<ntk::dinterval>(c.ds, c.pre, quiet), c.depth, quiet);
      const ntk::lambda_min_bounds dense = ntk::lambda_min_enclose<ntk::dinterval>(k, true, nullptr, quiet);
      const reference_bounds ref = reference_lambda_min(c.ds, c.pre, c.depth, ntk::kernel_convention::paper);
      BOOST_TEST(lean.lower_proved);
      BOOST_TEST(lean.upper_proved);
      for (const ntk::lambda_min_bounds* b : {&lean, &lean_nofb, &dense}) {
        if (b->lower_proved) BOOST_TEST(!(b->lower > ref.upper), "lower " << b->lower << " above " << ref.upper);
        if (b->upper_proved) BOOST_TEST(!(b->upper < ref.lower), "upper " << b->upper << " below " << ref.lower);
      }
      BOOST_TEST(!(lean.lower > dense.upper));
      BOOST_TEST(!(dense.lower > lean.upper));
    }
  }
  // Through the driver: the near-duplicate case misses the default rtol in the double tier and is
  // certified after escalation (the double tier is the lean one).
  check_case("near-duplicate escalates", dup, {}, 3, {});
}
