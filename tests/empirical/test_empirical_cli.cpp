// tests/empirical (CLI): certify empirical end to end — the JSON contract, exit 2 with no output
// file for bad networks and mismatched widths, --output, and certificates that `certify check`
// accepts and rejects when tampered with.
#define BOOST_TEST_MODULE empirical_cli
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

#include "../common/cli_sandbox.hpp"
#include "certificate/json.hpp"

using ntk_test::has;
using ntk_test::sandbox;

namespace {
const std::string rows = "1,2,3\n-1,0.5,2\n0.25,-2,1\n3,1,-1\n0.5,0.5,0.5\n";
const std::string net = "'random:widths=3,16,12,1&seed=4'";
}  // namespace

BOOST_AUTO_TEST_CASE(json_contract) {
  sandbox s;
  s.write("x.csv", rows);
  const auto r = s.certify("empirical --data " + s.file("x.csv") + " --network " + net + " --json -");
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  const ntk::json::value j = ntk::json::parse(r.out);
  BOOST_TEST(j.at("command").as_string() == "empirical");
  BOOST_TEST(j.at("lambda_min").at("certified").as_bool());
  BOOST_TEST(j.at("lambda_min").at("lower").is_string());
  BOOST_TEST(j.at("layers").as_array().size() == 3u);
  for (const auto& l : j.at("layers").as_array()) {
    BOOST_TEST(l.at("gram_lambda_min").at("lower").is_string());
    BOOST_TEST(l.at("backward_min_sq").at("upper").is_string());
  }
  BOOST_TEST(j.at("schur_bound").at("holds").as_bool());
  BOOST_TEST(j.at("diagonal_min").at("holds").as_bool());
  BOOST_TEST(j.at("infinite_width").at("lambda_min").at("lower").is_string());
  BOOST_TEST(j.at("infinite_width").at("relative_frobenius_distance").is_number());
  BOOST_TEST(j.at("activations").at("undecided").as_number() == 0);
  BOOST_TEST(j.at("network").at("sha256").as_string().size() == 64u);
  BOOST_TEST(j.at("network").at("widths").as_array().size() == 4u);
  BOOST_TEST(j.at("theorem_4_1").at("scale").is_number());
}

BOOST_AUTO_TEST_CASE(bad_inputs_exit_2_and_write_nothing) {
  sandbox s;
  s.write("x.csv", rows);
  s.write("bad.npz", "this is not a zip archive");
  const std::string out = s.file("out.json"), cert = s.file("cert.json");
  auto r = s.certify("empirical --data " + s.file("x.csv") + " --network " + s.file("bad.npz") + " --json " + out +
                     " --certificate " + cert);
  BOOST_TEST(r.status == 2);
  BOOST_TEST(has(r.err, "bad.npz"));
  BOOST_TEST(!std::filesystem::exists(out));
  BOOST_TEST(!std::filesystem::exists(cert));
  r = s.certify("empirical --data " + s.file("x.csv") + " --network 'random:widths=4,8,1&seed=1' --json " + out);
  BOOST_TEST(r.status == 2);
  BOOST_TEST(has(r.err, "n_0 = 4"));
  BOOST_TEST(has(r.err, "d = 3"));
  BOOST_TEST(!std::filesystem::exists(out));
  r = s.certify("empirical --data " + s.file("x.csv") + " --network 'random:widths=3,8,2&seed=1' --json " + out);
  BOOST_TEST(r.status == 2);
  BOOST_TEST(has(r.err, "--output"));
  BOOST_TEST(!std::filesystem::exists(out));
  r = s.certify("empirical --data " + s.file("x.csv") + " --network 'random:widths=3,8,2&seed=1' --output 2 --json " + out);
  BOOST_TEST(r.status == 2);
  r = s.certify("empirical --data " + s.file("x.csv") + " --network 'random:widths=3,8,2&seed=1' --output 1 --json " + out);
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(std::filesystem::exists(out));
}

BOOST_AUTO_TEST_CASE(certificates_check_and_tampering_is_caught) {
  sandbox s;
  s.write("x.csv", rows);
  const std::string cert = s.file("cert.json");
  auto r = s.certify("empirical --quiet --data " + s.file("x.csv") + " --network " + net + " --center --certificate " + cert);
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  r = s.certify("check " + cert);
  BOOST_TEST(r.status == 0, r.out + r.err);
  BOOST_TEST(has(r.out, "valid"));
  ntk::json::value j = ntk::json::parse(ntk_test::slurp(cert));
  // Raise the lower bound to the upper bound's double: no longer provable (the enclosure has width).
  const std::string upper = j.at("claim").at("upper").as_string();
  ntk::json::value t = j;
  t["claim"]["lower"] = upper;
  s.write("raised.json", ntk::json::dump(t));
  r = s.certify("check " + s.file("raised.json"));
  BOOST_TEST(r.status == 1, r.out);
  // Lower the upper claim below the lower one.
  t = j;
  t["claim"]["upper"] = "0.5e-300";
  s.write("low.json", ntk::json::dump(t));
  r = s.certify("check " + s.file("low.json"));
  BOOST_TEST(r.status == 1, r.out);
  // Another network (seed) with the same widths: the SHA-256 of the spec differs.
  t = j;
  t["network"]["source"] = "random:widths=3,16,12,1&seed=5";
  s.write("net.json", ntk::json::dump(t));
  r = s.certify("check " + s.file("net.json"));
  BOOST_TEST(r.status == 1, r.out);
  BOOST_TEST(has(r.out, "network changed"));
  // Changed data.
  s.write("x.csv", "1,2,3\n-1,0.5,2\n0.25,-2,1\n3,1,-1\n0.5,0.5,0.75\n");
  r = s.certify("check " + cert);
  BOOST_TEST(r.status == 1, r.out);
  BOOST_TEST(has(r.out, "data changed"));
  // Malformed.
  s.write("v2.json", R"({"format":{"name":"ntkcert-empirical-certificate","version":2}})");
  r = s.certify("check " + s.file("v2.json"));
  BOOST_TEST(r.status == 2);
}

