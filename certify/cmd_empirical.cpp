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
#include "interval/decimal.hpp"
#include "network_options.hpp"
#include "ntk_options.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {

// The options of certify empirical; the initial values are the defaults.
struct empirical_args {
  data_args data;
  network_args network;
  std::optional<long> output;
  precision_args precision;
  bool lambda_only = false;
  std::string certificate;
  output_args output_opts;
};

command empirical_command(empirical_args& a) {
  command c("empirical",
      "Encloses the smallest eigenvalue of the empirical NTK Gram matrix K = J J^T of the given network\n"
      "(the network exactly as stored, biases included when present) on the given rows, with every\n"
      "rounding error accounted for and every ReLU derivative decided exactly (ties proven zero take\n"
      "sigma'(0) = 0). K is formed as sum_k (F_k F_k^T) o (B_{k+1} B_{k+1}^T) (docs/math.md section 1), never\n"
      "as the N x P Jacobian. Also reports, per layer k = 0..L-1, lambda_min(F_k F_k^T) and\n"
      "min_i ||b_{k+1}(x_i)||^2, the Schur lower bound Jlb, the diagonal upper bound Jub, and, for random:\n"
      "networks, lambda_min of the infinite-width limit for the same widths and initialisation\n"
      "(docs/math.md section 5). Exit 0: certified; 1: the target width was not reached (honest enclosure\n"
      "reported); 2: bad usage or bad input (e.g. the network's input width differs from d).");
  add_data_options(c, a.data);
  add_network_options(c, a.network, true);
  c.whole("output", a.output, "J", 0, 1L << 30, "which output unit of a network with n_L > 1 to use (0-based)")
      .default_text("the only output");
  add_precision_options(c, a.precision);
  c.flag("lambda-only", a.lambda_only,
         "certify lambda_min(K) only: skip the per-layer Gram eigenvalues, the Schur bound and the infinite-width "
         "prediction");
  c.text("certificate", a.certificate, "PATH", "also write a certificate that 'certify check' re-verifies");
  add_output_options(c, a.output_opts);
  return c;
}

ntk::json::value verdict(ntk::bound_verdict v) {
  switch (v) {
    case ntk::bound_verdict::holds: return true;
    case ntk::bound_verdict::fails: return false;
    default: return "undecided";
  }
}

double to_d(const ntk::mreal& x) { return mpfr_get_d(x.backend().data(), MPFR_RNDN); }

// Theorem 4.1's scale d·∏_{l<L} n_l·∏_l β_l² / min_l β_l², and Theorem 5.1's d·∏_{l<=k} n_l β_l².
struct scales {
  double thm41 = 0;
  std::vector<double> thm51;  // k = 0..L-1 (k = 0: d)
};
scales theorem_scales(const ntk::network& net, const std::vector<ntk::beta_square>& b) {
  scales s;
  const std::size_t L = net.depth();
  const double d = static_cast<double>(net.widths[0]);
  double prod_n = 1, prod_b = 1, min_b = HUGE_VAL;
  for (std::size_t l = 1; l < L; ++l) prod_n *= static_cast<double>(net.widths[l]);
  for (const auto& x : b) {
    const double v = x.num / x.den;
    prod_b *= v;
    min_b = std::min(min_b, v);
  }
  s.thm41 = d * prod_n * prod_b / min_b;
  double acc = d;
  s.thm51.push_back(acc);
  for (std::size_t k = 1; k < L; ++k) {
    acc *= static_cast<double>(net.widths[k]) * (b[k - 1].num / b[k - 1].den);
    s.thm51.push_back(acc);
  }
  return s;
}

