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
#include "empirical_cli.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {

command_spec check_spec() {
  command_spec s;
  s.name = "check";
  s.synopsis = "CERTIFICATE [--quiet] [--json PATH|-]";
  s.description =
      "Re-verifies the claim lower <= lambda_min <= upper of a certificate written by\n"
      "'certify ntk --certificate PATH', from the data file it names (a relative data.source is\n"
      "looked up in the current directory, then next to the certificate) and by a code path of\n"
      "its own: the kernel is recomputed in MPFI at a higher precision, the lower bound is proved\n"
      "by an exact LDL^T (up to 100 points) or a verified MPFR Cholesky of the shifted midpoint\n"
      "matrix, the upper bound by an outward-rounded Rayleigh quotient (or exactly, for lambda_min = 0\n"
      "from proportional rows).\n\n"
      "Exit status: 0 valid; 1 invalid (the reason is printed); 2 malformed certificate or\n"
      "unreadable data.";
  s.options = {
      {"precision", "BITS", "128", "minimum working precision of the recomputed kernel"},
      {"method", "auto|exact|floating", "auto", "positivity test: exact LDL^T, verified Cholesky, or by size"},
  };
  for (auto& o : output_options()) s.options.push_back(o);
  s.max_positional = 1;
  return s;
}

std::string source_summary(const ntk::certificate& c) {
  std::string s = c.data.source;
  s += " (depth " + std::to_string(c.model.depth) + ", " + c.model.convention + " convention, n = " + std::to_string(c.data.n);
  if (c.data.offset) s += ", offset " + std::to_string(c.data.offset);
  if (c.data.center) s += ", centred";
  if (c.data.normalize != ntk::normalization::none) s += std::string(", normalised: ") + ntk::normalization_name(c.data.normalize);
  return s + ")";
}

int run_check(const std::vector<std::string>& args) {
  const command_spec spec = check_spec();
  auto parsed = parse_args(spec, args);
  if (!parsed) return 0;
  if (parsed->positional.empty()) throw usage_error("missing the certificate file: certify check CERTIFICATE");
  const std::string path = parsed->positional[0];
  const bool quiet = parsed->has("quiet");
  const std::string json_path = parsed->get("json");
  if (parsed->has("json") && json_path.empty()) throw usage_error("--json needs a PATH or -");

  ntk::check_options options;
  options.min_precision_bits = parsed->get_long("precision", 128, 64, 1 << 20);
  const std::string method = parsed->get("method", "auto");
  if (method == "exact") options.method = ntk::pd_test::exact;
  else if (method == "floating") options.method = ntk::pd_test::floating;
  else if (method != "auto") throw usage_error("--method takes auto, exact or floating, not '" + method + "'");
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

const command_registrar registrar("check", "re-verify a lambda_min certificate independently", run_check);

}  // namespace
}  // namespace certify
