// The certificate format and the independent checker.
//
// Certificates are built here from an independent reference (tests/certificate/reference.hpp:
// plain MPFR at ~330 bits, the matrix recursion as written in docs/math.md, Jacobi eigenvalues), with
// bounds a relative 1e-8 outside the reference λ_min. They must check; every kind of tampering
// must be caught; malformed certificates must raise certificate_error.
#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <mpfr.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "certificate/certificate.hpp"
#include "certificate/check_binary64.hpp"
#include "certificate/checker.hpp"
#include "certificate/io.hpp"
#include "data/errors.hpp"
#include "data/load.hpp"
#include "data/sha256.hpp"
#include "reference.hpp"

namespace json = ntk::json;
using reference::real;

namespace {

struct scratch_dir {
  std::string path;
  scratch_dir() {
    char tmpl[] = "/tmp/ntkcert-check-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~scratch_dir() {
    if (DIR* d = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string f = e->d_name;
        if (f != "." && f != "..") ::unlink((path + "/" + f).c_str());
      }
      ::closedir(d);
    }
    ::rmdir(path.c_str());
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

std::string csv_text(const std::vector<double>& x, std::size_t n, std::size_t d) {
  std::string s;
  char buf[40];
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < d; ++k) {
      std::snprintf(buf, sizeof buf, "%.17g", x[i * d + k]);
      if (k) s += ',';
      s += buf;
    }
    s += "\n";
  }
  return s;
}

// Decimal string of x·(1 + rel) rounded down (dir < 0) or up (dir > 0), 25 digits.
std::string decimal(const real& x, double rel, int dir) {
  real y = x * (1 + real(rel));
  char* s = nullptr;
  mpfr_asprintf(&s, dir < 0 ? "%.24RDe" : "%.24RUe", y.backend().data());
  std::string out = s;
  mpfr_free_str(s);
  return out;
}

enum class shape { gauss, integers, duplicate, proportional, near_duplicate, magnitudes, synthetic };

struct spec {
  std::string name;
  shape kind;
  std::size_t rows, d;
  int depth;
  bool center;
  ntk::normalization norm;
  std::string convention;
  std::size_t offset = 0;
  std::optional<std::size_t> limit = std::nullopt;
};

std::vector<double> make_rows(const spec& s, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_int_distribution<int> pixel(0, 255);
  std::uniform_int_distribution<int> expo(-17, 17);
  std::vector<double> x(s.rows * s.d);
  for (auto& v : x) {
    switch (s.kind) {
      case shape::integers: v = pixel(rng); break;
      case shape::magnitudes: v = std::ldexp(gauss(rng), expo(rng)); break;
      default: v = gauss(rng);
    }
  }
  auto row = [&](std::size_t i) { return x.data() + i * s.d; };
  if (s.kind == shape::duplicate) std::copy(row(2), row(2) + s.d, row(7));
  if (s.kind == shape::proportional)
    for (std::size_t k = 0; k < s.d; ++k) row(9)[k] = 4.0 * row(4)[k];  // exact
  if (s.kind == shape::near_duplicate)
    for (std::size_t k = 0; k < s.d; ++k) row(5)[k] = row(1)[k] + 1e-7 * gauss(rng);
  return x;
}

struct built {
  ntk::certificate cert;
  real lambda;  // reference λ_min in the claim's units
  std::vector<double> data;  // the selected rows
};

reference::norm_kind ref_norm(ntk::normalization n) {
  return n == ntk::normalization::sphere ? reference::norm_kind::sphere
         : n == ntk::normalization::unit ? reference::norm_kind::unit
                                         : reference::norm_kind::none;
}

