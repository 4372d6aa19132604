// The double-double tier of ntk_lambda_min (docs/numerics.md, "The double-double tier"): the
// escalation order, near-duplicate rows certified by it, and agreement with the MPFI tier at 256
// bits (an independent arithmetic for the kernel entries and the factorisation) on the same data.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "driver/ntk_lambda_min.hpp"
#include "test_data.hpp"

namespace {

using driver_test::make_data;

ntk::ntk_outcome run(const ntk::dataset& ds, ntk::preprocessing pre, int depth, ntk::precision_policy pol) {
  ntk::ntk_job job;
  job.data = &ds;
  job.prep = pre;
  job.depth = depth;
  job.precision = pol;
  ntk::null_progress quiet;
  return ntk::ntk_lambda_min(job, quiet);
}

ntk::precision_policy fixed(long bits) {
  ntk::precision_policy p;
  p.automatic = false;
  p.fixed_bits = bits;
  return p;
}

// The automatic run is certified by the double-double tier after a failed binary64 attempt, and its
// enclosure meets the fixed 256-bit MPFI run's (both contain λ_min).
void check_dd_certifies(const std::string& name, const ntk::dataset& ds, ntk::preprocessing pre, int depth) {
  BOOST_TEST_CONTEXT(name) {
    const ntk::ntk_outcome a = run(ds, pre, depth, {});
    const ntk::ntk_outcome m = run(ds, pre, depth, fixed(256));
    BOOST_TEST(a.certified);
    BOOST_TEST(a.tier == "double-double");
    BOOST_TEST(a.precision_bits == ntk::dd_tier_bits);
    BOOST_TEST_REQUIRE(a.attempts.size() == 2u);
    BOOST_TEST(a.attempts[0].precision_bits == 53);
    BOOST_TEST(a.attempts[1].tier == "double-double");
    BOOST_TEST(m.certified);
    BOOST_TEST(m.tier == "mpfi");
    BOOST_TEST(a.lower_proved);
    BOOST_TEST(a.upper_proved);
    BOOST_TEST(!(a.lower > m.upper), "dd lower " << a.lower << " above MPFI-256 upper " << m.upper);
    BOOST_TEST(!(a.upper < m.lower), "dd upper " << a.upper << " below MPFI-256 lower " << m.lower);
    BOOST_TEST(a.lower > 0);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(double_double_tier)

BOOST_AUTO_TEST_CASE(schedule) {
  ntk::precision_policy p;  // automatic, up to 4096
  const std::vector<long> s = ntk::precision_schedule(p);
  BOOST_TEST_REQUIRE(s.size() >= 3u);
  BOOST_TEST(s[0] == 53);
  BOOST_TEST(s[1] == ntk::dd_tier_bits);
  BOOST_TEST(s[2] == 128);
  p.max_bits = 106;  // the dd tier replaces an MPFI attempt at the same precision
  BOOST_TEST((ntk::precision_schedule(p) == std::vector<long>{53, 106}));
  p.max_bits = 100;  // cannot reach 106 bits: no dd tier
  BOOST_TEST((ntk::precision_schedule(p) == std::vector<long>{53, 100}));
  BOOST_TEST(!ntk::dd_tier_applies(p));
  BOOST_TEST((ntk::precision_schedule(fixed(106)) == std::vector<long>{106}));  // fixed: MPFI
  BOOST_TEST(!ntk::dd_tier_applies(fixed(256)));
}

// The README's example (docs: README "Near-duplicate rows"), depths 3 and 4.
BOOST_AUTO_TEST_CASE(readme_near_duplicate) {
  const ntk::dataset ds = make_data(4, 4, {1, 2, 3, 4, 1.0000000001, 2, 3, 4, -1, 0.5, 2, 1, 0.3, 0.1, -2, 1});
  check_dd_certifies("readme depth 4", ds, {}, 4);
  check_dd_certifies("readme depth 3 centred sphere", ds, {true, ntk::normalization::sphere}, 3);
  // Capped below 106 bits the dd tier is skipped and MPFI at the cap runs instead.
  ntk::precision_policy p;
  p.max_bits = 100;
  const ntk::ntk_outcome c = run(ds, {}, 4, p);
  for (const auto& a : c.attempts) BOOST_TEST(a.tier != "double-double");
  BOOST_TEST(c.tier == "mpfi");  // at the cap (the working precision rounds 100 bits up slightly)
  BOOST_TEST(c.precision_bits < ntk::dd_tier_bits);
}

// 200 pixel rows (integers at scale 1/255, d = 64) plus a copy of row 0 perturbed by 1e-10 relative
// per pixel, centred, on the sphere, depth 3: the shape of bench/near_duplicate.py.
BOOST_AUTO_TEST_CASE(near_duplicate_200_rows) {
  const std::size_t n = 200, d = 64;
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<int> px(0, 255);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> x((n + 1) * d);
  for (std::size_t t = 0; t < n * d; ++t) x[t] = px(rng);
  for (std::size_t k = 0; k < d; ++k) x[n * d + k] = x[k] * (1.0 + 1e-10 * u(rng));
  const ntk::dataset ds = make_data(n + 1, d, std::move(x), 255.0);
  check_dd_certifies("200 rows + near-duplicate", ds, {true, ntk::normalization::sphere}, 3);
}

BOOST_AUTO_TEST_SUITE_END()
