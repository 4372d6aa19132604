#include <gmp.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "data/checks.hpp"
#include "test_util.hpp"

namespace {

using pair_t = std::optional<std::pair<std::size_t, std::size_t>>;

ntk::dataset make(std::size_t n, std::size_t d, std::vector<double> x, std::size_t first_row = 0) {
  ntk::dataset ds;
  ds.source = "test-data";
  ds.n = n;
  ds.d = d;
  ds.x = std::move(x);
  ds.first_row = first_row;
  return ds;
}

// Independent references in exact rational arithmetic (GMP), O(n^2 d).
struct rational {
  mpq_t q;
  rational() { mpq_init(q); }
  explicit rational(double v) { mpq_init(q); mpq_set_d(q, v); }
  ~rational() { mpq_clear(q); }
  rational(const rational&) = delete;
};

// First row (0-based) equal to the column mean, or nullopt.
std::optional<std::size_t> reference_row_at_mean(const ntk::dataset& ds) {
  std::vector<rational> mean(ds.d);
  for (std::size_t k = 0; k < ds.d; ++k) {
    for (std::size_t i = 0; i < ds.n; ++i) {
      rational v(ds.row(i)[k]);
      mpq_add(mean[k].q, mean[k].q, v.q);
    }
    rational cnt(double(ds.n));
    mpq_div(mean[k].q, mean[k].q, cnt.q);
  }
  for (std::size_t i = 0; i < ds.n; ++i) {
    bool eq = true;
    for (std::size_t k = 0; k < ds.d && eq; ++k) {
      rational v(ds.row(i)[k]);
      eq = mpq_equal(v.q, mean[k].q) != 0;
    }
    if (eq) return i;
  }
  return std::nullopt;
}

bool reference_parallel(const double* a, const double* b, std::size_t d) {
  std::size_t f = 0;
  while (f < d && b[f] == 0) ++f;
  if (f == d) return false;
  rational ratio, af(a[f]), bf(b[f]);
  mpq_div(ratio.q, af.q, bf.q);
  if (mpq_sgn(ratio.q) <= 0) return false;
  for (std::size_t k = 0; k < d; ++k) {
    rational ak(a[k]), bk(b[k]), prod;
    mpq_mul(prod.q, ratio.q, bk.q);
    if (!mpq_equal(prod.q, ak.q)) return false;
  }
  return true;
}

// The pair with the smallest j, then smallest i.
pair_t reference_pair(const ntk::dataset& ds, bool center) {
  for (std::size_t j = 0; j < ds.n; ++j)
    for (std::size_t i = 0; i < j; ++i) {
      bool hit;
      if (center) {
        hit = true;
        for (std::size_t k = 0; k < ds.d && hit; ++k) hit = ds.row(i)[k] == ds.row(j)[k];
      } else {
        hit = reference_parallel(ds.row(i), ds.row(j), ds.d);
      }
      if (hit) return std::make_pair(i, j);
    }
  return std::nullopt;
}

std::optional<std::size_t> thrown_row(const ntk::dataset& ds, bool center) {
  ntk::preprocessing pre;
  pre.center = center;
  try {
    ntk::dataset_check_rows(ds, pre);
  } catch (const ntk::data_error& e) {
    const std::string msg = e.what();
    const std::size_t at = msg.find(": row ");
    BOOST_REQUIRE(at != std::string::npos);
    return std::stoul(msg.substr(at + 6)) - 1 - ds.first_row;
  }
  return std::nullopt;
}

std::string show(const pair_t& p) {
  return p ? "(" + std::to_string(p->first) + ", " + std::to_string(p->second) + ")" : "none";
}
std::string show(const std::optional<std::size_t>& r) { return r ? std::to_string(*r) : "none"; }

pair_t find(const ntk::dataset& ds, bool center) {
  ntk::preprocessing pre;
  pre.center = center;
  pre.normalize = ntk::normalization::sphere;  // normalisation does not change directions
  return ntk::dataset_find_parallel_pair(ds, pre);
}

// A random double with at most `bits` significant bits, so that small multiples are exact.
double short_double(std::mt19937_64& rng, int bits, int exp_range) {
  const double m = double(rng() >> (64 - bits)) + 1;
  const double v = std::ldexp(m, int(rng() % (2 * exp_range + 1)) - exp_range - bits);
  return rng() % 2 ? -v : v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checks)

BOOST_AUTO_TEST_CASE(zero_rows) {
  ntk::dataset ds = make(4, 3, {1, 2, 3, 0, 0, 1e-300, 0, -0.0, 0, 4, 5, 6}, 10);
  ntk_test::expect_data_error([&] { ntk::dataset_check_rows(ds, {}); },
                              {"test-data: row 13", "all values are zero"});
  ds.x[7] = 5e-324;
  BOOST_CHECK_NO_THROW(ntk::dataset_check_rows(ds, {}));
  // With centring a zero raw row is fine as long as it is not the mean.
  ds.x[7] = 0;
  ntk::preprocessing center;
  center.center = true;
  BOOST_CHECK_NO_THROW(ntk::dataset_check_rows(ds, center));
}

BOOST_AUTO_TEST_CASE(row_at_column_mean) {
  ntk::preprocessing center;
  center.center = true;
  // Decimal data: 0.5 + 1.5 + 1.0 == 3 * 1.0 in the first column, but the second column's
  // doubles 0.1 + 0.2 + 0.15000000000000002 are not 3 times the last one: the reference decides.
  ntk::dataset ds = make(3, 2, {0.5, 0.1, 1.5, 0.2, 1.0, 0.15000000000000002});
  BOOST_TEST(show(thrown_row(ds, true)) == show(reference_row_at_mean(ds)));
  // A planted exact mean: 0.25 + 1 + 1.75 == 3 * 1 and 3 - 7 - 17 == 3 * -7.
  ds = make(3, 2, {0.25, 3, 1.0, -7, 1.75, -17}, 4);
  BOOST_REQUIRE(show(reference_row_at_mean(ds)) == show(std::optional<std::size_t>(1)));
  ntk_test::expect_data_error([&] { ntk::dataset_check_rows(ds, center); },
                              {"test-data: row 6", "mean of the 3 selected rows", "centring"});
  ds.x[4] = std::nextafter(1.75, 2.0);  // one unit in the last place away: not the mean
  BOOST_TEST(!reference_row_at_mean(ds).has_value());
  BOOST_CHECK_NO_THROW(ntk::dataset_check_rows(ds, center));
  // A single row is its own mean.
  ds = make(1, 2, {3, 4});
  BOOST_TEST(show(thrown_row(ds, true)) == show(std::optional<std::size_t>(0)));
  // Wide binary span (the MPFR path): 2^1000 - 2^1000 + 2^-1000 + 3 * 2^-1000 = 4 * 2^-1000.
  const double big = std::ldexp(1.0, 1000), tiny = std::ldexp(1.0, -1000);
  ds = make(4, 2, {big, 1, -big, 1, tiny, 1, 3 * tiny, 1});
  BOOST_REQUIRE(show(reference_row_at_mean(ds)) == show(std::optional<std::size_t>(2)));
  BOOST_TEST(show(thrown_row(ds, true)) == show(std::optional<std::size_t>(2)));
  ds.x[6] = std::nextafter(3 * tiny, 1.0);
  BOOST_TEST(!reference_row_at_mean(ds).has_value());
  BOOST_TEST(!thrown_row(ds, true).has_value());
  ds.x[6] = 3 * tiny;
  ds.x[7] = std::numeric_limits<double>::denorm_min();  // second column spans 2^0 .. 2^-1074
  BOOST_TEST(show(thrown_row(ds, true)) == show(reference_row_at_mean(ds)));
}

// Random small data sets where exact coincidences are frequent, in narrow and wide binary spans,
// against the rational reference.
BOOST_AUTO_TEST_CASE(row_at_column_mean_random) {
  std::mt19937_64 rng(1234);
  int hits = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const std::size_t n = 1 + rng() % 4, d = 1 + rng() % 3;
    // Column exponents 0, 700 or -1060 (subnormal products), mixed across columns now and then.
    const int exps[3] = {0, 700, -1060};
    std::vector<double> x(n * d);
    int e0 = 0;
    for (std::size_t c = 0; c < d; ++c) {
      const int e = exps[(std::size_t(trial) + (trial % 5 == 0 ? c : 0)) % 3];
      if (c == 0) e0 = e;
      for (std::size_t i = 0; i < n; ++i) x[i * d + c] = std::ldexp(double(int(rng() % 5) - 2), e);
    }
    // Now and then one entry far from the others in binary exponent forces the MPFR path.
    if (trial % 7 == 0) x[0] = std::ldexp(double(int(rng() % 5) - 2), e0 >= 0 ? -1000 : 1000);
    const ntk::dataset ds = make(n, d, x, trial);
    const auto want = reference_row_at_mean(ds);
    hits += want.has_value();
    BOOST_TEST_INFO("trial " << trial);
    BOOST_TEST(show(thrown_row(ds, true)) == show(want));
  }
  BOOST_TEST_MESSAGE("rows at the mean found in " << hits << " of 3000 random sets");
  BOOST_TEST(hits > 300);
}