BOOST_AUTO_TEST_CASE(identical_rows_give_a_checkable_exact_zero) {
  sandbox s;
  s.write("x.csv", "1,2,3\n-1,0.5,2\n1,2,3\n");
  const std::string cert = s.file("cert.json");
  auto r = s.certify("empirical --data " + s.file("x.csv") + " --network " + net + " --certificate " + cert + " --json -");
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  const ntk::json::value j = ntk::json::parse(r.out);
  BOOST_TEST(j.at("lambda_min").at("lower").as_string() == "0");
  BOOST_TEST(j.at("lambda_min").at("upper").as_string() == "0");
  r = s.certify("check " + cert);
  BOOST_TEST(r.status == 0, r.out + r.err);
}

#include <mpfr.h>

#include <sstream>

#include "data/load.hpp"
#include "network/load.hpp"
#include "reference.hpp"

BOOST_AUTO_TEST_CASE(kernel_export_contains_the_explicit_jacobian_gram) {
  sandbox s;
  s.write("x.csv", rows);
  const std::string spec = "random:widths=3,16,12,1&seed=4";
  auto r = s.certify("kernel --data " + s.file("x.csv") + " --network '" + spec + "' --center --out " + s.file("k.csv"));
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  r = s.certify("kernel --data " + s.file("x.csv") + " --network '" + spec + "' --center --which F1 --out " + s.file("f.csv"));
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  r = s.certify("kernel --data " + s.file("x.csv") + " --network '" + spec + "' --which F3 --out " + s.file("g.csv"));
  BOOST_TEST(r.status == 2);
  const ntk::dataset x = ntk::dataset_load(s.file("x.csv"), 0, std::nullopt);
  const ntk::network net = ntk::network_load(spec);
  ntk::preprocessing prep;
  prep.center = true;
  const std::vector<mpq_class> ref = emp_test::reference_kernel<mpq_class>(net, x, prep);
  std::istringstream in(ntk_test::slurp(s.file("k.csv")));
  std::string line;
  std::getline(in, line);
  int checked = 0;
  mpfr_t lo, hi;
  mpfr_init2(lo, 256);
  mpfr_init2(hi, 256);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string i, j, l, u;
    std::getline(f, i, ',');
    std::getline(f, j, ',');
    std::getline(f, l, ',');
    std::getline(f, u, ',');
    mpfr_set_str(lo, l.c_str(), 10, MPFR_RNDD);
    mpfr_set_str(hi, u.c_str(), 10, MPFR_RNDU);
    const mpq_class& q = ref[std::stoul(i) * x.n + std::stoul(j)];
    BOOST_TEST(mpfr_cmp_q(lo, q.get_mpq_t()) <= 0, line);
    BOOST_TEST(mpfr_cmp_q(hi, q.get_mpq_t()) >= 0, line);
    ++checked;
  }
  mpfr_clear(lo);
  mpfr_clear(hi);
  BOOST_TEST(checked == 15);
}

BOOST_AUTO_TEST_CASE(compare_with_a_network) {
  sandbox s;
  s.write("x.csv", rows);
  const auto r = s.certify("compare --data " + s.file("x.csv") + " --network " + net + " --json -");
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  const ntk::json::value j = ntk::json::parse(r.out);
  BOOST_TEST(j.at("certified").at("lambda_min").at("certified").as_bool());
  for (const char* b : {"float64", "float32", "jacobian-float32"}) {
    BOOST_TEST(j.at(b).at("eigenvalues_computed").as_bool(), b);
    BOOST_TEST(j.at(b).at("entries").as_number() == 25, b);
  }
  // On well-separated rows binary64 lands inside the certified enclosure.
  BOOST_TEST(j.at("float64").at("lambda_min_inside").as_bool());
}

BOOST_AUTO_TEST_CASE(near_duplicate_certificate_from_the_mpfi_tier_checks) {
  sandbox s;
  s.write("nd.csv", "1,2,3,4\n1.0000000001,2,3,4\n-1,0.5,2,1\n0.3,0.1,-2,1\n");
  const std::string cert = s.file("c.json");
  auto r = s.certify("empirical --data " + s.file("nd.csv") + " --network 'random:widths=4,50,50,1&seed=3' --json - --certificate " + cert);
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  const ntk::json::value j = ntk::json::parse(r.out);
  BOOST_TEST(j.at("lambda_min").at("precision_bits").as_number() >= 128);
  r = s.certify("check " + cert);
  BOOST_TEST(r.status == 0, r.out + r.err);
}
