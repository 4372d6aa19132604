#include <mpfr.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "data/load.hpp"
#include "data/sha256.hpp"
#include "data/synthetic.hpp"
#include "test_util.hpp"

BOOST_AUTO_TEST_SUITE(synthetic)

// Published reference outputs.
BOOST_AUTO_TEST_CASE(generator_vectors) {
  std::uint64_t state = 0;
  const std::uint64_t sm[] = {0xE220A8397B1DCDAFull, 0x6E789E6AA1B965F4ull, 0x06C45D188009454Full,
                              0xF88BB8A8724C81ECull};
  for (std::uint64_t want : sm) BOOST_TEST(ntk::detail::splitmix64_next(state) == want);
  const std::uint64_t s[4] = {1, 2, 3, 4};
  ntk::detail::xoshiro256ss rng(s);
  const std::uint64_t xo[] = {11520ull,
                              0ull,
                              1509978240ull,
                              1215971899390074240ull,
                              1216172134540287360ull,
                              607988272756665600ull,
                              16172922978634559625ull,
                              8476171486693032832ull,
                              10595114339597558777ull,
                              2904607092377533576ull};
  for (std::uint64_t want : xo) BOOST_TEST(rng.next() == want);
}

// deterministic_log against MPFR's correctly rounded log at 200 bits.
BOOST_AUTO_TEST_CASE(deterministic_log_accuracy) {
  std::mt19937_64 rng(99);
  mpfr_t a, b;
  mpfr_inits2(200, a, b, (mpfr_ptr)0);
  double worst = 0;
  auto check = [&](double x) {
    const double got = ntk::detail::deterministic_log(x);
    mpfr_set_d(a, x, MPFR_RNDN);
    mpfr_log(a, a, MPFR_RNDN);
    mpfr_set_d(b, got, MPFR_RNDN);
    mpfr_sub(b, b, a, MPFR_RNDN);
    mpfr_div(b, b, a, MPFR_RNDN);
    const double rel = std::fabs(mpfr_get_d(b, MPFR_RNDN));
    worst = std::max(worst, rel);
    BOOST_TEST_INFO("x = " << x);
    BOOST_TEST(rel < 1e-15);
  };
  for (int k = 0; k < 20000; ++k) {
    const double u = double(rng() >> 11) * 0x1p-53;
    check(u > 0 ? u : 0.5);                                      // (0, 1): the polar method's range
    check(std::ldexp(0.5 + u / 2, int(rng() % 2000) - 1000));    // wide range
    check(1 + (u - 0.5) * 0x1p-20);                              // near 1: small results
  }
  for (double x : {0.5, 1.0 - 0x1p-53, 1.0 + 0x1p-52, 0.70710678118654752, 0.7071067811865475,
                   std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::min(),
                   std::numeric_limits<double>::max(), 2.0, 10.0})
    check(x);
  BOOST_TEST(ntk::detail::deterministic_log(1.0) == 0.0);
  BOOST_TEST(std::isnan(ntk::detail::deterministic_log(0.0)));
  BOOST_TEST(std::isnan(ntk::detail::deterministic_log(-1.0)));
  BOOST_TEST(std::isnan(ntk::detail::deterministic_log(INFINITY)));
  BOOST_TEST_MESSAGE("deterministic_log worst relative error: " << worst);
  mpfr_clears(a, b, (mpfr_ptr)0);
}

// The rows agree bit for bit with an independent Python transcription of the documented algorithm.
BOOST_AUTO_TEST_CASE(matches_python_transcription) {
  struct c { std::uint64_t seed, row; std::size_t d; };
  for (const c& t : {c{0, 0, 5}, c{0, 7, 1}, c{42, 3, 8}, c{18446744073709551615ull, 1000000, 33}}) {
    const std::string out = ntk_test::run_command(
        "python3 '" NTK_TEST_DATA_DIR "/sphere_reference.py' " + std::to_string(t.seed) + " " +
        std::to_string(t.row) + " " + std::to_string(t.d));
    std::vector<double> want;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) want.push_back(std::strtod(line.c_str(), nullptr));
    BOOST_REQUIRE(want.size() == t.d);
    std::vector<double> got(t.d);
    ntk::synthetic_sphere_row(t.seed, t.row, t.d, got.data());
    BOOST_TEST_INFO("seed " << t.seed << " row " << t.row << " d " << t.d);
    BOOST_TEST(std::memcmp(got.data(), want.data(), t.d * sizeof(double)) == 0);
  }
}