BOOST_AUTO_TEST_CASE(planted_parallel_rows) {
  std::mt19937_64 rng(77);
  const std::size_t n = 300, d = 16;
  std::vector<double> base(n * d);
  for (auto& v : base) v = short_double(rng, 50, 20);
  auto row = [&](std::vector<double>& x, std::size_t i) { return x.data() + i * d; };

  auto expect = [&](const std::vector<double>& x, bool center, pair_t want) {
    const ntk::dataset ds = make(n, d, x);
    BOOST_REQUIRE(reference_pair(ds, center) == want);  // the plant is what we think it is
    BOOST_TEST(show(find(ds, center)) == show(want));
  };
  expect(base, false, std::nullopt);
  expect(base, true, std::nullopt);

  std::vector<double> x = base;
  for (std::size_t k = 0; k < d; ++k) row(x, 200)[k] = row(x, 40)[k];  // identical
  expect(x, false, std::make_pair(std::size_t(40), std::size_t(200)));
  expect(x, true, std::make_pair(std::size_t(40), std::size_t(200)));

  struct plant { double num, den; bool reported; };
  for (const plant& p : {plant{3, 1, true}, plant{3, 5, true}, plant{1, 128, true},
                         plant{7, 3, true}, plant{-3, 1, false}, plant{-1, 1, false}}) {
    // row 150 = (num/den) * row 10, exactly: row 10 := den * u, row 150 := num * u.
    std::copy(base.begin(), base.end(), x.begin());
    for (std::size_t k = 0; k < d; ++k) {
      const double u = short_double(rng, 48, 10);
      row(x, 10)[k] = p.den * u;
      row(x, 150)[k] = p.num * u;
    }
    row(x, 10)[3] = row(x, 150)[3] = 0;  // shared zeros, one of them negative
    row(x, 150)[5] = -0.0;
    row(x, 10)[5] = 0.0;
    BOOST_TEST_INFO("ratio " << p.num << "/" << p.den);
    expect(x, false, p.reported ? pair_t(std::make_pair(std::size_t(10), std::size_t(150)))
                                : std::nullopt);
    expect(x, true, std::nullopt);  // centring: only identical rows are reported
  }

  // Nearly proportional: row 150 = fl(0.1 * row 10) differs from exact proportionality by roundings.
  std::copy(base.begin(), base.end(), x.begin());
  for (std::size_t k = 0; k < d; ++k) row(x, 150)[k] = 0.1 * row(x, 10)[k];
  expect(x, false, std::nullopt);
  // One entry one unit in the last place away from an exact multiple.
  std::copy(base.begin(), base.end(), x.begin());
  for (std::size_t k = 0; k < d; ++k) row(x, 150)[k] = 3 * (row(x, 10)[k] = short_double(rng, 48, 10));
  row(x, 150)[9] = std::nextafter(row(x, 150)[9], 0.0);
  expect(x, false, std::nullopt);
}

