// ntk_chain against the independent reference of reference.hpp: every link's enclosure contains the
// reference value, every verdict agrees with what the reference can tell apart, escalation decides
// near-duplicate data, and the exact equalities (L = 1, one order, proportional rows) are exact.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "data/checks.hpp"
#include "data/errors.hpp"
#include "driver/chain.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "reference.hpp"

using chain_test::ball;
using ntk::chain_verdict;

namespace {

std::string str(mpfr_srcptr x) {
  char buf[128];
  mpfr_snprintf(buf, sizeof buf, "%.20Rg", x);
  return buf;
}

ntk::dataset make_dataset(std::size_t n, std::size_t d, std::vector<double> x) {
  ntk::dataset ds;
  ds.source = "test";
  ds.sha256 = "0";
  ds.n = n;
  ds.d = d;
  ds.x = std::move(x);
  return ds;
}

struct setup {
  ntk::dataset data;
  ntk::preprocessing prep;
  int depth = 2;
  std::vector<unsigned> orders = {2, 4};
  ntk::kernel_convention convention = ntk::kernel_convention::paper;
  bool seed_with_lambda_min = false;
  ntk::precision_policy precision;

  std::string describe() const {
    std::ostringstream o;
    o << "N=" << data.n << " d=" << data.d << " L=" << depth << " orders=";
    for (unsigned r : orders) o << r << ",";
    o << " center=" << prep.center << " normalize=" << ntk::normalization_name(prep.normalize)
      << " convention=" << ntk::kernel_convention_name(convention) << " seeded=" << seed_with_lambda_min;
    return o.str();
  }
};

ntk::chain_outcome run_chain(const setup& s, ntk::ntk_outcome* lm_out = nullptr) {
  ntk::ntk_job job;
  job.data = &s.data;
  job.prep = s.prep;
  job.depth = s.depth;
  job.convention = s.convention;
  job.precision = s.precision;
  job.float64 = false;
  ntk::null_progress quiet;
  if (s.seed_with_lambda_min) {
    ntk::ntk_outcome lm = ntk::ntk_lambda_min(job, quiet);
    if (lm_out) *lm_out = lm;
    return ntk::ntk_chain(job, s.orders, &lm, quiet);
  }
  return ntk::ntk_chain(job, s.orders, nullptr, quiet);
}

chain_test::ref_chain run_reference(const setup& s) {
  double divisor = 1;
  int pow2 = 0;
  if (s.convention == ntk::kernel_convention::neural_tangents) divisor = static_cast<double>(s.data.d);
  if (s.convention == ntk::kernel_convention::uci) pow2 = s.depth - 1;
  return chain_test::reference_chain(s.data, s.prep, s.depth, s.orders, divisor, pow2);
}

std::map<std::string, const ntk::chain_link*> by_name(const ntk::chain_outcome& o) {
  std::map<std::string, const ntk::chain_link*> m;
  for (const auto& l : o.links) m[l.name] = &l;
  return m;
}

std::map<std::string, ball> reference_by_name(const chain_test::ref_chain& R, const std::vector<unsigned>& orders) {
  std::map<std::string, ball> m;
  m["lambda_min"] = R.lambda_min;
  m["schur"] = R.schur;
  m["hermite:all"] = R.hermite_all;
  m["upper"] = R.upper;
  for (std::size_t k = 0; k < orders.size(); ++k) {
    const std::string r = std::to_string(orders[k]);
    m["hermite:" + r] = R.hermite[k];
    m["gershgorin:" + r] = R.gershgorin[k];
    m["scale:" + r] = R.scale[k];
  }
  return m;
}

bool is_point(const ntk::mreal& lo, const ntk::mreal& hi) {
  return mpfr_equal_p(lo.backend().data(), hi.backend().data()) != 0;
}

// The link's enclosure contains the reference enclosure (or, for an exact point, the reference
// contains the point: the reference has a tiny but nonzero width).
bool contains(const ntk::mreal& lo, const ntk::mreal& hi, const ball& ref) {
  mpfr_srcptr l = lo.backend().data(), h = hi.backend().data();
  mpfr_srcptr rl = &ref.get()->left, rh = &ref.get()->right;
  if (is_point(lo, hi)) return mpfr_cmp(rl, l) <= 0 && mpfr_cmp(l, rh) <= 0;
  return mpfr_cmp(l, rl) <= 0 && mpfr_cmp(rh, h) <= 0;
}

// 1: the reference separates a < b; -1: a > b; 0: it cannot tell them apart.
int reference_order(const ball& a, const ball& b) {
  if (mpfr_cmp(&a.get()->right, &b.get()->left) < 0) return 1;
  if (mpfr_cmp(&a.get()->left, &b.get()->right) > 0) return -1;
  return 0;
}

struct claim_spec {
  std::string owner, lhs, rhs;
};

std::vector<claim_spec> claims_of(const std::vector<unsigned>& orders) {
  std::vector<claim_spec> c = {{"schur", "schur", "lambda_min"}, {"hermite:all", "hermite:all", "schur"},
                               {"upper", "lambda_min", "upper"}};
  for (unsigned r : orders) {
    const std::string s = std::to_string(r);
    c.push_back({"hermite:" + s, "hermite:" + s, "schur"});
    c.push_back({"gershgorin:" + s, "gershgorin:" + s, "hermite:" + s});
  }
  return c;
}

struct check_stats {
  int links = 0, decided_by_reference = 0, undecided_allowed = 0;
};

// Every check the reference supports, for one set-up. must_decide: a claim the reference separates
// must hold (false for a fixed precision, where undecided is the honest answer).
void check_against_reference(const setup& s, const ntk::chain_outcome& out, check_stats* stats = nullptr,
                             bool must_decide = true) {
  const chain_test::ref_chain R = run_reference(s);
  const auto links = by_name(out);
  const auto ref = reference_by_name(R, s.orders);
  BOOST_TEST_CONTEXT(s.describe()) {
    BOOST_TEST(out.links.size() == 4 + 3 * s.orders.size());
    BOOST_TEST(out.orders == s.orders);
    for (const auto& [name, value] : ref) {
      BOOST_TEST_REQUIRE(links.count(name) == 1u, "missing link " << name);
      const ntk::chain_link& l = *links.at(name);
      BOOST_TEST(contains(l.lower, l.upper, value),
                 name << ": [" << str(l.lower.backend().data()) << ", " << str(l.upper.backend().data())
                      << "] vs reference [" << str(&value.get()->left) << ", " << str(&value.get()->right) << "]");
      if (stats) ++stats->links;
    }
    for (const claim_spec& c : claims_of(s.orders)) {
      const chain_verdict v = links.at(c.owner)->holds;
      const int truth = reference_order(ref.at(c.lhs), ref.at(c.rhs));
      BOOST_TEST(truth != -1, "the reference contradicts the theorem " << c.lhs << " <= " << c.rhs);
      BOOST_TEST((v != chain_verdict::fails), c.owner << " reported as failing");
      if (truth == 1 && !must_decide) {
        BOOST_TEST((v != chain_verdict::fails), c.owner);
      } else if (truth == 1) {
        BOOST_TEST((v == chain_verdict::holds), c.owner << " not decided although the reference separates "
                                                        << c.lhs << " < " << c.rhs);
        if (stats) ++stats->decided_by_reference;
      } else if (stats && v == chain_verdict::undecided) {
        ++stats->undecided_allowed;
      }
    }
    BOOST_TEST((links.at("lambda_min")->holds == chain_verdict::not_applicable));
    for (std::size_t k = 0; k < s.orders.size(); ++k) {
      const std::string r = std::to_string(s.orders[k]);
      const ntk::chain_link& g = *links.at("gershgorin:" + r);
      BOOST_TEST_REQUIRE(g.precondition.has_value());
      const ball& q = R.gersh1[k];
      if (mpfr_sgn(&q.get()->left) > 0) BOOST_TEST((*g.precondition == chain_verdict::holds), "precondition " << r);
      if (mpfr_sgn(&q.get()->right) < 0) BOOST_TEST((*g.precondition == chain_verdict::fails), "precondition " << r);
      const ntk::chain_link& sc = *links.at("scale:" + r);
      BOOST_TEST((sc.holds == chain_verdict::not_applicable));
      BOOST_TEST_REQUIRE(sc.has_ratio);
      BOOST_TEST(contains(sc.ratio_lower, sc.ratio_upper, R.ratio[k]), "ratio " << r);
    }
  }
}

std::vector<double> random_rows(std::mt19937_64& rng, std::size_t n, std::size_t d, bool integers) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::uniform_int_distribution<int> z(-3, 3);
  std::vector<double> x(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    bool nonzero = false;
    while (!nonzero) {
      for (std::size_t k = 0; k < d; ++k) {
        x[i * d + k] = integers ? z(rng) : u(rng);
        nonzero = nonzero || x[i * d + k] != 0;
      }
    }
  }
  return x;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chain)

