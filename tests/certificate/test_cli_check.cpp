// `certify check` end to end: exit statuses 0 / 1 / 2, --quiet, --json. The path of the certify
// executable comes from the environment variable CERTIFY (set by meson); without it these tests
// are skipped.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../common/cli_sandbox.hpp"
#include "certificate/certificate.hpp"
#include "certificate/io.hpp"
#include "certificate/json.hpp"
#include "data/sha256.hpp"

namespace {

using ntk_test::run_result;
using ntk_test::sandbox;

const char* certify_path() { return std::getenv("CERTIFY"); }

// A 3-point data set whose λ_min is known in closed form: rows e1, e2, e1 + e2 (d = 2), depth 1:
// K = XXᵀ = [[1,0,1],[0,1,1],[1,1,2]] has eigenvalues 0, 1, 3. Depth 1 with a duplicate-free
// 2-point set e1, 2·e2: K = diag(1, 4), λ_min = 1 exactly, eigenvector e1.
ntk::certificate two_point_certificate(const sandbox& dir) {
  std::string data = dir.file("two.csv");
  ntk::write_file_atomic(data, "x,y\n1,0\n0,2\n");
  ntk::certificate c;
  c.claim.lower = "0.999999";
  c.claim.upper = "1.000001";
  c.data.source = "two.csv";  // relative: resolved next to the certificate
  c.data.sha256 = ntk::sha256_file_hex(data);
  c.data.n = 2;
  c.data.d = 2;
  c.model.depth = 1;
  c.hints.eigenvector = {1.0, 0.0};
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_check)

BOOST_AUTO_TEST_CASE(exit_statuses_and_output) {
  if (!certify_path()) {
    BOOST_TEST_MESSAGE("CERTIFY not set: skipped");
    return;
  }
  sandbox dir(certify_path());
  ntk::certificate c = two_point_certificate(dir);
  ntk::write_file_atomic(dir.file("ok.json"), ntk::certificate_json(c));

  run_result r = dir.certify("check '" + dir.file("ok.json") + "'");
  BOOST_TEST(r.status == 0, r.out << r.err);
  BOOST_TEST(r.out.rfind("valid: λ_min ∈ [0.999999, 1.000001] for two.csv (depth 1", 0) == 0, r.out);

  r = dir.certify("check --quiet '" + dir.file("ok.json") + "'");
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.empty());

  r = dir.certify("check '" + dir.file("ok.json") + "' --quiet --json '" + dir.file("res.json") + "'");
  BOOST_TEST(r.status == 0);
  ntk::json::value j = ntk::json::parse(ntk::read_file(dir.file("res.json")));
  BOOST_TEST(j.at("command").as_string() == "check");
  BOOST_TEST(j.at("valid").as_bool());
  BOOST_TEST(j.at("claim").at("lower").as_string() == "0.999999");

  r = dir.certify("check '" + dir.file("ok.json") + "' --json -");
  BOOST_TEST(r.status == 0);
  BOOST_TEST(ntk::json::parse(r.out).at("valid").as_bool());  // stdout holds only the JSON

  // Invalid: the exact λ_min is 1.
  c.claim.lower = "1.0000001";
  c.claim.upper = "2";
  ntk::write_file_atomic(dir.file("raised.json"), ntk::certificate_json(c));
  r = dir.certify("check '" + dir.file("raised.json") + "' --json '" + dir.file("res2.json") + "'");
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.out.rfind("invalid: ", 0) == 0, r.out);
  BOOST_TEST(!ntk::json::parse(ntk::read_file(dir.file("res2.json"))).at("valid").as_bool());
  r = dir.certify("check --quiet '" + dir.file("raised.json") + "'");
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.out.empty());

  c.claim.lower = "0.5";
  c.claim.upper = "0.9999999";
  ntk::write_file_atomic(dir.file("lowered.json"), ntk::certificate_json(c));
  BOOST_TEST(dir.certify("check '" + dir.file("lowered.json") + "'").status == 1);

  // Malformed certificates and unreadable data: status 2, a message on stderr, no JSON written.
  ntk::write_file_atomic(dir.file("notjson.json"), "{\"format\": ");
  r = dir.certify("check '" + dir.file("notjson.json") + "' --json '" + dir.file("none.json") + "'");
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("not JSON") != std::string::npos, r.err);
  BOOST_TEST(::access(dir.file("none.json").c_str(), F_OK) != 0);
  std::string text = ntk::read_file(dir.file("ok.json"));
  std::string v2 = text;
  v2.replace(v2.find("\"version\": 1"), 12, "\"version\": 2");
  ntk::write_file_atomic(dir.file("v2.json"), v2);
  r = dir.certify("check '" + dir.file("v2.json") + "'");
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("unsupported version 2") != std::string::npos, r.err);
  std::string missing = text;
  missing.replace(missing.find("\"sha256\""), 8, "\"sha-256\"");
  ntk::write_file_atomic(dir.file("missing.json"), missing);
  r = dir.certify("check '" + dir.file("missing.json") + "'");
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("data.sha256") != std::string::npos, r.err);
  BOOST_TEST(dir.certify("check '" + dir.file("absent.json") + "'").status == 2);
  c = two_point_certificate(dir);
  c.data.source = "gone.csv";
  ntk::write_file_atomic(dir.file("gone.json"), ntk::certificate_json(c));
  r = dir.certify("check '" + dir.file("gone.json") + "'");
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("gone.csv") != std::string::npos, r.err);
  BOOST_TEST(dir.certify("check").status == 2);
  BOOST_TEST(dir.certify("check a b").status == 2);
  BOOST_TEST(dir.certify("check --help").status == 0);
}

