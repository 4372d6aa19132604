// certify check: re-verify a λ_min certificate from its data, independently of the prover.
#include <iostream>
#include <string>
#include <vector>

#include "certificate/certificate.hpp"
#include "certificate/checker.hpp"
#include "certificate/io.hpp"
#include "certificate/json.hpp"
#include "certificate/empirical_certificate.hpp"
#include "cli.hpp"
#include "command_options.hpp"
#include "empirical_cli.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {


std::string source_summary(const ntk::certificate& c) {
  std::string s = c.data.source;
  s += " (depth " + std::to_string(c.model.depth) + ", " + c.model.convention + " convention, n = " + std::to_string(c.data.n);
  if (c.data.offset) s += ", offset " + std::to_string(c.data.offset);
  if (c.data.center) s += ", centred";
  if (c.data.normalize != ntk::normalization::none) s += std::string(", normalised: ") + ntk::normalization_name(c.data.normalize);
  return s + ")";
}

int run_check(const std::vector<std::string>& args) {
  check_args a;
  command cmd = check_command(a);
  if (!cmd.parse(args)) return 0;
  const std::string path = a.certificate;
  const bool quiet = a.output.quiet;
  const std::string json_path = a.output.json;
  if (cmd.given("json") && json_path.empty()) throw usage_error("--json needs a PATH or -");

  ntk::check_options options;
  options.min_precision_bits = a.precision;
  if (a.method == "exact") options.method = ntk::pd_test::exact;
  else if (a.method == "floating") options.method = ntk::pd_test::floating;
  auto slash = path.rfind('/');
  options.certificate_dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));

  {  // empirical-NTK certificates have their own format and checker (cmd_empirical.cpp)
    std::string text;
    try {
      text = ntk::read_file(path);
    } catch (const ntk::io_error&) {
    }
    if (ntk::is_empirical_certificate_text(text)) return run_empirical_check(path, text, options, quiet, json_path);
  }
  ntk::certificate cert;
  try {
    cert = ntk::parse_certificate(ntk::read_file(path));
  } catch (const ntk::io_error& e) {
    std::cerr << "certify check: " << e.what() << "\n";
    return 2;
  } catch (const ntk::certificate_error& e) {
    std::cerr << "certify check: " << path << ": malformed certificate: " << e.what() << "\n";
    return 2;
  }
  ntk::check_result r;
  try {
    r = ntk::check_certificate(cert, options);
  } catch (const ntk::certificate_error& e) {
    std::cerr << "certify check: " << path << ": malformed certificate: " << e.what() << "\n";
    return 2;
  }  // ntk::data_error (unreadable data) reaches main: message and status 2

  ntk::json::value model = ntk::json::value::object();
  model["depth"] = cert.model.depth;
  model["activation"] = cert.model.activation;
  model["convention"] = cert.model.convention;
  return report_check(path, cert.claim, cert.data, "model", model, r, quiet, json_path,
                      "λ_min ∈ [" + cert.claim.lower + ", " + cert.claim.upper + "] for " + source_summary(cert));
}

void describe(const command_visitor& visit) {
  check_args a;
  visit(check_command(a));
}

const command_registrar registrar("check", "re-verify a lambda_min certificate independently", run_check, describe);

}  // namespace
}  // namespace certify