BOOST_AUTO_TEST_CASE(deterministic_and_sliceable) {
  const ntk::dataset a = ntk::dataset_load("synthetic:sphere?n=50&d=7&seed=3", 0, std::nullopt);
  const ntk::dataset b = ntk::dataset_load("synthetic:sphere?n=50&d=7&seed=3", 0, std::nullopt);
  const ntk::dataset c = ntk::dataset_load("synthetic:sphere?seed=3&d=7&n=50", 0, std::nullopt);
  const ntk::dataset other = ntk::dataset_load("synthetic:sphere?n=50&d=7&seed=4", 0, std::nullopt);
  const ntk::dataset dflt = ntk::dataset_load("synthetic:sphere?n=50&d=7", 0, std::nullopt);
  const ntk::dataset zero = ntk::dataset_load("synthetic:sphere?d=7&seed=0&n=50", 0, std::nullopt);
  BOOST_TEST(a.n == 50u);
  BOOST_TEST(a.d == 7u);
  BOOST_TEST(a.source == "synthetic:sphere?n=50&d=7&seed=3");
  BOOST_TEST(std::memcmp(a.x.data(), b.x.data(), a.x.size() * 8) == 0);
  BOOST_TEST(std::memcmp(a.x.data(), c.x.data(), a.x.size() * 8) == 0);
  BOOST_TEST(std::memcmp(dflt.x.data(), zero.x.data(), a.x.size() * 8) == 0);
  BOOST_TEST(std::memcmp(a.x.data(), other.x.data(), a.x.size() * 8) != 0);
  BOOST_TEST(a.sha256 == ntk::sha256_hex("synthetic:sphere?n=50&d=7&seed=3"));
  BOOST_TEST(a.sha256 == b.sha256);
  BOOST_TEST(a.sha256 != c.sha256);  // the hash names the spec text
  BOOST_TEST(a.sha256 == ntk_test::run_command("printf '%s' 'synthetic:sphere?n=50&d=7&seed=3' | sha256sum").substr(0, 64));
  const ntk::dataset s = ntk::dataset_load("synthetic:sphere?n=50&d=7&seed=3", 45, 10);
  BOOST_TEST(s.n == 5u);
  BOOST_TEST(s.first_row == 45u);
  BOOST_TEST(std::memcmp(s.x.data(), a.x.data() + 45 * 7, 5 * 7 * 8) == 0);
  // Rows depend only on (seed, index): a larger n does not change the first rows.
  const ntk::dataset big = ntk::dataset_load("synthetic:sphere?n=1000000000&d=7&seed=3", 0, 50);
  BOOST_TEST(std::memcmp(big.x.data(), a.x.data(), a.x.size() * 8) == 0);
}

// Row norms equal sqrt(d) up to (d + 8) units of 2^-53 relative, checked with exact squares in MPFR.
BOOST_AUTO_TEST_CASE(norms) {
  mpfr_t acc, sq;
  mpfr_init2(acc, 3000);
  mpfr_init2(sq, 120);
  for (std::size_t d : {1u, 2u, 3u, 10u, 784u}) {
    const ntk::dataset ds = ntk::dataset_load(
        "synthetic:sphere?n=200&d=" + std::to_string(d) + "&seed=11", 0, std::nullopt);
    for (std::size_t i = 0; i < ds.n; ++i) {
      mpfr_set_zero(acc, 1);
      for (std::size_t k = 0; k < d; ++k) {
        mpfr_set_d(sq, ds.row(i)[k], MPFR_RNDN);
        mpfr_sqr(sq, sq, MPFR_RNDN);  // exact at 120 bits
        mpfr_add(acc, acc, sq, MPFR_RNDN);
      }
      mpfr_sub_ui(acc, acc, (unsigned long)d, MPFR_RNDN);
      const double rel = std::fabs(mpfr_get_d(acc, MPFR_RNDN)) / double(d);
      BOOST_TEST_INFO("d " << d << " row " << i);
      BOOST_TEST(rel <= double(d + 8) * 0x1p-53);
    }
  }
  mpfr_clears(acc, sq, (mpfr_ptr)0);
}

