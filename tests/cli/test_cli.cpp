// The certify command line end to end: exit codes, messages naming file/row/column, no output
// file on failure, and the JSON contract of docs/cli.md.
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../common/cli_sandbox.hpp"
#include "certificate/json.hpp"

namespace fs = std::filesystem;

namespace {

using ntk_test::has;
using ntk_test::run_result;
using ntk_test::sandbox;
using ntk_test::slurp;

// A bad input: exit 2, one message naming the file (and row/column when given), no JSON written.
void expect_bad_input(const sandbox& sb, const std::string& data_arg, const std::string& name,
                      const std::string& row = "", const std::string& col = "") {
  const fs::path out = sb.dir / "result.json";
  fs::remove(out);
  run_result r = sb.certify("ntk --data '" + data_arg + "' --depth 2 --quiet --json " + out.string());
  BOOST_TEST_CONTEXT("data " << data_arg << ": stderr = " << r.err) {
    BOOST_TEST(r.status == 2);
    BOOST_TEST(has(r.err, name));
    if (!row.empty()) BOOST_TEST(has(r.err, "row " + row));
    if (!col.empty()) BOOST_TEST(has(r.err, "column " + col));
    BOOST_TEST(!fs::exists(out));
  }
}

std::string npy(const std::string& descr, const std::string& shape, std::size_t payload_bytes) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64) header.push_back(' ');
  header.push_back('\n');
  std::string s("\x93NUMPY\x01\x00", 8);
  s.push_back(static_cast<char>(header.size() & 0xff));
  s.push_back(static_cast<char>(header.size() >> 8));
  s += header;
  s.append(payload_bytes, '\0');
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(help_version_and_usage_errors) {
  sandbox sb;
  BOOST_TEST(sb.certify("--help").status == 0);
  BOOST_TEST(sb.certify("--version").status == 0);
  run_result h = sb.certify("ntk --help");
  BOOST_TEST(h.status == 0);
  BOOST_TEST(has(h.out, "--depth"));
  BOOST_TEST(has(h.out, "--rtol"));
  BOOST_TEST(sb.certify("").status == 2);
  BOOST_TEST(sb.certify("frobnicate").status == 2);
  run_result u = sb.certify("ntk --no-such-option");
  BOOST_TEST(u.status == 2);
  BOOST_TEST(has(u.err, "--no-such-option"));
  BOOST_TEST(sb.certify("ntk --depth 0").status == 2);
  BOOST_TEST(sb.certify("ntk --depth 65").status == 2);
  BOOST_TEST(sb.certify("ntk --depth three").status == 2);
  BOOST_TEST(sb.certify("ntk --normalize ball").status == 2);
  BOOST_TEST(sb.certify("ntk --rtol -1").status == 2);
  BOOST_TEST(sb.certify("ntk --precision 12").status == 2);
  BOOST_TEST(sb.certify("kernel --data x.csv").status == 2);  // --out missing
}

BOOST_AUTO_TEST_CASE(bad_csv_inputs_name_file_row_and_column) {
  sandbox sb;
  auto p = [&](const std::string& n, const std::string& c) { return sb.write(n, c).string(); };
  expect_bad_input(sb, p("nan.csv", "a,b\n1,2\n3,4\n5,nan\n"), "nan.csv", "3", "2");
  expect_bad_input(sb, p("inf.csv", "1,2\n-inf,4\n"), "inf.csv", "2", "1");
  expect_bad_input(sb, p("over.csv", "1,2\n3,1e999\n"), "over.csv", "2", "2");
  expect_bad_input(sb, p("ragged.csv", "1,2,3\n4,5\n"), "ragged.csv", "2");
  expect_bad_input(sb, p("text.csv", "1,2\n3,abc\n"), "text.csv", "2", "2");
  expect_bad_input(sb, p("empty.csv", ""), "empty.csv");
  expect_bad_input(sb, p("header.csv", "x,y,z\n"), "header.csv");
  expect_bad_input(sb, p("zero.csv", "1,2\n0,0\n3,1\n"), "zero.csv", "2");
  expect_bad_input(sb, (sb.dir / "missing.csv").string(), "missing.csv");
}

