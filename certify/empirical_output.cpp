#include "empirical_output.hpp"

#include <algorithm>
#include <cmath>

#include "certificate/empirical_certificate.hpp"
#include "output.hpp"

namespace certify {

namespace {

ntk::json::value verdict(ntk::bound_verdict v) {
  switch (v) {
    case ntk::bound_verdict::holds: return true;
    case ntk::bound_verdict::fails: return false;
    default: return "undecided";
  }
}

double to_d(const ntk::mreal& x) { return mpfr_get_d(x.backend().data(), MPFR_RNDN); }

}  // namespace

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

std::optional<theorem_scales> theorem_scales_of(const ntk::network& net,
                                                const std::optional<std::vector<ntk::beta_square>>& beta_sq) {
  if (!beta_sq) return std::nullopt;
  const std::vector<ntk::beta_square>& b = *beta_sq;
  theorem_scales s;
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

ntk::json::value empirical_json(const ntk::dataset& data, const ntk::empirical_job& job, const ntk::network& full,
                                std::optional<std::size_t> output, const ntk::empirical_outcome& out,
                                const std::optional<theorem_scales>& sc) {
  const ntk::ntk_outcome& lam = out.lambda;
  const ntk::network& net = *job.net;
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "empirical";
  j["data"] = data_json(data, job.prep);
  ntk::json::value nj = network_json(full);
  if (output) nj["output"] = static_cast<unsigned long>(*output);
  else nj["output"] = nullptr;
  nj["parameters"] = static_cast<unsigned long>(out.parameters);
  j["network"] = nj;
  ntk::json::value model = ntk::json::value::object();
  model["depth"] = static_cast<unsigned long>(full.depth());
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
  if (out.layers_computed) {
    ntk::json::value layers = ntk::json::value::array();
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
  return j;
}

std::string empirical_certificate_text(const ntk::dataset& data, const ntk::empirical_job& job,
                                       const ntk::network& full, const std::string& layout,
                                       std::optional<std::size_t> output, const ntk::empirical_outcome& out) {
  const ntk::ntk_outcome& lam = out.lambda;
  ntk::empirical_certificate c;
  c.claim = certificate_claim(lam);
  c.claim.quantity = "empirical_lambda_min";
  c.data = certificate_data(data, job.prep);
  c.network.source = full.source;
  c.network.sha256 = full.sha256;
  c.network.layout = layout;
  c.network.output = output;
  c.network.widths = full.widths;
  c.network.biases = full.has_biases;
  c.hints.precision_bits = lam.precision_bits;
  if (!lam.exact_zero) c.hints.eigenvector = lam.eigenvector;
  c.hints.singular_pair = lam.singular_pair;
  return ntk::empirical_certificate_json(c);
}

}  // namespace certify