// Uniform on the sphere: for d = 3 a coordinate / sqrt(3) is uniform on [-1, 1] (Archimedes), tested
// with Kolmogorov-Smirnov; for d = 10 the moments E x^2 = 1 and E x^4 = 3d/(d+2) of the sphere of
// radius sqrt(d).
BOOST_AUTO_TEST_CASE(uniform_on_the_sphere) {
  const std::size_t n = 20000;
  const ntk::dataset s3 = ntk::dataset_load("synthetic:sphere?n=20000&d=3&seed=5", 0, std::nullopt);
  for (std::size_t coord = 0; coord < 3; ++coord) {
    std::vector<double> t(n);
    for (std::size_t i = 0; i < n; ++i) t[i] = s3.row(i)[coord] / std::sqrt(3.0);
    std::sort(t.begin(), t.end());
    double ks = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double cdf = (t[i] + 1) / 2;
      ks = std::max({ks, std::fabs(cdf - double(i) / n), std::fabs(cdf - double(i + 1) / n)});
    }
    BOOST_TEST_MESSAGE("d = 3, coordinate " << coord << ": KS statistic " << ks);
    BOOST_TEST(ks < 1.95 / std::sqrt(double(n)));  // 0.1% level
  }
  const ntk::dataset s10 = ntk::dataset_load("synthetic:sphere?n=20000&d=10&seed=6", 0, std::nullopt);
  double m1 = 0, m2 = 0, m4 = 0, cross = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double* r = s10.row(i);
    for (std::size_t k = 0; k < 10; ++k) {
      m1 += r[k];
      m2 += r[k] * r[k];
      m4 += r[k] * r[k] * r[k] * r[k];
    }
    cross += r[0] * r[1];
  }
  const double cnt = double(n * 10);
  BOOST_TEST(std::fabs(m1 / cnt) < 0.02);
  BOOST_TEST(std::fabs(m2 / cnt - 1) < 1e-12);  // every row has norm^2 = d
  BOOST_TEST(std::fabs(m4 / cnt - 30.0 / 12.0) < 0.05);
  BOOST_TEST(std::fabs(cross / double(n)) < 0.03);
}

BOOST_AUTO_TEST_CASE(bad_specs) {
  for (const char* spec :
       {"synthetic:sphere", "synthetic:sphere?n=3", "synthetic:sphere?d=3", "synthetic:sphere?n=0&d=3",
        "synthetic:sphere?n=3&d=0", "synthetic:sphere?n=3&d=3&seed=-1", "synthetic:sphere?n=3&d=3&k=1",
        "synthetic:sphere?n=3&n=4&d=3", "synthetic:sphere?n=3&d=x", "synthetic:sphere?n=3&d=",
        "synthetic:sphere?n=3&d", "synthetic:sphere?n=3&d=3&", "synthetic:sphere?n=99999999999999999999&d=3",
        "synthetic:ball?n=3&d=3", "synthetic:"}) {
    BOOST_TEST_INFO(spec);
    ntk_test::expect_data_error([&] { ntk::dataset_load(spec, 0, std::nullopt); },
                                {spec, "synthetic:sphere?n=N&d=D&seed=S"});
  }
  ntk_test::expect_data_error([] { ntk::dataset_load("synthetic:sphere?n=3&d=2", 3, std::nullopt); },
                              {"no rows selected"});
  ntk_test::expect_data_error([] { ntk::dataset_load("synthetic:sphere?n=3&d=2", 0, 0); },
                              {"no rows selected"});
}

BOOST_AUTO_TEST_SUITE_END()
