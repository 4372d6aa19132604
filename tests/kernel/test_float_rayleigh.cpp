// float_ntk_rayleigh (kernel/float_kernel.hpp), the matrix-free float64 Rayleigh quotient, against
// the dense float kernel (float_ntk<double>) and a long double quadratic form written here: the
// entries are the same expressions (acos possibly from libmvec, within 4 ulp, float_acos.hpp), so the
// two agree to the rounding of the Gram entries, of acos and of the summation, whatever the number
// of workers and panels.
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "kernel/float_acos.hpp"
#include "kernel/float_kernel.hpp"
#include "test_util.hpp"

using namespace ntk;

namespace {

// v'Kv / v'v of the dense float kernel scaled entrywise as ldexp(K_ij, -pow2) / divisor, in long
// double; also sum |v_i| |K_ij| |v_j| / v'v (the scale of the rounding errors).
std::pair<long double, long double> dense_rayleigh(const dataset& ds, const preprocessing& pre, int depth,
                                                   const std::vector<double>& v, int pow2, double divisor) {
  const dense_matrix<double> K = float_ntk<double>(ds, pre, depth);
  long double q = 0, a = 0, vv = 0;
  for (std::size_t i = 0; i < ds.n; ++i) {
    vv += (long double)v[i] * v[i];
    for (std::size_t j = 0; j < ds.n; ++j) {
      const long double k = std::ldexp(K(i, j), -pow2) / divisor;
      q += (long double)v[i] * k * v[j];
      a += std::fabs((long double)v[i] * k * v[j]);
    }
  }
  return {q / vv, a / vv};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(float_rayleigh)

BOOST_AUTO_TEST_CASE(matches_dense_kernel) {
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> g;
  struct shape {
    std::size_t n, d;
  };
  for (const shape s : {shape{1, 3}, shape{2, 5}, shape{7, 4}, shape{129, 6}, shape{300, 20}}) {
    for (const bool pix : {false, true}) {
      const dataset ds = pix ? kernel_test::pixels(rng, s.n, s.d) : kernel_test::gaussian(rng, s.n, s.d);
      std::vector<double> v(s.n);
      for (double& t : v) t = g(rng);
      for (const preprocessing& pre :
           {preprocessing{}, preprocessing{true, normalization::sphere}, preprocessing{false, normalization::unit}}) {
        if (pre.center && s.n == 1) continue;  // a centred single row is zero
        for (int depth : {1, 2, 3, 5}) {
          const int pow2 = depth % 2 ? 0 : 3;
          const double divisor = depth == 3 ? 7 : 1;
          const auto [ref, scale] = dense_rayleigh(ds, pre, depth, v, pow2, divisor);
          for (unsigned threads : {1u, 2u, 3u}) {
            const double r = float_ntk_rayleigh(ds, pre, depth, v, pow2, divisor, threads);
            BOOST_TEST_INFO("n " << s.n << " d " << s.d << " depth " << depth << " threads " << threads << " center "
                                 << pre.center);
            // Gram entries differ by summation order (relative ~ d u), which acos near ρ = 1 can
            // amplify to ~ sqrt(d u) in single entries; the sum of entries is off by ~ n u.
            BOOST_TEST(std::fabs((long double)r - ref) <= 1e-7L * scale);
          }
        }
      }
    }
  }
}

// Entry by entry: with v = e_i + e_j the quotient is (K_ii + K_jj + 2 K_ij) / 2, so every entry of
// the matrix-free form (on AVX-512 machines each at its own lane of an eight-wide block, acos from
// libmvec, float_acos.hpp) is compared with float_ntk<double>, to 1e-12 of the entries' size.
// Gaussian rows: no pair is near ρ = ±1, where the two forms' Gram roundings could be amplified.
BOOST_AUTO_TEST_CASE(entries_match_dense_kernel) {
  std::mt19937_64 rng(31);
  const std::size_t n = 37;
  const dataset ds = kernel_test::gaussian(rng, n, 5);
  BOOST_TEST_MESSAGE("float_ntk_rayleigh acos: " << (float_acos_vectorised() ? "libmvec AVX-512" : "std::acos"));
  for (const preprocessing& pre : {preprocessing{}, preprocessing{true, normalization::sphere}}) {
    for (int depth : {1, 2, 3, 7}) {
      const dense_matrix<double> K = float_ntk<double>(ds, pre, depth);
      for (const auto& [pow2, divisor] : {std::pair{0, 1.0}, std::pair{3, 7.0}}) {
        const auto s = [&](double e) { return std::ldexp(e, -pow2) / divisor; };
        double worst = 0;
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = i + 1; j < n; ++j) {
            std::vector<double> v(n, 0.0);
            v[i] = v[j] = 1;
            const double r = float_ntk_rayleigh(ds, pre, depth, v, pow2, divisor, (i + j) % 2 ? 1 : 2);
            const double ref = (s(K(i, i)) + s(K(j, j)) + 2 * s(K(i, j))) / 2;
            const double size = (std::fabs(s(K(i, i))) + std::fabs(s(K(j, j))) + 2 * std::fabs(s(K(i, j)))) / 2;
            worst = std::max(worst, std::fabs(r - ref) / size);
          }
        BOOST_TEST_INFO("depth " << depth << " center " << pre.center << " pow2 " << pow2);
        BOOST_TEST(worst <= 1e-12);
      }
    }
  }
}

// Random v on Gaussian rows, with several panels (n = 1100) and workers: the quotient agrees with
// the dense kernel's to 1e-12 of sum |v_i K_ij v_j| / v'v.
BOOST_AUTO_TEST_CASE(matches_dense_kernel_tightly) {
  std::mt19937_64 rng(2025);
  std::normal_distribution<double> g;
  struct shape {
    std::size_t n, d;
  };
  for (const shape sh : {shape{300, 20}, shape{1100, 12}}) {
    const dataset ds = kernel_test::gaussian(rng, sh.n, sh.d);
    std::vector<double> v(sh.n);
    for (double& t : v) t = g(rng);
    for (int depth : {2, 3}) {
      const preprocessing pre{true, normalization::sphere};
      const auto [ref, scale] = dense_rayleigh(ds, pre, depth, v, 1, 3);
      for (unsigned threads : {1u, 2u, 3u}) {
        const double r = float_ntk_rayleigh(ds, pre, depth, v, 1, 3, threads);
        BOOST_TEST_INFO("n " << sh.n << " depth " << depth << " threads " << threads);
        BOOST_TEST(std::fabs((long double)r - ref) <= 1e-12L * scale);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(degenerate_arguments) {
  std::mt19937_64 rng(5);
  const dataset ds = kernel_test::gaussian(rng, 4, 3);
  BOOST_TEST(std::isnan(float_ntk_rayleigh(ds, {}, 2, std::vector<double>(3, 1.0))));
  BOOST_CHECK_THROW(float_ntk_rayleigh(ds, {}, 0, std::vector<double>(4, 1.0)), std::invalid_argument);
  BOOST_CHECK_THROW(float_ntk_rayleigh(ds, {}, ntk_max_depth + 1, std::vector<double>(4, 1.0)),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