// Rows whose rounded quotients x[k]/x[f] coincide although they are not proportional: the hash
// collides and the exact confirmation must reject them.
BOOST_AUTO_TEST_CASE(hash_collisions_rejected) {
  const double tiny = std::numeric_limits<double>::denorm_min();
  BOOST_REQUIRE(tiny / 1.0 == tiny / 1.5);  // underflow makes the quotients equal
  ntk::dataset ds = make(2, 2, {1.0, tiny, 1.5, tiny});
  BOOST_TEST(!reference_pair(ds, false).has_value());
  BOOST_TEST(!find(ds, false).has_value());
  // Normal range: p and its successor give equal quotients 1/p for some p in [1.5, 2).
  std::mt19937_64 rng(5);
  int collisions = 0;
  for (int t = 0; t < 2000 && collisions < 20; ++t) {
    const double p = 1.5 + double(rng() >> 12) * 0x1p-54;
    const double q = std::nextafter(p, 2.0);
    if (1.0 / p != 1.0 / q) continue;
    ++collisions;
    ds = make(2, 2, {p, 1.0, q, 1.0});
    BOOST_TEST(!find(ds, false).has_value());
  }
  BOOST_TEST(collisions > 0);
}

// The exact confirmation alone, on pairs built to differ only in exponents, signs, zeros or the
// last bit, against the rational reference.
BOOST_AUTO_TEST_CASE(exact_confirmation) {
  std::mt19937_64 rng(4242);
  const double pool[] = {1.0, 2.0, 0.5, 3.0, 6.0, 1.5, 0.1, 0.2, 0.30000000000000004, 5e-324,
                         1e-323, 0x1p-1022, 0x1.8p-1022, 0x1p1023, 0x1.8p1023, 7.0, 0.0, -0.0};
  const std::size_t pool_n = sizeof pool / sizeof pool[0];
  int yes = 0, no = 0;
  for (int t = 0; t < 20000; ++t) {
    const std::size_t d = 1 + rng() % 4;
    std::vector<double> a(d), b(d);
    const double c = std::ldexp(1.0, int(rng() % 9) - 4) * (rng() % 3 == 0 ? 3.0 : 1.0);
    for (std::size_t k = 0; k < d; ++k) {
      a[k] = pool[rng() % pool_n] * (rng() % 4 == 0 ? -1 : 1);
      b[k] = a[k] * c;  // often exact, sometimes rounded, overflowed or underflowed
      if (rng() % 5 == 0) b[k] = pool[rng() % pool_n];
      if (rng() % 9 == 0) b[k] = std::nextafter(b[k], 1.0);
      if (!std::isfinite(b[k])) b[k] = a[k];
    }
    bool a_zero = true, b_zero = true;
    for (std::size_t k = 0; k < d; ++k) {
      a_zero = a_zero && a[k] == 0;
      b_zero = b_zero && b[k] == 0;
    }
    if (a_zero || b_zero) continue;
    const bool want = reference_parallel(b.data(), a.data(), d);
    (want ? yes : no)++;
    BOOST_TEST_INFO("trial " << t);
    BOOST_TEST(ntk::detail::rows_positively_proportional(b.data(), a.data(), d) == want);
  }
  BOOST_TEST_MESSAGE("exact confirmation: " << yes << " proportional, " << no << " not");
  BOOST_TEST(yes > 2000);
  BOOST_TEST(no > 2000);
}

