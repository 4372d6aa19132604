// certify empirical: certified λ_min of the empirical NTK K̄ = JJᵀ of a concrete ReLU network on
// concrete rows (docs/math.md §1, §5), with the per-layer decomposition (Jlb, Jub) and the
// infinite-width prediction for the network's β.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "certificate/empirical_certificate.hpp"
#include "certificate/io.hpp"
#include "empirical/empirical.hpp"
#include "empirical_cli.hpp"
#include "empirical_output.hpp"
#include "interval/decimal.hpp"
#include "network_options.hpp"
#include "ntk_options.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {

double to_d(const ntk::mreal& x) { return mpfr_get_d(x.backend().data(), MPFR_RNDN); }

int run_empirical(const std::vector<std::string>& argv) {
  empirical_args a;
  command cmd = empirical_command(a);
  if (!cmd.parse(argv)) return 0;
  const bool quiet = a.output_opts.quiet;
  const std::string& json_path = a.output_opts.json;
  const std::string& cert_path = a.certificate;
  check_output_path("json", json_path);
  check_output_path("certificate", cert_path);
  const network_request nreq = read_network_options(a.network);

  ntk::empirical_job job;
  a.precision.apply(job.precision, job.rtol);
  job.layers = job.infinite_width = !a.lambda_only;
  ntk::dataset data = load_data(a.data, job.prep);
  const ntk::network full = load_network(nreq);
  std::optional<std::size_t> output;
  const ntk::network net = select_output(full, data, a.output, output);
  job.net = &net;
  job.data = &data;
  job.beta_sq = ntk::init_beta_sq(net);
  save_network(nreq, full);

  terminal_progress progress(!quiet);
  const ntk::empirical_outcome out = ntk::empirical_lambda_min(job, progress);
  progress.finish();
  const ntk::ntk_outcome& lam = out.lambda;
  const std::optional<theorem_scales> sc = theorem_scales_of(net, job.beta_sq);
  const ntk::json::value j = empirical_json(data, job, full, output, out, sc);

  if (!cert_path.empty()) write_output(cert_path, empirical_certificate_text(data, job, full, a.network.layout, output, out));
  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));

  if (!quiet && json_path != "-") {
    std::ostringstream o;
    o << data_summary(data, job.prep) << "\n";
    o << "network     " << full.source << "  (" << ntk::network_describe(full) << (output ? ", output " + std::to_string(*output) : "")
      << "; P = " << out.parameters << ")\n";
    o << "lambda_min  " << bound_text(lam.lower, lam.upper) << "   (empirical NTK K = J J^T)\n";
    o << status_summary(lam, job.rtol);
    if (lam.float64_done) {
      const bool inside = lam.float64_lambda_min >= lam.lower && lam.float64_lambda_min <= lam.upper;
      o << "float64     " << fmt_g(lam.float64_lambda_min) << "  (midpoint estimate; " << (inside ? "inside" : "OUTSIDE")
        << " the enclosure)\n";
    }
    o << precision_summary(lam);
    o << "activations " << out.activations.refined << " decided exactly (" << out.activations.rows_refined << " row(s)), "
      << out.activations.exact_zeros << " exact zero(s), " << out.activations.undecided << " undecided\n";
    if (out.layers_computed) {
      char line[512];
      std::snprintf(line, sizeof line, "  %-3s %-36s %-36s %s\n", "k", "lambda_min(F_k F_k^T)", "min_i |b_{k+1}(x_i)|^2",
                    sc ? "ratio to Thm 5.1 scale" : "");
      o << "layers\n" << line;
      for (const auto& e : out.layers) {
        std::string r = sc ? fmt_g(to_d(e.gram_lambda_min.lower) / sc->thm51[e.k], 4) : "";
        const std::string note = e.gram_note.rfind("exactly 0", 0) == 0 ? "  (" + e.gram_note + ")"
                                 : e.gram_certified                    ? ""
                                                                       : "  (wider than --rtol)";
        std::snprintf(line, sizeof line, "  %-3zu %-36s %-36s %s%s\n", e.k,
                      short_bound(e.gram_lambda_min.lower, e.gram_lambda_min.upper).c_str(),
                      short_bound(e.backward_min_sq.lower, e.backward_min_sq.upper).c_str(), r.c_str(), note.c_str());
        o << line;
      }
      o << "schur       " << short_bound(out.schur.lower, out.schur.upper) << "  <= lambda_min  "
        << (out.schur_holds == ntk::bound_verdict::holds ? "holds"
                                                         : (out.schur_holds == ntk::bound_verdict::fails ? "FAILS" : "undecided"))
        << "\n";
    }
    o << "diagonal    " << short_bound(out.diagonal_min.lower, out.diagonal_min.upper) << "  >= lambda_min  "
      << (out.diagonal_holds == ntk::bound_verdict::holds ? "holds"
                                                          : (out.diagonal_holds == ntk::bound_verdict::fails ? "FAILS" : "undecided"))
      << "\n";
    if (out.infinite.computed)
      o << "infinite    " << short_bound(out.infinite.lambda_min.lower, out.infinite.lambda_min.upper)
        << "  (limit for these widths and beta; relative Frobenius distance " << fmt_g(out.infinite.relative_frobenius_distance, 3)
        << ")\n";
    else if (job.infinite_width)
      o << "infinite    -  (" << out.infinite.note << ")\n";
    if (sc)
      o << "theorem 4.1 scale " << fmt_g(sc->thm41, 6) << ", lambda_min/scale in [" << fmt_g(to_d(lam.lower) / sc->thm41, 4) << ", "
        << fmt_g(to_d(lam.upper) / sc->thm41, 4) << "]\n";
    o << "time        " << fmt_g(lam.seconds, 3) << " s (kernel " << fmt_g(out.kernel_seconds, 3) << " s";
    if (out.layers_computed) o << ", layers " << fmt_g(out.layers_seconds, 3) << " s";
    if (out.infinite.computed) o << ", infinite width " << fmt_g(out.infinite_seconds, 3) << " s";
    o << ")\n";
    std::cout << o.str();
  }
  return lam.certified && out.activations.undecided == 0 ? 0 : 1;
}

}  // namespace

int run_empirical_check(const std::string& path, const std::string& text, const ntk::check_options& options, bool quiet,
                        const std::string& json_path) {
  ntk::empirical_certificate cert;
  try {
    cert = ntk::parse_empirical_certificate(text);
  } catch (const ntk::certificate_error& e) {
    std::cerr << "certify check: " << path << ": malformed certificate: " << e.what() << "\n";
    return 2;
  }
  ntk::check_result r;
  try {
    r = ntk::check_empirical_certificate(cert, options);
  } catch (const ntk::certificate_error& e) {
    std::cerr << "certify check: " << path << ": malformed certificate: " << e.what() << "\n";
    return 2;
  }
  ntk::json::value network = ntk::json::value::object();
  network["source"] = cert.network.source;
  network["sha256"] = cert.network.sha256;
  return report_check(path, cert.claim, cert.data, "network", network, r, quiet, json_path,
                      "λ_min(K̄) ∈ [" + cert.claim.lower + ", " + cert.claim.upper + "] for the empirical NTK of " +
                          cert.network.source + " on " + cert.data.source + " (n = " + std::to_string(cert.data.n) + ")");
}

namespace {
void describe(const command_visitor& visit) {
  empirical_args a;
  visit(empirical_command(a));
}

const command_registrar reg("empirical", "certified lambda_min of the empirical NTK of a concrete network", run_empirical,
                            describe);

}  // namespace
}  // namespace certify