BOOST_AUTO_TEST_CASE(bad_binary_inputs) {
  sandbox sb;
  expect_bad_input(sb, sb.write("int.npy", npy("<i8", "(2, 2)", 32)).string(), "int.npy");
  expect_bad_input(sb, sb.write("rank3.npy", npy("<f8", "(2, 2, 2)", 64)).string(), "rank3.npy");
  expect_bad_input(sb, sb.write("short.npy", npy("<f8", "(3, 2)", 40)).string(), "short.npy");
  std::string idx("\x00\x00\x08\x02\x00\x00\x00\x03\x00\x00\x00\x02", 12);
  idx += std::string("\x01\x02\x03", 3);  // 3 of 6 bytes
  expect_bad_input(sb, sb.write("trunc-ubyte", idx).string(), "trunc-ubyte");
  expect_bad_input(sb, sb.write("magic-ubyte", std::string("\x12\x34\x08\x01\x00\x00\x00\x01\x05", 9)).string(), "magic-ubyte");
  run_result r = sb.certify("ntk --data 'synthetic:sphere?n=3&d=2' --offset 5 --quiet");
  BOOST_TEST(r.status == 2);
  r = sb.certify("ntk --data 'nosuchscheme:abc' --quiet");
  BOOST_TEST(r.status == 2);
}