// A certificate whose enclosure came from the double-double tier (near-duplicate rows: the binary64
// tier cannot prove the lower bound) is confirmed by the checker's own route, and a lower bound
// raised past the certified upper one is refused. 120 random rows plus a copy of row 0 perturbed by
// 1e-11 relative: above the checker's exact-LDLᵀ size, so its floating route decides.
BOOST_AUTO_TEST_CASE(double_double_tier_certificates_check) {
  if (!certify_path()) {
    BOOST_TEST_MESSAGE("CERTIFY not set: skipped");
    return;
  }
  sandbox dir(certify_path());
  std::mt19937_64 gen(20261203);
  std::normal_distribution<double> z;
  const int n = 120, d = 12;
  std::vector<std::vector<double>> rows(n, std::vector<double>(d));
  for (auto& r : rows)
    for (double& v : r) v = z(gen);
  std::vector<double> copy = rows[0];
  for (double& v : copy) v *= 1.0 + 1e-11 * std::uniform_real_distribution<double>(-1, 1)(gen);
  rows.push_back(copy);
  std::ostringstream csv;
  csv.precision(17);
  for (const auto& r : rows)
    for (int k = 0; k < d; ++k) csv << r[k] << (k + 1 < d ? "," : "\n");
  ntk::write_file_atomic(dir.file("nd.csv"), csv.str());

  run_result r = dir.certify("ntk --data '" + dir.file("nd.csv") + "' --depth 3 --quiet --certificate '" +
                             dir.file("nd.json") + "' --json '" + dir.file("res.json") + "'");
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.err);
  const ntk::json::value res = ntk::json::parse(ntk::read_file(dir.file("res.json")));
  BOOST_TEST(res.at("lambda_min").at("tier").as_string() == "double-double");
  BOOST_TEST(res.at("lambda_min").at("precision_bits").as_integer() == 106);

  r = dir.certify("check '" + dir.file("nd.json") + "'");
  BOOST_TEST(r.status == 0, r.out << r.err);
  BOOST_TEST(r.out.rfind("valid: ", 0) == 0, r.out);

  // Claim [u (1 + 1e-3), u (1 + 2e-3)] for the certified upper bound u: false, refused.
  ntk::json::value cert = ntk::json::parse(ntk::read_file(dir.file("nd.json")));
  const double up = std::stod(res.at("lambda_min").at("upper").as_string());
  std::ostringstream raised, raised_up;
  raised.precision(17);
  raised_up.precision(17);
  raised << up * (1 + 1e-3);
  raised_up << up * (1 + 2e-3);
  std::string text = ntk::read_file(dir.file("nd.json"));
  const std::string key = "\"lower\": \"" + cert.at("claim").at("lower").as_string() + "\"";
  BOOST_REQUIRE(text.find(key) != std::string::npos);
  text.replace(text.find(key), key.size(), "\"lower\": \"" + raised.str() + "\"");
  const std::string upper_key = "\"upper\": \"" + cert.at("claim").at("upper").as_string() + "\"";
  BOOST_REQUIRE(text.find(upper_key) != std::string::npos);
  text.replace(text.find(upper_key), upper_key.size(), "\"upper\": \"" + raised_up.str() + "\"");
  ntk::write_file_atomic(dir.file("raised.json"), text);
  r = dir.certify("check '" + dir.file("raised.json") + "'");
  BOOST_TEST(r.status == 1, r.out << r.err);
  BOOST_TEST(r.out.rfind("invalid: ", 0) == 0, r.out);
}

BOOST_AUTO_TEST_SUITE_END()