// Small integer rows: many proportional and identical pairs; the first pair must match.
BOOST_AUTO_TEST_CASE(random_small_integer_rows) {
  std::mt19937_64 rng(31337);
  int found = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    const std::size_t n = 2 + rng() % 6, d = 1 + rng() % 3;
    std::vector<double> x(n * d);
    const double unit = trial % 2 ? 1.0 : 0.1;  // 0.1 multiples: products round
    for (auto& v : x) v = double(int(rng() % 7) - 3) * unit;
    const ntk::dataset ds = make(n, d, x);
    for (bool center : {false, true}) {
      const pair_t want = reference_pair(ds, center);
      found += want.has_value();
      BOOST_TEST_INFO("trial " << trial << " center " << center);
      BOOST_TEST(show(find(ds, center)) == show(want));
    }
  }
  BOOST_TEST(found > 1000);
}

// N = 10,000 rows of 784 pixel-like integers: no pair, then planted pairs found (plain and centred).
BOOST_AUTO_TEST_CASE(large_fast) {
  const std::size_t n = 10000, d = 784;
  std::mt19937_64 rng(2024);
  std::vector<double> x(n * d);
  for (auto& v : x) v = double(rng() % 256);
  ntk::dataset ds = make(n, d, std::move(x));
  ntk::preprocessing plain, center;
  center.center = true;
  // (Speed is a benchmark matter: no wall-clock bounds here, they fail on a loaded CI machine.)
  pair_t got = ntk::dataset_find_parallel_pair(ds, plain);
  BOOST_TEST(!got.has_value());
  BOOST_CHECK_NO_THROW(ntk::dataset_check_rows(ds, center));
  std::copy(ds.row(17), ds.row(17) + d, ds.x.begin() + 9999 * d);
  for (std::size_t k = 0; k < d; ++k) ds.x[9998 * d + k] = 3 * ds.row(5)[k];
  got = ntk::dataset_find_parallel_pair(ds, plain);
  BOOST_TEST(show(got) == show(pair_t(std::make_pair(std::size_t(5), std::size_t(9998)))));
  BOOST_TEST(show(ntk::dataset_find_parallel_pair(ds, center)) ==
             show(pair_t(std::make_pair(std::size_t(17), std::size_t(9999)))));
}

BOOST_AUTO_TEST_SUITE_END()
