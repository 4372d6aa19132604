// certify ntk --chain end to end: the JSON "chain" array and its keys, the readable table, usage
// errors, and the printed enclosures against the independent reference.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../common/cli_sandbox.hpp"
#include "certificate/json.hpp"
#include "reference.hpp"

namespace fs = std::filesystem;

namespace {

using ntk_test::has;
using ntk_test::run_result;
using ntk_test::sandbox;

// Six rows in R^4, written exactly (short decimals are read as their correctly rounded doubles;
// the reference reads the same doubles).
const std::vector<double> rows = {0.5, -1.25, 2, 0.75,  1, 0.5, -0.5, 1.5,  -2, 1, 0.25, 1,
                                  0.125, 0.5, 1.75, -1,  1.5, 1.5, 0.5, 0.5,  -0.75, -1, 1, 2};

std::string csv() {
  std::ostringstream o;
  for (std::size_t i = 0; i < 6; ++i) {
    for (std::size_t k = 0; k < 4; ++k) o << (k ? "," : "") << rows[i * 4 + k];
    o << "\n";
  }
  return o.str();
}

// The decimal string s read as an enclosure: rounded down for a lower end, up for an upper end.
bool inside(const std::string& lo, const std::string& hi, const chain_test::ball& ref) {
  mpfr_t l, h;
  mpfr_inits2(chain_test::ref_bits, l, h, (mpfr_ptr)0);
  mpfr_set_str(l, lo.c_str(), 10, MPFR_RNDD);
  mpfr_set_str(h, hi.c_str(), 10, MPFR_RNDU);
  const bool point = mpfr_equal_p(l, h);
  const bool ok = point ? mpfr_cmp(&ref.get()->left, l) <= 0 && mpfr_cmp(l, &ref.get()->right) <= 0
                        : mpfr_cmp(l, &ref.get()->left) <= 0 && mpfr_cmp(&ref.get()->right, h) <= 0;
  mpfr_clears(l, h, (mpfr_ptr)0);
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_chain)

BOOST_AUTO_TEST_CASE(json_chain_matches_reference) {
  sandbox sb;
  const fs::path data = sb.write("rows.csv", csv());
  const run_result r = sb.certify("ntk --data " + data.string() + " --depth 3 --chain --orders 6,2,4 --json - --quiet");
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  const ntk::json::value j = ntk::json::parse(r.out);
  const ntk::json::value& chain = j.at("chain");
  const std::vector<std::string> names = {"lambda_min",   "schur",        "hermite:2",    "hermite:4", "hermite:6",
                                          "hermite:all",  "gershgorin:2", "gershgorin:4", "gershgorin:6",
                                          "scale:2",      "scale:4",      "scale:6",      "upper"};
  BOOST_TEST_REQUIRE(chain.size() == names.size());

  ntk::dataset ds;
  ds.n = 6;
  ds.d = 4;
  ds.x = rows;
  const std::vector<unsigned> orders = {2, 4, 6};
  const chain_test::ref_chain R = chain_test::reference_chain(ds, {}, 3, orders, 1.0, 0);
  const std::vector<const chain_test::ball*> refs = {
      &R.lambda_min,    &R.schur,         &R.hermite[0],    &R.hermite[1], &R.hermite[2],
      &R.hermite_all,   &R.gershgorin[0], &R.gershgorin[1], &R.gershgorin[2],
      &R.scale[0],      &R.scale[1],      &R.scale[2],      &R.upper};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const ntk::json::value& e = chain[i];
    BOOST_TEST_CONTEXT(names[i]) {
      BOOST_TEST(e.at("link").as_string() == names[i]);
      const std::string lo = e.at("value").at("lower").as_string(), hi = e.at("value").at("upper").as_string();
      BOOST_TEST(inside(lo, hi, *refs[i]), "[" << lo << ", " << hi << "]");
      const ntk::json::value& holds = e.at("holds");
      if (names[i] == "lambda_min" || names[i].rfind("scale:", 0) == 0) {
        BOOST_TEST(holds.is_null());
      } else {
        BOOST_TEST((holds.is_bool() && holds.as_bool()));  // this data decides every claim in double
      }
      if (names[i].rfind("gershgorin:", 0) == 0) BOOST_TEST(e.at("precondition").is_bool());
      if (names[i].rfind("scale:", 0) == 0) {
        const ntk::json::value& ratio = e.at("ratio");
        BOOST_TEST(inside(ratio.at("lower").as_string(), ratio.at("upper").as_string(), R.ratio[0]));
      }
    }
  }
  // The chain's lambda_min lies within the main enclosure (it is an intersection with it).
  mpfr_t a, b;
  mpfr_inits2(256, a, b, (mpfr_ptr)0);
  mpfr_set_str(a, chain[0].at("value").at("lower").as_string().c_str(), 10, MPFR_RNDD);
  mpfr_set_str(b, j.at("lambda_min").at("lower").as_string().c_str(), 10, MPFR_RNDD);
  BOOST_TEST(mpfr_cmp(a, b) >= 0);
  mpfr_set_str(a, chain[0].at("value").at("upper").as_string().c_str(), 10, MPFR_RNDU);
  mpfr_set_str(b, j.at("lambda_min").at("upper").as_string().c_str(), 10, MPFR_RNDU);
  BOOST_TEST(mpfr_cmp(a, b) <= 0);
  mpfr_clears(a, b, (mpfr_ptr)0);
  const ntk::json::value& run = j.at("chain_run");
  BOOST_TEST(run.at("orders").size() == 3u);
  BOOST_TEST(run.at("undecided").size() == 0u);
  BOOST_TEST(run.at("precision_bits").as_integer() == 53);
}

BOOST_AUTO_TEST_CASE(table_and_default_orders) {
  sandbox sb;
  const fs::path data = sb.write("rows.csv", csv());
  const run_result r = sb.certify("ntk --data " + data.string() + " --depth 2 --chain");
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  for (const char* s : {"chain", "lambda_min", "schur", "hermite:2", "hermite:4", "hermite:all", "gershgorin:2",
                        "gershgorin:4", "scale:2", "scale:4", "upper", "precondition", "lambda_min/m", "<= schur",
                        ">= lambda_min"})
    BOOST_TEST(has(r.out, s), s);
  BOOST_TEST(!has(r.out, "hermite:6"));
  // Without --chain nothing of the chain appears.
  const run_result plain = sb.certify("ntk --data " + data.string() + " --depth 2 --json - --quiet");
  BOOST_TEST(plain.status == 0);
  BOOST_TEST(!has(plain.out, "\"chain\""));
}

BOOST_AUTO_TEST_CASE(usage_errors) {
  sandbox sb;
  const fs::path data = sb.write("rows.csv", csv());
  const std::string base = "ntk --data " + data.string() + " --depth 2 --quiet ";
  for (const char* bad : {"--orders 2", "--chain --orders 0", "--chain --orders 2,x", "--chain --orders ''",
                          "--chain --orders 2,,4", "--chain --orders 100000"}) {
    const run_result r = sb.certify(base + bad);
    BOOST_TEST(r.status == 2, bad << ": " << r.err);
    BOOST_TEST(has(r.err, "--orders"), bad);
  }
  const run_result help = sb.certify("ntk --help");
  BOOST_TEST(help.status == 0);
  BOOST_TEST(has(help.out, "--chain"));
  BOOST_TEST(has(help.out, "--orders"));
}

BOOST_AUTO_TEST_SUITE_END()