BOOST_AUTO_TEST_CASE(orders_are_normalised_and_checked) {
  BOOST_TEST(ntk::chain_normalize_orders({6, 2, 2, 4}) == std::vector<unsigned>({2, 4, 6}));
  BOOST_CHECK_THROW(ntk::chain_normalize_orders({}), std::invalid_argument);
  BOOST_CHECK_THROW(ntk::chain_normalize_orders({0}), std::invalid_argument);
  BOOST_CHECK_THROW(ntk::chain_normalize_orders({ntk::chain_max_order + 1}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(random_sets_against_reference) {
  std::mt19937_64 rng(20240611);
  std::uniform_int_distribution<int> n_dist(2, 8), d_dist(2, 6), depth_dist(1, 4), coin(0, 1), three(0, 2);
  const std::vector<std::vector<unsigned>> order_sets = {{2}, {2, 4}, {1, 2, 3}, {2, 4, 6}, {3, 6}};
  check_stats stats;
  int structural = 0;
  for (int trial = 0; trial < 24; ++trial) {
    setup s;
    const std::size_t n = static_cast<std::size_t>(n_dist(rng)), d = static_cast<std::size_t>(d_dist(rng));
    const bool integers = trial % 3 == 2;
    s.depth = depth_dist(rng);
    s.orders = order_sets[static_cast<std::size_t>(trial) % order_sets.size()];
    s.prep.center = three(rng) == 0;
    s.prep.normalize = static_cast<ntk::normalization>(three(rng));
    s.convention = static_cast<ntk::kernel_convention>(three(rng));
    s.seed_with_lambda_min = coin(rng) == 1;
    for (;;) {  // centring can create a zero row from small integers: draw again
      s.data = make_dataset(n, d, random_rows(rng, n, d, integers));
      try {
        ntk::dataset_check_rows(s.data, s.prep);
        break;
      } catch (const ntk::data_error&) {
      }
    }
    const ntk::chain_outcome out = run_chain(s);
    check_against_reference(s, out, &stats);
    for (const auto& l : out.links) structural += !l.note.empty();
    BOOST_TEST_MESSAGE(s.describe() << ": " << out.attempts.size() << " attempt(s) up to " << out.precision_bits
                                    << " bits, " << out.undecided.size() << " undecided");
  }
  BOOST_TEST_MESSAGE("links checked " << stats.links << ", claims the reference separates "
                                      << stats.decided_by_reference << ", undecided where it cannot "
                                      << stats.undecided_allowed << ", structural notes " << structural);
  BOOST_TEST(stats.decided_by_reference > 100);
}

BOOST_AUTO_TEST_CASE(near_duplicate_rows_need_escalation) {
  // Row 1 is row 0 with every entry changed by a relative 1e-8: λ_min of every G^(l) and Hadamard
  // power is O(1e-16) of its trace, below what the double tier resolves.
  std::mt19937_64 rng(7);
  setup s;
  s.depth = 3;
  s.orders = {2, 4};
  std::vector<double> x = random_rows(rng, 5, 4, false);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (std::size_t k = 0; k < 4; ++k) x[4 + k] = x[k] * (1 + 1e-8 * u(rng));
  s.data = make_dataset(5, 4, x);

  setup fixed = s;
  fixed.precision.automatic = false;
  fixed.precision.fixed_bits = 53;
  const ntk::chain_outcome in_double = run_chain(fixed);
  BOOST_TEST(!in_double.undecided.empty(), "the double tier alone should leave a claim undecided");
  check_against_reference(fixed, in_double, nullptr, false);

  for (bool seeded : {false, true}) {
    s.seed_with_lambda_min = seeded;
    const ntk::chain_outcome out = run_chain(s);
    BOOST_TEST_REQUIRE(out.attempts.size() >= 2u);
    BOOST_TEST(out.attempts.front().precision_bits == 53);
    BOOST_TEST(out.precision_bits > 53);
    BOOST_TEST(out.undecided.empty());
    // Only what the undecided claims depend on is recomputed.
    BOOST_TEST(out.attempts[1].eigen_enclosures <= out.attempts[0].eigen_enclosures);
    check_against_reference(s, out);
    for (const auto& l : out.links)
      if (l.holds != chain_verdict::not_applicable) BOOST_TEST((l.holds == chain_verdict::holds), l.name);
  }
}

BOOST_AUTO_TEST_CASE(depth_one_equalities) {
  std::mt19937_64 rng(11);
  setup s;
  s.depth = 1;
  s.orders = {2, 4};
  s.data = make_dataset(4, 6, random_rows(rng, 4, 6, false));
  for (bool seeded : {false, true}) {
    s.seed_with_lambda_min = seeded;
    const ntk::chain_outcome out = run_chain(s);
    check_against_reference(s, out);
    const auto links = by_name(out);
    const ntk::chain_link& lam = *links.at("lambda_min");
    for (const char* name : {"schur", "hermite:2", "hermite:4", "hermite:all"}) {
      const ntk::chain_link& l = *links.at(name);
      BOOST_TEST((l.holds == chain_verdict::holds), name);
      BOOST_TEST(l.note.find("equal by construction") != std::string::npos, name);
      BOOST_TEST(mpfr_equal_p(l.lower.backend().data(), lam.lower.backend().data()), name);
      BOOST_TEST(mpfr_equal_p(l.upper.backend().data(), lam.upper.backend().data()), name);
    }
    // No layer 2: the Gershgorin sums are empty, exactly 0.
    BOOST_TEST(is_point(links.at("gershgorin:2")->lower, links.at("gershgorin:2")->upper));
    BOOST_TEST(out.undecided.empty());
  }
  // N > d: K^(1) = XX^T is singular, so every link of the sum is exactly 0.
  s.data = make_dataset(6, 3, random_rows(rng, 6, 3, false));
  s.seed_with_lambda_min = true;
  const ntk::chain_outcome out = run_chain(s);
  check_against_reference(s, out);
  for (const auto& l : out.links) {
    if (l.name.rfind("scale:", 0) == 0 || l.name == "upper") continue;
    BOOST_TEST(mpfr_zero_p(l.lower.backend().data()), l.name);
    BOOST_TEST(mpfr_zero_p(l.upper.backend().data()), l.name);
  }
  BOOST_TEST(out.undecided.empty());
}

BOOST_AUTO_TEST_CASE(one_order_hermite_all_is_hermite_r) {
  std::mt19937_64 rng(13);
  setup s;
  s.depth = 3;
  s.orders = {4};
  s.data = make_dataset(5, 4, random_rows(rng, 5, 4, false));
  const ntk::chain_outcome out = run_chain(s);
  check_against_reference(s, out);
  const auto links = by_name(out);
  const ntk::chain_link &all = *links.at("hermite:all"), &h = *links.at("hermite:4");
  BOOST_TEST(mpfr_equal_p(all.lower.backend().data(), h.lower.backend().data()));
  BOOST_TEST(mpfr_equal_p(all.upper.backend().data(), h.upper.backend().data()));
  BOOST_TEST((all.holds == h.holds));
  BOOST_TEST(all.note.find("by construction") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(gershgorin_precondition) {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> noise(0.0, 1.0);
  // Nearly orthogonal rows: 3·e_i plus small noise, |Ĝ_ij| about 0.02.
  setup sep;
  sep.depth = 3;
  sep.orders = {2, 4};
  std::vector<double> x(4 * 8);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t k = 0; k < 8; ++k) x[i * 8 + k] = (k == i ? 3.0 : 0.0) + 0.05 * noise(rng);
  sep.data = make_dataset(4, 8, x);
  const ntk::chain_outcome a = run_chain(sep);
  check_against_reference(sep, a);
  for (const auto& l : a.links)
    if (l.precondition) BOOST_TEST((*l.precondition == chain_verdict::holds), l.name);
  // With the precondition the Gershgorin links are positive lower bounds.
  BOOST_TEST(mpfr_sgn(by_name(a).at("gershgorin:2")->lower.backend().data()) > 0);

  // A cluster: one common direction plus 10% noise, Ĝ_ij close to 1.
  setup clu = sep;
  std::vector<double> c(8);
  for (double& t : c) t = noise(rng);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t k = 0; k < 8; ++k) x[i * 8 + k] = c[k] + 0.1 * noise(rng);
  clu.data = make_dataset(4, 8, x);
  const ntk::chain_outcome b = run_chain(clu);
  check_against_reference(clu, b);
  for (const auto& l : b.links)
    if (l.precondition) BOOST_TEST((*l.precondition == chain_verdict::fails), l.name);
}

BOOST_AUTO_TEST_CASE(precondition_on_the_boundary_is_undecided_not_escalated_forever) {
  // Rows (1,0), (1,1), (1,-1): row 1 has Ĝ_12² + Ĝ_13² = 1/2 + 1/2, so 1 − max_i Σ_{j≠i} Ĝ_ij² = 0
  // exactly, which no enclosure of the irrational Ĝ_12 = 1/√2 decides. The claims still are.
  setup s;
  s.depth = 2;
  s.orders = {2};
  s.data = make_dataset(3, 2, {1, 0, 1, 1, 1, -1});
  const ntk::chain_outcome out = run_chain(s);
  check_against_reference(s, out);
  const ntk::chain_link& g = *by_name(out).at("gershgorin:2");
  BOOST_TEST((*g.precondition == chain_verdict::undecided));
  BOOST_TEST(g.note.find("agree to within") != std::string::npos, g.note);
  BOOST_TEST(out.precision_bits == 128);  // given up after the first MPFI attempt, not at the cap
  BOOST_TEST(out.undecided == std::vector<std::string>({"gershgorin:2 (precondition)"}));
  for (const auto& l : out.links)
    if (l.holds != chain_verdict::not_applicable) BOOST_TEST((l.holds == chain_verdict::holds), l.name);
}

BOOST_AUTO_TEST_CASE(proportional_rows_are_exact_zeros) {
  std::mt19937_64 rng(19);
  for (int sign : {1, -1}) {
    setup s;
    s.depth = 3;
    s.orders = {2, 3};
    std::vector<double> x = random_rows(rng, 5, 4, false);
    for (std::size_t k = 0; k < 4; ++k) x[3 * 4 + k] = sign * 2.0 * x[k];  // row 3 = ±2·row 0, exactly
    s.data = make_dataset(5, 4, x);
    s.seed_with_lambda_min = sign > 0;
    const ntk::chain_outcome out = run_chain(s);
    check_against_reference(s, out);
    BOOST_TEST(out.undecided.empty());
    const auto links = by_name(out);
    if (sign > 0) {
      // Every G^(l), K^(L) and Hadamard power is singular: the sums are exactly 0.
      for (const char* name : {"lambda_min", "schur", "hermite:2", "hermite:3", "hermite:all", "gershgorin:2"}) {
        BOOST_TEST(mpfr_zero_p(links.at(name)->lower.backend().data()), name);
        BOOST_TEST(mpfr_zero_p(links.at(name)->upper.backend().data()), name);
      }
      BOOST_TEST((*links.at("gershgorin:2")->precondition == chain_verdict::fails));
    }
  }
}

BOOST_AUTO_TEST_CASE(single_and_two_rows) {
  std::mt19937_64 rng(23);
  for (std::size_t n : {1u, 2u}) {
    for (bool center : {false, true}) {
      if (n == 1 && center) continue;  // the centred single row is zero
      setup s;
      s.depth = 3;
      s.orders = {2, 4};
      s.prep.center = center;
      s.data = make_dataset(n, 3, random_rows(rng, n, 3, false));
      const ntk::chain_outcome out = run_chain(s);
      check_against_reference(s, out);
      BOOST_TEST(out.undecided.empty(), s.describe());
    }
  }
}

BOOST_AUTO_TEST_CASE(conventions_scale_every_link) {
  std::mt19937_64 rng(29);
  setup s;
  s.depth = 3;
  s.orders = {2};
  s.data = make_dataset(5, 6, random_rows(rng, 5, 6, false));
  const ntk::chain_outcome paper = run_chain(s);
  s.convention = ntk::kernel_convention::uci;  // exactly K/4 at L = 3
  const ntk::chain_outcome uci = run_chain(s);
  check_against_reference(s, uci);
  for (std::size_t i = 0; i < paper.links.size(); ++i) {
    // Both enclosures contain the same value up to the factor: scaled ones must overlap.
    ntk::mreal lo = paper.links[i].lower / 4, hi = paper.links[i].upper / 4;  // exact: power of two
    BOOST_TEST(mpfr_cmp(lo.backend().data(), uci.links[i].upper.backend().data()) <= 0, paper.links[i].name);
    BOOST_TEST(mpfr_cmp(uci.links[i].lower.backend().data(), hi.backend().data()) <= 0, paper.links[i].name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