BOOST_AUTO_TEST_CASE(json_contract_of_ntk) {
  sandbox sb;
  const fs::path out = sb.dir / "r.json";
  run_result r = sb.certify("ntk --data 'synthetic:sphere?n=12&d=5&seed=3' --depth 3 --quiet --json " + out.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  ntk::json::value j = ntk::json::parse(slurp(out));
  BOOST_TEST(j["command"].as_string() == "ntk");
  for (const char* k : {"source", "sha256", "n", "d", "center", "normalize"}) BOOST_TEST((j["data"].find(k) != nullptr), k);
  BOOST_TEST(j["data"]["n"].as_number() == 12);
  BOOST_TEST(j["model"]["depth"].as_number() == 3);
  BOOST_TEST(j["model"]["activation"].as_string() == "relu");
  BOOST_TEST(j["model"]["convention"].as_string() == "paper");
  ntk::json::value lm = j["lambda_min"];
  BOOST_TEST(lm["certified"].as_bool());
  const double lo = std::strtod(lm["lower"].as_string().c_str(), nullptr);
  const double hi = std::strtod(lm["upper"].as_string().c_str(), nullptr);
  BOOST_TEST(lo > 0);
  BOOST_TEST(lo <= hi);
  BOOST_TEST((hi - lo) <= 1e-6 * hi);
  BOOST_TEST(lm.find("precision_bits") != nullptr);
  BOOST_TEST(lm.find("seconds") != nullptr);
  // float64 is a number, and for well-separated data it agrees with the enclosure to ~1e-12.
  const double f = j["float64"]["lambda_min"].as_number();
  BOOST_TEST(std::abs(f - lo) <= 1e-9 * hi);
  // The decimal strings carry at least 17 significant digits.
  std::string digits;
  for (char c : lm["lower"].as_string()) {
    if (c == 'e' || c == 'E') break;
    if (c >= '0' && c <= '9') digits += c;
  }
  BOOST_TEST(digits.size() >= 17u);
}

BOOST_AUTO_TEST_CASE(exact_duplicates_give_exact_zero) {
  sandbox sb;
  const fs::path data = sb.write("dup.csv", "1,2,3\n0.5,-1,2\n1,2,3\n-2,0.25,1\n");
  const fs::path out = sb.dir / "r.json";
  run_result r = sb.certify("ntk --data " + data.string() + " --depth 3 --quiet --json " + out.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  ntk::json::value j = ntk::json::parse(slurp(out));
  BOOST_TEST(j["lambda_min"]["lower"].as_string() == "0");
  BOOST_TEST(j["lambda_min"]["upper"].as_string() == "0");
  BOOST_TEST(j["lambda_min"]["certified"].as_bool());
}

BOOST_AUTO_TEST_CASE(unreachable_rtol_reports_honest_enclosure_with_exit_1) {
  sandbox sb;
  const fs::path out = sb.dir / "r.json";
  run_result r = sb.certify("ntk --data 'synthetic:sphere?n=6&d=3&seed=1' --depth 2 --precision 53 --rtol 1e-30 --quiet --json " + out.string());
  BOOST_TEST(r.status == 1);
  ntk::json::value j = ntk::json::parse(slurp(out));
  BOOST_TEST(!j["lambda_min"]["certified"].as_bool());
  const double lo = std::strtod(j["lambda_min"]["lower"].as_string().c_str(), nullptr);
  const double hi = std::strtod(j["lambda_min"]["upper"].as_string().c_str(), nullptr);
  BOOST_TEST(lo <= hi);
}

BOOST_AUTO_TEST_CASE(kernel_export_npy_and_csv) {
  sandbox sb;
  const fs::path npyp = sb.dir / "k.npy", csvp = sb.dir / "k.csv";
  run_result r = sb.certify("kernel --data 'synthetic:sphere?n=4&d=3&seed=2' --depth 2 --quiet --out " + npyp.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  const std::string b = slurp(npyp);
  BOOST_TEST(b.substr(1, 5) == "NUMPY");
  BOOST_TEST(has(b, "'shape': (2, 4, 4)"));
  BOOST_TEST((b.size() - 128) == 2u * 16u * 8u);
  r = sb.certify("kernel --data 'synthetic:sphere?n=4&d=3&seed=2' --depth 2 --which Gdot --layer 2 --quiet --out " + csvp.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  std::istringstream csv(slurp(csvp));
  std::string line;
  std::getline(csv, line);
  BOOST_TEST(line == "i,j,lower,upper");
  int rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    std::stringstream ls(line);
    std::string i, j, lo, hi;
    std::getline(ls, i, ',');
    std::getline(ls, j, ',');
    std::getline(ls, lo, ',');
    std::getline(ls, hi, ',');
    BOOST_TEST(std::strtod(lo.c_str(), nullptr) <= std::strtod(hi.c_str(), nullptr));
    if (i == j) BOOST_TEST((std::strtod(lo.c_str(), nullptr) <= 1.0 && 1.0 <= std::strtod(hi.c_str(), nullptr)));
  }
  BOOST_TEST(rows == 10);
  // A bad --which leaves no file behind.
  fs::remove(csvp);
  BOOST_TEST(sb.certify("kernel --data 'synthetic:sphere?n=4&d=3' --which H --quiet --out " + csvp.string()).status == 2);
  BOOST_TEST(!fs::exists(csvp));
}

namespace {
void replace_in_file(const fs::path& p, const std::string& from, const std::string& to) {
  std::string s = slurp(p);
  const auto k = s.find(from);
  BOOST_TEST_REQUIRE(k != std::string::npos, "'" << from << "' not in " << p);
  s.replace(k, from.size(), to);
  std::ofstream(p, std::ios::binary) << s;
}
}  // namespace

BOOST_AUTO_TEST_CASE(certificate_walk_through_produce_check_tamper) {
  sandbox sb;
  const fs::path data = sb.write("pts.csv", "x,y,z\n1,0.5,-2\n0.25,3,1\n-1,1,1\n2,2,0.5\n0.5,-1,-1\n");
  const fs::path cert = sb.dir / "c.json";
  run_result r = sb.certify("ntk --data " + data.string() + " --depth 3 --quiet --certificate " + cert.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  r = sb.certify("check " + cert.string());
  BOOST_TEST(r.status == 0, r.out << r.err);
  BOOST_TEST(has(r.out, "valid"));
  // Raise the lower bound above the upper one: invalid.
  ntk::json::value c = ntk::json::parse(slurp(cert));
  const std::string upper = c["claim"]["upper"].as_string();
  const std::string lower = c["claim"]["lower"].as_string();
  const fs::path bad = sb.dir / "bad.json";
  std::ofstream(bad) << slurp(cert);
  replace_in_file(bad, "\"lower\": \"" + lower + "\"", "\"lower\": \"" + upper + "1\"");
  r = sb.certify("check --quiet " + bad.string());
  BOOST_TEST(r.status == 1);
  // Change the data: invalid.
  const fs::path cert2 = sb.dir / "c2.json";
  std::ofstream(cert2) << slurp(cert);
  std::ofstream(data, std::ios::app) << "";
  { std::ofstream(data, std::ios::binary) << "x,y,z\n1,0.5,-2\n0.25,3,1\n-1,1,1\n2,2,0.5\n0.5,-1,-0.999\n"; }
  r = sb.certify("check --quiet " + cert2.string());
  BOOST_TEST(r.status == 1);
  // Malformed: exit 2.
  const fs::path junk = sb.write("junk.json", "{\"format\": ");
  BOOST_TEST(sb.certify("check --quiet " + junk.string()).status == 2);
}

BOOST_AUTO_TEST_CASE(depth_one_centred_is_exactly_singular_and_checks) {
  sandbox sb;
  const fs::path data = sb.write("lin.csv", "1,0.5,-2,4\n0.25,3,1,1\n-1,1,1,0\n");
  const fs::path cert = sb.dir / "c.json", out = sb.dir / "r.json";
  run_result r = sb.certify("ntk --data " + data.string() + " --depth 1 --center --quiet --json " + out.string() +
                            " --certificate " + cert.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  ntk::json::value j = ntk::json::parse(slurp(out));
  BOOST_TEST(j["lambda_min"]["lower"].as_string() == "0");
  BOOST_TEST(j["lambda_min"]["upper"].as_string() == "0");
  BOOST_TEST(sb.certify("check --quiet " + cert.string()).status == 0);
  // The same claim without centring is false (three independent rows in dimension 4).
  replace_in_file(cert, "\"center\": true", "\"center\": false");
  BOOST_TEST(sb.certify("check --quiet " + cert.string()).status == 1);
}

BOOST_AUTO_TEST_CASE(certificate_of_an_mpfi_result_checks) {
  // Near-duplicate rows at 1e-10: the double tier cannot meet --rtol, the result comes from MPFI,
  // and the certificate (which carries a binary64 eigenvector) must still be re-verifiable.
  sandbox sb;
  const fs::path data = sb.write("nd.csv", "1,2,3,4\n1.0000000001,2,3,4\n-1,0.5,2,1\n0.3,0.1,-2,1\n");
  const fs::path out = sb.dir / "r.json", cert = sb.dir / "c.json";
  run_result r = sb.certify("ntk --data " + data.string() + " --depth 4 --quiet --json " + out.string() +
                            " --certificate " + cert.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  ntk::json::value j = ntk::json::parse(slurp(out));
  BOOST_TEST(j["lambda_min"]["precision_bits"].as_number() > 53);
  r = sb.certify("check " + cert.string());
  BOOST_TEST(r.status == 0, r.out << r.err);
  // The claim is at least as strong as a few digits of the printed enclosure: same lower bound.
  ntk::json::value c = ntk::json::parse(slurp(cert));
  BOOST_TEST(c["claim"]["lower"].as_string() == j["lambda_min"]["lower"].as_string());
}

BOOST_AUTO_TEST_CASE(unwritable_output_paths_are_refused_before_computing) {
  sandbox sb;
  const std::string missing = (sb.dir / "no-such-dir" / "x").string();
  run_result r = sb.certify("ntk --data 'synthetic:sphere?n=3&d=2' --quiet --json " + missing + ".json");
  BOOST_TEST(r.status == 2);
  BOOST_TEST(has(r.err, "--json"));
  BOOST_TEST(has(r.err, "does not exist"));
  r = sb.certify("ntk --data 'synthetic:sphere?n=3&d=2' --quiet --certificate " + missing + ".cert");
  BOOST_TEST(r.status == 2);
  r = sb.certify("kernel --data 'synthetic:sphere?n=3&d=2' --quiet --out " + missing + ".npy");
  BOOST_TEST(r.status == 2);
  r = sb.certify("compare --data 'synthetic:sphere?n=3&d=2' --quiet --json " + missing + ".json");
  BOOST_TEST(r.status == 2);
}