void write_empirical_certificate(const std::string& path, const ntk::dataset& data, const ntk::empirical_job& job,
                                 const network_request& nreq, const ntk::network& full, std::optional<std::size_t> output,
                                 const ntk::empirical_outcome& out) {
  const ntk::ntk_outcome& lam = out.lambda;
  ntk::empirical_certificate c;
  // The certificate carries a binary64 eigenvector: its upper claim is what that vector proves.
  ntk::mreal upper = lam.upper;
  if (!lam.exact_zero && lam.eigenvector_upper > upper && mpfr_number_p(lam.eigenvector_upper.backend().data()))
    upper = lam.eigenvector_upper;
  const ntk::json::value b = bound_json(lam.lower, upper);
  c.claim.quantity = "empirical_lambda_min";
  c.claim.lower = b.find("lower")->as_string();
  c.claim.upper = b.find("upper")->as_string();
  c.data.source = data.source;
  c.data.sha256 = data.sha256;
  c.data.offset = data.first_row;
  c.data.limit = data.n;
  c.data.n = data.n;
  c.data.d = data.d;
  c.data.center = job.prep.center;
  c.data.normalize = job.prep.normalize;
  c.network.source = full.source;
  c.network.sha256 = full.sha256;
  c.network.layout = nreq.layout == ntk::weight_layout::out_in ? "out-in" : nreq.layout == ntk::weight_layout::in_out ? "in-out" : "detect";
  c.network.output = output;
  c.network.widths = full.widths;
  c.network.biases = full.has_biases;
  c.hints.precision_bits = lam.precision_bits;
  if (!lam.exact_zero) c.hints.eigenvector = lam.eigenvector;
  c.hints.singular_pair = lam.singular_pair;
  write_output(path, ntk::empirical_certificate_json(c));
}

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
  const std::size_t L = full.depth();
  const std::size_t nL = full.widths[L];
  std::optional<std::size_t> output;
  if (a.output) output = static_cast<std::size_t>(*a.output);
  if (!output && nL != 1)
    throw usage_error("the network " + full.source + " has n_L = " + std::to_string(nL) +
                      " outputs; choose one with --output J (0 <= J < " + std::to_string(nL) + ")");
  if (output && *output >= nL)
    throw usage_error("--output " + std::to_string(*output) + " is out of range: the network " + full.source +
                      " has n_L = " + std::to_string(nL) + " output(s)");
  if (full.widths[0] != data.d)
    throw usage_error("the network " + full.source + " expects n_0 = " + std::to_string(full.widths[0]) +
                      " inputs, but the data " + data.source + " have d = " + std::to_string(data.d) + " columns");
  const ntk::network net = output ? ntk::network_select_output(full, *output) : full;
  job.net = &net;
  job.data = &data;
  job.beta_sq = ntk::init_beta_sq(net);
  save_network(nreq, full);

  terminal_progress progress(!quiet);
  const ntk::empirical_outcome out = ntk::empirical_lambda_min(job, progress);
  progress.finish();
  const ntk::ntk_outcome& lam = out.lambda;

  ntk::json::value j = ntk::json::value::object();
  j["command"] = "empirical";
  j["data"] = data_json(data, job.prep);
  ntk::json::value nj = network_json(full);
  if (output) nj["output"] = static_cast<unsigned long>(*output);
  else nj["output"] = nullptr;
  nj["parameters"] = static_cast<unsigned long>(out.parameters);
  j["network"] = nj;
  ntk::json::value model = ntk::json::value::object();
  model["depth"] = static_cast<unsigned long>(L);
  model["activation"] = "relu";
  model["relu_derivative_at_zero"] = 0;
  model["kernel"] = net.has_biases ? "sum_k (F_k F_k^T + 1 1^T) o (B_{k+1} B_{k+1}^T)"
                                   : "sum_k (F_k F_k^T) o (B_{k+1} B_{k+1}^T)";
  j["model"] = model;
  j["lambda_min"] = lambda_min_json(lam, job.rtol);
  if (lam.float64_done) {
    ntk::json::value f = ntk::json::value::object();
    f["lambda_min"] = lam.float64_lambda_min;
    f["note"] = "LAPACK estimate on the binary64 midpoint matrix (not a bound)";
    j["float64"] = f;
  }
  j["attempts"] = attempts_json(lam.attempts);
  ntk::json::value acts = ntk::json::value::object();
  acts["undecided"] = static_cast<unsigned long>(out.activations.undecided);
  acts["exact_zeros"] = static_cast<unsigned long>(out.activations.exact_zeros);
  acts["refined_exactly"] = static_cast<unsigned long>(out.activations.refined);
  acts["rows_refined"] = static_cast<unsigned long>(out.activations.rows_refined);
  j["activations"] = acts;

  std::optional<scales> sc;
  if (job.beta_sq) sc = theorem_scales(net, *job.beta_sq);
  ntk::json::value layers = ntk::json::value::array();
  if (out.layers_computed) {
    for (const auto& e : out.layers) {
      ntk::json::value l = ntk::json::value::object();
      l["k"] = static_cast<unsigned long>(e.k);
      l["gram_lambda_min"] = bound_json(e.gram_lambda_min.lower, e.gram_lambda_min.upper);
      l["gram_lambda_min"]["certified"] = e.gram_certified;
      if (!e.gram_note.empty()) l["gram_lambda_min"]["note"] = e.gram_note;
      l["backward_min_sq"] = bound_json(e.backward_min_sq.lower, e.backward_min_sq.upper);
      l["schur_term"] = bound_json(e.term.lower, e.term.upper);
      if (sc) {
        ntk::json::value t = ntk::json::value::object();
        t["scale"] = sc->thm51[e.k];
        t["ratio"] = to_d(e.gram_lambda_min.lower) / sc->thm51[e.k];
        l["theorem_5_1"] = t;
      } else {
        l["theorem_5_1"] = nullptr;
      }
      layers.push_back(l);
    }
    j["layers"] = layers;
    ntk::json::value s = bound_json(out.schur.lower, out.schur.upper);
    s["claim"] = "<= lambda_min";
    s["holds"] = verdict(out.schur_holds);
    j["schur_bound"] = s;
  } else {
    j["layers"] = nullptr;
    j["schur_bound"] = nullptr;
  }
  ntk::json::value dm = bound_json(out.diagonal_min.lower, out.diagonal_min.upper);
  dm["claim"] = ">= lambda_min";
  dm["holds"] = verdict(out.diagonal_holds);
  j["diagonal_min"] = dm;
  ntk::json::value inf = ntk::json::value::object();
  if (out.infinite.computed) {
    inf["lambda_min"] = bound_json(out.infinite.lambda_min.lower, out.infinite.lambda_min.upper);
    inf["lambda_min"]["certified"] = out.infinite.lambda_certified;
    inf["relative_frobenius_distance"] = out.infinite.relative_frobenius_distance;
  } else {
    inf["lambda_min"] = nullptr;
    inf["relative_frobenius_distance"] = nullptr;
  }
  if (!out.infinite.note.empty()) inf["note"] = out.infinite.note;
  else if (!job.infinite_width) inf["note"] = "not computed (--lambda-only)";
  j["infinite_width"] = inf;
  if (sc) {
    ntk::json::value t = ntk::json::value::object();
    t["scale"] = sc->thm41;
    t["ratio_lower"] = to_d(lam.lower) / sc->thm41;
    t["ratio_upper"] = to_d(lam.upper) / sc->thm41;
    t["formula"] = "d * prod_{l<L} n_l * prod_l beta_l^2 / min_l beta_l^2";
    j["theorem_4_1"] = t;
  } else {
    j["theorem_4_1"] = nullptr;
  }
  ntk::json::value timing = ntk::json::value::object();
  timing["kernel_method"] = out.method;
  timing["kernel_seconds"] = out.kernel_seconds;
  timing["layers_seconds"] = out.layers_seconds;
  timing["infinite_width_seconds"] = out.infinite_seconds;
  j["timing"] = timing;

  if (!cert_path.empty()) write_empirical_certificate(cert_path, data, job, nreq, full, output, out);
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