// Writes the data file (unless synthetic), computes the reference and a certificate with bounds a
// relative `rel` outside λ_min ([0, 0] with a singular pair for the exactly singular shapes).
built build(const spec& s, const scratch_dir& dir, unsigned seed, double rel = 1e-8) {
  built b;
  ntk::certificate& c = b.cert;
  ntk::dataset ds;
  if (s.kind == shape::synthetic) {
    c.data.source = "synthetic:sphere?n=" + std::to_string(s.rows) + "&d=" + std::to_string(s.d) + "&seed=" + std::to_string(seed);
    ds = ntk::dataset_load(c.data.source, s.offset, s.limit);
    c.data.sha256 = ds.sha256;
  } else {
    std::vector<double> all = make_rows(s, seed);
    c.data.source = dir.file(s.name + ".csv");
    ntk::write_file_atomic(c.data.source, csv_text(all, s.rows, s.d));
    c.data.sha256 = ntk::sha256_file_hex(c.data.source);
    std::size_t count = s.limit ? *s.limit : s.rows - s.offset;
    ds.x.assign(all.begin() + static_cast<long>(s.offset * s.d), all.begin() + static_cast<long>((s.offset + count) * s.d));
    ds.n = count;
    ds.d = s.d;
  }
  b.data = ds.x;
  c.data.offset = s.offset;
  c.data.limit = s.limit;
  c.data.n = ds.n;
  c.data.d = ds.d;
  c.data.center = s.center;
  c.data.normalize = s.norm;
  c.model.depth = s.depth;
  c.model.convention = s.convention;
  auto k = reference::ntk_matrix(ds.x, ds.n, ds.d, ds.scale_num, ds.scale_den, s.center, ref_norm(s.norm), s.depth, s.convention);
  auto e = reference::jacobi_min(k, ds.n);
  b.lambda = e.lambda_min;
  c.hints.precision_bits = 53;
  if (s.kind == shape::duplicate || s.kind == shape::proportional) {
    c.claim.lower = "0";
    c.claim.upper = "0";
    c.hints.singular_pair = s.kind == shape::duplicate ? std::pair<std::size_t, std::size_t>(2, 7) : std::pair<std::size_t, std::size_t>(4, 9);
  } else {
    c.claim.lower = decimal(b.lambda, -rel, -1);
    c.claim.upper = decimal(b.lambda, rel, +1);
    c.hints.eigenvector = e.eigenvector;
  }
  return b;
}

std::vector<spec> ten_datasets() {
  using N = ntk::normalization;
  return {
      {"gauss", shape::gauss, 12, 5, 2, false, N::none, "paper"},
      {"gauss-centred", shape::gauss, 20, 8, 3, true, N::none, "neural-tangents"},
      {"unit", shape::gauss, 15, 3, 4, false, N::unit, "uci"},
      {"sphere-linear", shape::gauss, 10, 12, 1, false, N::sphere, "paper"},
      {"pixels", shape::integers, 18, 16, 3, false, N::none, "paper"},
      {"duplicate", shape::duplicate, 10, 4, 3, false, N::none, "paper"},
      {"proportional", shape::proportional, 12, 5, 2, false, N::unit, "neural-tangents"},
      {"near-duplicate", shape::near_duplicate, 14, 6, 3, false, N::none, "paper"},
      {"magnitudes", shape::magnitudes, 12, 6, 2, true, N::none, "uci"},
      {"offset-limit", shape::gauss, 30, 7, 3, false, N::sphere, "neural-tangents", 5, 16},
      {"synthetic", shape::synthetic, 16, 9, 5, true, N::sphere, "paper"},
  };
}

std::string show(const ntk::check_result& r) {
  return (r.valid ? "valid" : "invalid: " + r.reason) + " [lower: " + r.lower_proof + "] [upper: " + r.upper_proof + "]";
}

bool singular(const spec& s) { return s.kind == shape::duplicate || s.kind == shape::proportional; }

// The data sets and their reference certificates, built once (the reference eigen-solver is the
// slow part) in a directory that lives until the end of the run. Seeds 11, 12, ...
struct shared_sets {
  scratch_dir dir;
  std::vector<spec> specs = ten_datasets();
  std::vector<built> sets;
  shared_sets() {
    for (std::size_t k = 0; k < specs.size(); ++k) sets.push_back(build(specs[k], dir, seed(k)));
  }
  static unsigned seed(std::size_t k) { return 11 + static_cast<unsigned>(k); }
};

