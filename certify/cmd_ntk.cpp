// certify ntk: certified λ_min of the infinite-width ReLU NTK, next to what float64 says.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "driver/chain.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "ntk_options.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {

// The options of certify ntk; the initial values are the defaults.
struct ntk_args {
  data_args data;
  model_args model;
  precision_args precision;
  std::string certificate;
  std::string float64 = "auto";
  chain_args chain;
  output_args output;
};

command ntk_command(ntk_args& a) {
  command c("ntk",
            "Encloses the smallest eigenvalue of the limiting (infinite-width) NTK K^(L) of a depth-L ReLU\n"
            "network on the given rows, with every rounding error accounted for, and reports what plain\n"
            "float64 code says next to it. The enclosure is certified when its relative width meets --rtol\n"
            "(or lambda_min = 0 is proven exactly); otherwise the honest enclosure is reported, marked not\n"
            "certified, with exit status 1. Exit 2: bad usage or bad input.");
  add_data_options(c, a.data);
  add_model_options(c, a.model);
  add_precision_options(c, a.precision);
  c.text("certificate", a.certificate, "PATH", "also write a certificate that 'certify check' re-verifies");
  c.choice("float64", a.float64, {"auto", "full", "fast", "none"},
           "the plain float64 answer printed next to the certified one: full = closed-form float64 "
           "kernel and LAPACK dsyevr as peers do (O(N^3)); fast = that kernel's Rayleigh quotient at "
           "the certified eigenvector (O(N^2), equal to its lambda_min up to second order); none; "
           "auto = full for N <= 500, fast above");
  add_chain_options(c, a.chain);
  add_output_options(c, a.output);
  return c;
}

std::string chain_text(const ntk::chain_outcome& c) {
  std::ostringstream o;
  int enclosures = 0;
  for (const auto& t : c.attempts) enclosures += t.eigen_enclosures;
  o << "chain       orders";
  for (std::size_t k = 0; k < c.orders.size(); ++k) o << (k ? "," : " ") << c.orders[k];
  o << "; " << enclosures << " eigenvalue enclosure(s), " << c.attempts.size() << " attempt(s) up to "
    << c.precision_bits << " bits; " << fmt_g(c.seconds, 3) << " s\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-14s %-36s %-16s %s\n", "link", "enclosure", "claim", "holds");
  o << line;
  for (const auto& l : c.links) {
    std::string extra;
    if (l.precondition) extra += "  (precondition " + std::string(ntk::chain_verdict_name(*l.precondition)) + ")";
    if (l.has_ratio) extra += "  (lambda_min/m in " + short_bound(l.ratio_lower, l.ratio_upper, 6) + ")";
    const std::string holds = l.holds == ntk::chain_verdict::not_applicable ? "-" : ntk::chain_verdict_name(l.holds);
    std::snprintf(line, sizeof line, "  %-14s %-36s %-16s %s", l.name.c_str(), short_bound(l.lower, l.upper, 10).c_str(),
                  l.claim.empty() ? "-" : l.claim.c_str(), holds.c_str());
    o << line << extra << "\n";
  }
  std::string fails;
  for (const auto& l : c.links)
    if (l.holds == ntk::chain_verdict::fails) fails += (fails.empty() ? "" : ", ") + l.name;
  if (!fails.empty()) o << "chain FAILS at: " << fails << "\n";
  if (!c.undecided.empty()) {
    o << "undecided   ";
    for (std::size_t k = 0; k < c.undecided.size(); ++k) o << (k ? ", " : "") << c.undecided[k];
    o << " (precision cap reached or both sides equal)\n";
  }
  return o.str();
}

int run_ntk(const std::vector<std::string>& argv) {
  ntk_args a;
  command cmd = ntk_command(a);
  if (!cmd.parse(argv)) return 0;
  const bool quiet = a.output.quiet;
  const std::string json_path = a.output.json;
  const std::string cert_path = a.certificate;
  check_output_path("json", json_path);
  check_output_path("certificate", cert_path);

  ntk::ntk_job job;
  job.depth = static_cast<int>(a.model.depth);
  job.convention = a.model.kernel_convention();
  a.precision.apply(job.precision, job.rtol);
  const bool chain_enabled = a.chain.chain;
  const std::vector<unsigned> chain_orders = chain_orders_of(cmd, a.chain);
  const std::string& f64 = a.float64;
  if (f64 == "auto") job.float64_how = ntk::ntk_job::float64_method::automatic;
  else if (f64 == "full") job.float64_how = ntk::ntk_job::float64_method::full;
  else if (f64 == "fast") job.float64_how = ntk::ntk_job::float64_method::fast;
  else job.float64 = false;
  ntk::dataset data = load_data(a.data, job.prep);
  job.data = &data;

  terminal_progress progress(!quiet);
  ntk::ntk_outcome out = ntk::ntk_lambda_min(job, progress);
  std::optional<ntk::chain_outcome> chain;
  if (chain_enabled) chain = ntk::ntk_chain(job, chain_orders, &out, progress);
  progress.finish();

  ntk::json::value j = ntk::json::value::object();
  j["command"] = "ntk";
  j["data"] = data_json(data, job.prep);
  j["model"] = model_json(job.depth, job.convention);
  j["lambda_min"] = lambda_min_json(out, job.rtol);
  if (out.float64_done) {
    ntk::json::value f = ntk::json::value::object();
    f["lambda_min"] = out.float64_lambda_min;
    f["seconds"] = out.float64_seconds;
    f["method"] = out.float64_method;
    j["float64"] = f;
  }
  j["attempts"] = attempts_json(out.attempts);
  if (chain) {
    j["chain"] = chain_json(*chain);
    j["chain_run"] = chain_run_json(*chain);
  }

  j["peak_rss_bytes"] = ntk::peak_rss_bytes();  // the whole run so far (getrusage)

  if (!cert_path.empty()) write_ntk_certificate(cert_path, data, job, out);
  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));

  if (!quiet && json_path != "-") {
    std::ostringstream o;
    o << data_summary(data, job.prep)
      << "\nmodel       ReLU NTK, depth " << job.depth << ", convention " << ntk::kernel_convention_name(job.convention)
      << "\nlambda_min  " << bound_text(out.lower, out.upper) << "\n";
    o << status_summary(out, job.rtol);
    if (out.float64_done) {
      const bool inside = out.float64_lambda_min >= out.lower && out.float64_lambda_min <= out.upper;
      o << "float64     " << fmt_g(out.float64_lambda_min) << "  ("
        << (inside ? "inside" : "OUTSIDE") << " the certified enclosure"
        << (out.float64_method == "rayleigh" ? "; float64 kernel's Rayleigh quotient at the certified eigenvector" : "")
        << ")\n";
    }
    o << precision_summary(out) << "time        " << fmt_g(out.seconds, 3) << " s\n"
      << "memory      peak RSS " << fmt_g(static_cast<double>(ntk::peak_rss_bytes()) / 1e9, 3) << " GB\n";
    if (chain) o << chain_text(*chain);
    std::cout << o.str();
  }
  return out.certified ? 0 : 1;
}

void describe(const command_visitor& visit) {
  ntk_args a;
  visit(ntk_command(a));
}

const command_registrar reg("ntk", "certified lambda_min of the infinite-width ReLU NTK", run_ntk, describe);

}  // namespace
}  // namespace certify