const shared_sets& datasets() {
  static const shared_sets s;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(certificate_format)

BOOST_AUTO_TEST_CASE(round_trip) {
  ntk::certificate c;
  c.claim.lower = "1.5e-3";
  c.claim.upper = "2";
  c.data.source = "data/x.csv";
  c.data.sha256 = std::string(64, 'a');
  c.data.offset = 3;
  c.data.limit = 40;
  c.data.n = 40;
  c.data.d = 7;
  c.data.center = true;
  c.data.normalize = ntk::normalization::sphere;
  c.model.depth = 4;
  c.model.convention = "uci";
  c.hints.precision_bits = 113;
  c.hints.shift = "1.25e-3";
  c.hints.eigenvector.assign(40, 0.1);
  c.hints.eigenvector[3] = -1.0 / 3.0;
  c.hints.singular_pair = std::pair<std::size_t, std::size_t>(1, 2);
  std::string text = ntk::certificate_json(c);
  ntk::certificate back = ntk::parse_certificate(text);
  BOOST_TEST(ntk::certificate_json(back) == text);
  BOOST_TEST(back.hints.eigenvector[3] == -1.0 / 3.0);
  BOOST_TEST(back.data.limit.value() == 40u);
  BOOST_TEST((back.data.normalize == ntk::normalization::sphere));
  BOOST_TEST(back.hints.singular_pair->second == 2u);
  json::value v = json::parse(text);
  BOOST_TEST(v.at("format").at("name").as_string() == "ntkcert-certificate");
  BOOST_TEST(v.at("format").at("version").as_number() == 1.0);
  // Optional parts may be absent; limit may be null.
  v.as_object().erase(v.as_object().begin() + 4);  // hints
  v.as_object().pop_back();                        // producer
  *v.find("data")->find("limit") = json::value();
  ntk::certificate minimal = ntk::certificate_from_json(v);
  BOOST_TEST(!minimal.data.limit.has_value());
  BOOST_TEST(minimal.hints.eigenvector.empty());
  BOOST_TEST(minimal.hints.precision_bits == 53);
  // Nothing unreadable is written.
  ntk::certificate bad = c;
  bad.claim.lower = "nan";
  BOOST_CHECK_THROW(ntk::certificate_json(bad), ntk::certificate_error);
}

BOOST_AUTO_TEST_CASE(exact_decimal_grammar) {
  for (const char* ok : {"0", "-0", "+1", "1.", ".5", "-1.25e-3", "42", "1E+10", "3.14159265358979323846264338327950288"})
    BOOST_TEST(ntk::is_exact_decimal(ok), ok);
  for (const char* bad : {"", "-", ".", "e5", "1e", "1e+", "inf", "-inf", "nan", "0x1p3", " 1", "1 ", "1,5", "1e999999", "--1"})
    BOOST_TEST(!ntk::is_exact_decimal(bad), bad);
}

BOOST_AUTO_TEST_CASE(malformed_certificates) {
  ntk::certificate c;
  c.claim.lower = "1";
  c.claim.upper = "2";
  c.data.source = "x.csv";
  c.data.sha256 = std::string(64, '0');
  c.data.n = 3;
  c.data.d = 2;
  c.hints.eigenvector = {1, 2, 3};
  const json::value good = ntk::to_json(c);
  BOOST_CHECK_NO_THROW(ntk::certificate_from_json(good));

  auto expect_error = [](const json::value& v, const std::string& fragment) {
    try {
      ntk::certificate_from_json(v);
      BOOST_ERROR("no certificate_error for: " << json::dump(v, 0));
    } catch (const ntk::certificate_error& e) {
      BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, "'" << e.what() << "' lacks '" << fragment << "'");
    }
  };
  // Every required member, removed in turn.
  const std::vector<std::pair<std::string, std::string>> required = {
      {"", "format"},      {"format", "name"}, {"format", "version"}, {"", "claim"},   {"claim", "quantity"},
      {"claim", "lower"},  {"claim", "upper"}, {"", "data"},          {"data", "source"}, {"data", "sha256"},
      {"data", "offset"},  {"data", "n"},      {"data", "d"},         {"data", "center"}, {"data", "normalize"},
      {"", "model"},       {"model", "depth"}, {"model", "activation"}, {"model", "convention"}};
  for (const auto& [parent, key] : required) {
    json::value v = good;
    auto& obj = parent.empty() ? v.as_object() : v.find(parent)->as_object();
    obj.erase(std::find_if(obj.begin(), obj.end(), [&](const auto& m) { return m.first == key; }));
    expect_error(v, "missing member '" + (parent.empty() ? key : parent + "." + key) + "'");
  }
  auto with = [&](const std::string& parent, const std::string& key, json::value x) {
    json::value v = good;
    (*v.find(parent))[key] = std::move(x);
    return v;
  };
  expect_error(with("format", "version", 2), "unsupported version 2");
  expect_error(with("format", "version", "1"), "unsupported version");
  expect_error(with("format", "name", "other-certificate"), "unknown format");
  expect_error(with("claim", "quantity", "lambda_max"), "claim.quantity");
  expect_error(with("claim", "lower", "abc"), "claim.lower");
  expect_error(with("claim", "upper", 2.0), "claim.upper: expected a string");
  expect_error(with("data", "sha256", "abc"), "data.sha256");
  expect_error(with("data", "n", 0), "data.n");
  expect_error(with("data", "d", 2.5), "data.d");
  expect_error(with("data", "offset", -1), "data.offset");
  expect_error(with("data", "center", "no"), "data.center");
  expect_error(with("data", "normalize", "l2"), "data.normalize");
  expect_error(with("model", "depth", "3"), "model.depth");
  expect_error(with("model", "depth", 0), "model.depth");
  expect_error(with("model", "activation", "tanh"), "model.activation");
  expect_error(with("model", "convention", "ntk"), "model.convention");
  {
    json::value v = good;
    (*v.find("hints"))["eigenvector"].as_array().pop_back();
    expect_error(v, "hints.eigenvector");
  }
  {
    json::value v = good;
    json::value pair = json::value::array();
    pair.push_back(1);
    pair.push_back(1);
    (*v.find("hints"))["singular_pair"] = pair;
    expect_error(v, "hints.singular_pair");
  }
  expect_error(json::value::array(), "JSON object");
  BOOST_CHECK_THROW(ntk::parse_certificate("{\"format\": "), ntk::certificate_error);
  BOOST_CHECK_THROW(ntk::parse_certificate("not json"), ntk::certificate_error);
  try {
    ntk::parse_certificate("{\n\"format\": x}");
  } catch (const ntk::certificate_error& e) {
    BOOST_TEST(std::string(e.what()).find("not JSON: line 2") != std::string::npos);
  }
  // Files: unreadable and malformed both raise certificate_error.
  scratch_dir dir;
  BOOST_CHECK_THROW(ntk::check_certificate_file(dir.file("absent.json")), ntk::certificate_error);
  ntk::write_file_atomic(dir.file("bad.json"), "{\"format\": {\"name\": \"ntkcert-certificate\", \"version\": 7}}");
  BOOST_CHECK_THROW(ntk::check_certificate_file(dir.file("bad.json")), ntk::certificate_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(checker)

BOOST_AUTO_TEST_CASE(datasets_check_valid_with_both_positivity_tests) {
  const shared_sets& all = datasets();
  for (std::size_t k = 0; k < all.specs.size(); ++k) {
    const spec& s = all.specs[k];
    const built& b = all.sets[k];
    const scratch_dir& dir = all.dir;
    BOOST_TEST_MESSAGE(s.name << ": lambda_min ~ " << b.lambda.str(20) << " claim [" << b.cert.claim.lower << ", " << b.cert.claim.upper << "]");
    // Through the file, as `certify check` does.
    std::string path = dir.file(s.name + ".cert.json");
    ntk::write_file_atomic(path, ntk::certificate_json(b.cert));
    ntk::check_result r = ntk::check_certificate_file(path);
    BOOST_TEST(r.valid, s.name << ": " << show(r));
    if (!singular(s)) {
      BOOST_TEST(r.lower_proof.find("exact") != std::string::npos, s.name << ": " << r.lower_proof);
      BOOST_TEST(r.upper_proof.find("eigenvector") != std::string::npos, s.name << ": " << r.upper_proof);
    } else {
      BOOST_TEST(r.upper_proof.find("positively proportional") != std::string::npos, s.name << ": " << r.upper_proof);
    }
    ntk::check_options floating;
    floating.method = ntk::pd_test::floating;
    ntk::check_result rf = ntk::check_certificate(b.cert, floating);
    BOOST_TEST(rf.valid, s.name << " (floating): " << show(rf));
    if (!singular(s)) BOOST_TEST(rf.lower_proof.find("Cholesky") != std::string::npos);
    // Without the eigenvector the upper bound falls back to the smallest diagonal entry, which
    // proves a loose upper bound but not the tight one.
    if (!singular(s)) {
      ntk::certificate loose = b.cert;
      loose.hints.eigenvector.clear();
      BOOST_TEST(!ntk::check_certificate(loose).valid, s.name);
      loose.claim.upper = "1e30";
      ntk::check_result rl = ntk::check_certificate(loose);
      BOOST_TEST(rl.valid, s.name << " (no eigenvector, loose upper): " << show(rl));
      BOOST_TEST(rl.upper_proof.find("smallest diagonal") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(tight_claims_check) {
  // Bounds only 1e-20 (relative) outside λ_min still check at the default precision.
  const shared_sets& all = datasets();
  for (std::size_t k = 0; k < all.specs.size(); ++k) {
    if (singular(all.specs[k])) continue;
    ntk::certificate c = all.sets[k].cert;
    c.claim.lower = decimal(all.sets[k].lambda, -1e-20, -1);
    c.claim.upper = decimal(all.sets[k].lambda, 1e-20, +1);
    ntk::check_result r = ntk::check_certificate(c);
    BOOST_TEST(r.valid, all.specs[k].name << ": " << show(r));
  }
}

BOOST_AUTO_TEST_CASE(tampering_is_caught) {
  const shared_sets& all = datasets();
  for (std::size_t k = 0; k < all.specs.size(); ++k) {
    const spec& s = all.specs[k];
    const built& b = all.sets[k];
    const ntk::certificate& c = b.cert;
    auto expect_invalid = [&](const ntk::certificate& t, const std::string& what, const std::string& fragment) {
      for (ntk::pd_test m : {ntk::pd_test::exact, ntk::pd_test::floating}) {
        ntk::check_options o;
        o.method = m;
        ntk::check_result r = ntk::check_certificate(t, o);
        BOOST_TEST(!r.valid, s.name << ": " << what << " was not caught");
        BOOST_TEST(r.reason.find(fragment) != std::string::npos, s.name << ": " << what << ": reason '" << r.reason << "' lacks '" << fragment << "'");
      }
    };
    ntk::certificate t;
    if (!singular(s)) {
      t = c;
      t.claim.lower = decimal(b.lambda, 1e-6, +1);
      t.claim.upper = decimal(b.lambda, 1e-5, +1);
      expect_invalid(t, "raised lower bound", "lower bound");
      t = c;
      t.claim.lower = decimal(b.lambda, -1e-5, -1);
      t.claim.upper = decimal(b.lambda, -1e-6, -1);
      expect_invalid(t, "lowered upper bound", "upper bound");
      // Raised lower bound without the eigenvector: no Rayleigh disproof, the positivity test fails.
      t = c;
      t.claim.lower = decimal(b.lambda, 1e-6, +1);
      t.claim.upper = "1e30";
      t.hints.eigenvector.clear();
      expect_invalid(t, "raised lower bound (no eigenvector)", "lower bound");
      t = c;
      std::swap(t.claim.lower, t.claim.upper);
      expect_invalid(t, "lower > upper", "exceeds the claimed upper bound");
      t = c;
      t.model.convention = c.model.convention == "paper" ? "neural-tangents" : "paper";
      expect_invalid(t, "wrong convention", "bound");
      t = c;
      t.data.center = !c.data.center;
      expect_invalid(t, "wrong centring flag", "bound");
    } else {
      t = c;
      t.claim.lower = "1e-30";
      t.claim.upper = "1";
      expect_invalid(t, "positive lower bound for singular data", "λ_min = 0");
      t = c;
      t.hints.singular_pair = std::pair<std::size_t, std::size_t>(0, 1);
      expect_invalid(t, "wrong singular pair", "not positively proportional");
      t = c;
      t.claim.lower = "-1";
      t.claim.upper = "-1e-300";
      expect_invalid(t, "negative upper bound", "negative");
    }
    t = c;
    t.model.depth = c.model.depth + 1;
    if (!singular(s)) expect_invalid(t, "depth + 1", "bound");
    if (c.model.depth > 1 && !singular(s)) {
      t = c;
      t.model.depth = c.model.depth - 1;
      expect_invalid(t, "depth - 1", "bound");
    }
    if (s.kind != shape::synthetic) {
      // Changed bytes of the data file: caught by the hash.
      std::string original = ntk::read_file(c.data.source);
      std::string changed = original;
      changed[changed.find('\n') - 1] ^= 1;  // last digit of the first line
      ntk::write_file_atomic(c.data.source, changed);
      expect_invalid(c, "changed data file", "data changed");
      // Changed data with a matching hash: caught by the claim itself.
      std::vector<double> x = make_rows(s, shared_sets::seed(k));
      // A row that matters: one of the singular pair, else the largest eigenvector entry.
      std::size_t row = 0;
      if (singular(s)) {
        row = c.hints.singular_pair->first;
      } else {
        for (std::size_t i = 1; i < c.data.n; ++i)
          if (std::fabs(c.hints.eigenvector[i]) > std::fabs(c.hints.eigenvector[row])) row = i;
      }
      row += s.offset;
      for (std::size_t k = 0; k < s.d; ++k) x[row * s.d + k] = 3.0 * x[row * s.d + k] + 0.5;
      ntk::write_file_atomic(c.data.source, csv_text(x, s.rows, s.d));
      t = c;
      t.data.sha256 = ntk::sha256_file_hex(c.data.source);
      expect_invalid(t, "changed data with its hash", singular(s) ? "not positively proportional" : "bound");
      ntk::write_file_atomic(c.data.source, original);
      BOOST_TEST(ntk::check_certificate(c).valid, s.name << ": restored data");
    } else {
      t = c;
      t.data.source = "synthetic:sphere?n=16&d=9&seed=999";
      expect_invalid(t, "other synthetic data", "data changed");
    }
  }
}

BOOST_AUTO_TEST_CASE(data_resolution_and_unreadable_data) {
  scratch_dir dir;
  built b = build(ten_datasets()[0], dir, 5);
  // A relative source is found next to the certificate when it is not in the current directory.
  std::string rel = b.cert.data.source.substr(dir.path.size() + 1);
  ntk::certificate c = b.cert;
  c.data.source = rel;
  ntk::write_file_atomic(dir.file("rel.cert.json"), ntk::certificate_json(c));
  BOOST_TEST(ntk::resolve_data_source(rel, dir.path) == dir.file(rel));
  BOOST_TEST(ntk::resolve_data_source("synthetic:sphere?n=3&d=2", dir.path) == "synthetic:sphere?n=3&d=2");
  ntk::check_result r = ntk::check_certificate_file(dir.file("rel.cert.json"));
  BOOST_TEST(r.valid, show(r));
  BOOST_TEST(r.data_spec == dir.file(rel));
  // Missing data file: data_error (exit status 2 in the CLI), not "invalid".
  c.data.source = "no-such-file.csv";
  ntk::write_file_atomic(dir.file("missing.cert.json"), ntk::certificate_json(c));
  BOOST_CHECK_THROW(ntk::check_certificate_file(dir.file("missing.cert.json")), ntk::data_error);
  // Fewer rows than the certificate's n: data changed (here the hash already differs).
  c = b.cert;
  c.data.limit = 5;
  BOOST_TEST(!ntk::check_certificate(c).valid);
}

BOOST_AUTO_TEST_CASE(random_claims_are_judged_correctly) {
  // Random small problems (non-singular by construction: depth 1 only with n <= d and no
  // centring); bounds 1e-10 outside the reference λ_min must check, bounds 1e-6 inside must not.
  scratch_dir dir;
  std::mt19937_64 rng(2024);
  const char* conventions[] = {"paper", "neural-tangents", "uci"};
  const ntk::normalization norms[] = {ntk::normalization::none, ntk::normalization::sphere, ntk::normalization::unit};
  for (int trial = 0; trial < 24; ++trial) {
    spec s;
    s.name = "random" + std::to_string(trial);
    s.kind = trial % 3 == 0 ? shape::magnitudes : shape::gauss;
    s.d = 2 + rng() % 6;
    s.depth = 1 + static_cast<int>(rng() % 5);
    s.rows = 2 + rng() % 11;
    if (s.depth == 1) s.rows = std::min(s.rows, s.d);
    s.center = s.depth > 1 && rng() % 2 == 0;
    if (s.center && s.rows < 3) s.rows = 3;
    s.norm = norms[rng() % 3];
    s.convention = conventions[rng() % 3];
    built b = build(s, dir, 500 + static_cast<unsigned>(trial), 1e-10);
    ntk::check_options o;
    o.method = trial % 2 ? ntk::pd_test::exact : ntk::pd_test::floating;
    ntk::check_result r = ntk::check_certificate(b.cert, o);
    BOOST_TEST(r.valid, s.name << " (n " << s.rows << ", d " << s.d << ", L " << s.depth << "): " << show(r));
    ntk::certificate t = b.cert;
    t.claim.lower = decimal(b.lambda, 1e-6, +1);
    BOOST_TEST(!ntk::check_certificate(t, o).valid, s.name << ": raised lower");
    t = b.cert;
    t.claim.upper = decimal(b.lambda, -1e-6, -1);
    t.claim.lower = std::string(1, '0');  // (a literal here trips a GCC 12 -Wrestrict false positive)
    BOOST_TEST(!ntk::check_certificate(t, o).valid, s.name << ": lowered upper");
  }
}

BOOST_AUTO_TEST_CASE(lower_bounds_at_or_below_zero_need_no_computation) {
  ntk::certificate c = datasets().sets[1].cert;
  c.claim.lower = "-5";
  ntk::check_result r = ntk::check_certificate(c);
  BOOST_TEST(r.valid, show(r));
  BOOST_TEST(r.lower_proof.find("positive semidefinite") != std::string::npos);
  c.claim.lower = "0";
  BOOST_TEST(ntk::check_certificate(c).valid);
}

BOOST_AUTO_TEST_SUITE_END()

// The fast binary64 route of the checker (check_binary64.hpp): forced on small sets by
// exact_max_n = 0. It must confirm the genuine certificates of every data set (depths 1–5, all
// conventions and normalisations, exact and rounded Gram matrices), with the same outcome for one
// and two workers; tampered claims must be rejected; claims tighter than binary64 can resolve must
// fall back to the MPFI route and still be judged correctly.
BOOST_AUTO_TEST_SUITE(checker_fast_route)

ntk::check_options fast_options(int threads = 2) {
  ntk::check_options o;
  o.exact_max_n = 0;
  o.threads = threads;
  return o;
}

BOOST_AUTO_TEST_CASE(confirms_genuine_certificates) {
  const shared_sets& all = datasets();
  for (std::size_t k = 0; k < all.specs.size(); ++k) {
    const spec& s = all.specs[k];
    if (singular(s)) continue;
    const ntk::certificate& c = all.sets[k].cert;
    ntk::check_result r2 = ntk::check_certificate(c, fast_options(2));
    ntk::check_result r1 = ntk::check_certificate(c, fast_options(1));
    BOOST_TEST(r2.valid, s.name << ": " << show(r2));
    if (s.kind == shape::near_duplicate) {
      // λ_min ~ 4e-7 with entries ~1: binary64 cannot resolve the claim, the MPFI route decides.
      BOOST_TEST(r2.lower_proof.find("MPFR") != std::string::npos, s.name << ": " << r2.lower_proof);
    } else {
      BOOST_TEST(r2.lower_proof.find("binary64") != std::string::npos, s.name << ": " << r2.lower_proof);
      BOOST_TEST(r2.upper_proof.find("binary64") != std::string::npos, s.name << ": " << r2.upper_proof);
    }
    BOOST_TEST(show(r1) == show(r2), s.name << ": one worker gave " << show(r1));
    // Without the eigenvector only a loose upper bound is provable (smallest diagonal entry).
    ntk::certificate loose = c;
    loose.hints.eigenvector.clear();
    loose.claim.upper = "1e30";
    ntk::check_result rl = ntk::check_certificate(loose, fast_options());
    BOOST_TEST(rl.valid, s.name << " (no eigenvector): " << show(rl));
    BOOST_TEST(rl.upper_proof.find("smallest diagonal") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(rejects_tampered_certificates) {
  const shared_sets& all = datasets();
  for (std::size_t k = 0; k < all.specs.size(); ++k) {
    const spec& s = all.specs[k];
    if (singular(s)) continue;
    const built& b = all.sets[k];
    auto expect_invalid = [&](const ntk::certificate& t, const std::string& what, const std::string& fragment) {
      ntk::check_result r = ntk::check_certificate(t, fast_options());
      BOOST_TEST(!r.valid, s.name << ": " << what << " was not caught");
      BOOST_TEST(r.reason.find(fragment) != std::string::npos, s.name << ": " << what << ": '" << r.reason << "' lacks '" << fragment << "'");
    };
    ntk::certificate t = b.cert;
    t.claim.lower = decimal(b.lambda, 1e-12, +1);  // just above the true λ_min
    expect_invalid(t, "lower bound raised just above λ_min", "lower bound");
    t.hints.eigenvector.clear();  // no Rayleigh disproof: the positivity tests must fail
    t.claim.upper = "1e30";
    expect_invalid(t, "lower bound raised just above λ_min (no eigenvector)", "lower bound");
    t = b.cert;
    t.claim.upper = decimal(b.lambda, -1e-12, -1);  // just below
    expect_invalid(t, "upper bound lowered just below λ_min", "upper bound");
    t = b.cert;
    t.data.sha256[5] = t.data.sha256[5] == '0' ? '1' : '0';
    expect_invalid(t, "changed data hash", "data changed");
  }
}

BOOST_AUTO_TEST_CASE(falls_back_when_binary64_is_too_coarse) {
  // Claims 1e-20 (relative) around λ_min: no binary64 bound can confirm them; the MPFI route does
  // (128 bits), including on the near-duplicate rows; 1e-20 on the wrong side must be rejected.
  const shared_sets& all = datasets();
  for (std::size_t k = 0; k < all.specs.size(); ++k) {
    const spec& s = all.specs[k];
    if (singular(s)) continue;
    const built& b = all.sets[k];
    ntk::certificate c = b.cert;
    c.claim.lower = decimal(b.lambda, -1e-20, -1);
    c.claim.upper = decimal(b.lambda, 1e-20, +1);
    ntk::check_result r = ntk::check_certificate(c, fast_options());
    BOOST_TEST(r.valid, s.name << ": " << show(r));
    BOOST_TEST(r.lower_proof.find("MPFR") != std::string::npos, s.name << ": " << r.lower_proof);
    BOOST_TEST(r.precision_bits >= 128);
    ntk::certificate w = c;
    w.claim.lower = decimal(b.lambda, 1e-20, +1);
    w.claim.upper = decimal(b.lambda, 1e-19, +1);
    BOOST_TEST(!ntk::check_certificate(w, fast_options()).valid, s.name << ": lower 1e-20 above λ_min accepted");
    w = c;
    w.claim.lower = decimal(b.lambda, -1e-19, -1);
    w.claim.upper = decimal(b.lambda, -1e-20, -1);
    BOOST_TEST(!ntk::check_certificate(w, fast_options()).valid, s.name << ": upper 1e-20 below λ_min accepted");
  }
}

BOOST_AUTO_TEST_SUITE_END()

// The fast route's own kernel enclosure (check_binary64_kernel.cpp: its acos from an asin series by
// Estrin's scheme with one-step outward roundings) against plain MPFR at ~330 bits: every entry of
// W, unscaled (the unit kernel K̂) and scaled (K̂ ‖y_i‖ ‖y_j‖), depths 1–5, must lie within
// mid ± rad. The rows are random small integers plus nearly parallel and nearly antiparallel copies,
// so correlations cover both branches of the checker's acos (|ρ| <= 1/2 and beyond) up to ±(1 − 1e-9).
BOOST_AUTO_TEST_SUITE(checker_binary64_kernel)

BOOST_AUTO_TEST_CASE(entries_contain_mpfr_reference) {
  std::mt19937_64 rng(8128);
  const std::size_t d = 6, base = 24;
  std::vector<std::vector<long>> rows;
  for (std::size_t i = 0; i < base; ++i) {
    std::vector<long> r(d);
    for (auto& v : r) v = static_cast<long>(rng() % 201) - 100;
    if (std::all_of(r.begin(), r.end(), [](long v) { return v == 0; })) r[0] = 1;
    rows.push_back(r);
  }
  for (std::size_t i = 0; i < 8; ++i) {  // scaled copies with one entry moved: ρ within ~1e-9 of ±1
    std::vector<long> r = rows[i];
    const long f = (i % 2 ? -1 : 1) * 100000;
    for (auto& v : r) v *= f;
    r[i % d] += 1 + static_cast<long>(rng() % 3);
    rows.push_back(r);
  }
  const std::size_t n = rows.size();
  ntk::check_detail::integer_rows ir;
  ir.n = n;
  ir.d = d;
  ir.y.resize(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) mpz_set_si(ir.y[i * d + k].v, rows[i][k]);
  const real pi = boost::multiprecision::acos(real(-1));
  std::vector<real> g(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      long s = 0;
      for (std::size_t k = 0; k < d; ++k) s += rows[i][k] * rows[j][k];
      g[i * n + j] = real(s);
    }
  int checked = 0, beyond_half = 0;
  for (int depth = 1; depth <= 5; ++depth)
    for (bool scaled : {false, true}) {
      ntk::check_detail::binary64_enclosure e = ntk::check_detail::enclose_kernel_binary64(ir, depth, scaled, 2);
      BOOST_TEST_REQUIRE(e.ok, e.why);
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i <= j; ++i) {
          real w;
          if (i == j) {
            w = scaled ? real(depth) * g[i * n + i] : real(depth);
          } else {
            const real sab = sqrt(g[i * n + i] * g[j * n + j]);
            real rho = g[i * n + j] / sab, k = rho;
            if (depth == 1 && scaled == false && abs(rho) > real(0.5)) ++beyond_half;
            for (int l = 2; l <= depth; ++l) {
              const real th = acos(rho);
              const real k1 = (sqrt(1 - rho * rho) + (pi - th) * rho) / pi, k0 = 1 - th / pi;
              k = k1 + k * k0;
              rho = k1;
            }
            w = scaled ? k * sab : k;
          }
          const real mid(e.mid(static_cast<long>(i), static_cast<long>(j)));
          const real rad(e.rad[j * (j + 1) / 2 + i]);
          const bool inside = i == j ? (w >= mid && w <= mid + rad) : abs(w - mid) <= rad;
          BOOST_TEST(inside, "depth " << depth << (scaled ? " scaled" : " unit") << " (" << i << ", " << j
                                      << "): reference outside mid ± rad");
          ++checked;
        }
    }
  BOOST_TEST(checked > 5000);
  BOOST_TEST(beyond_half > 50);  // the acos branch for |ρ| > 1/2 is exercised
}

BOOST_AUTO_TEST_SUITE_END()
