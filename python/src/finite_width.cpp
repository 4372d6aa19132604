// ntkcert's finite-width functions: empirical (certify empirical) and check (certify check).
//
// The JSON of `certify empirical --json -` is assembled in the CLI's run_empirical (certify/
// cmd_empirical.cpp) inline; empirical_document() below assembles the same blocks, in the same
// order, from the CLI's shared builders (certify/output.hpp: data_json, bound_json,
// lambda_min_json, attempts_json; network_options.hpp: network_json). The Python suite checks that
// both produce the same document for the same network and data (tests/python).
#include <cmath>
#include <optional>

#include "certificate/checker.hpp"
#include "certificate/empirical_certificate.hpp"
#include "certificate/io.hpp"
#include "common.hpp"
#include "empirical/empirical.hpp"
#include "empirical/empirical_kernel.hpp"
#include "network_options.hpp"
#include "ntk_options.hpp"
#include "output.hpp"

namespace pyntk {
namespace {

ntk::json::value verdict_json(ntk::bound_verdict v) {
  switch (v) {
    case ntk::bound_verdict::holds: return true;
    case ntk::bound_verdict::fails: return false;
    default: return "undecided";
  }
}

py::object verdict_py(ntk::bound_verdict v) {
  switch (v) {
    case ntk::bound_verdict::holds: return py::bool_(true);
    case ntk::bound_verdict::fails: return py::bool_(false);
    default: return py::str("undecided");
  }
}

double to_d(const ntk::mreal& x) { return mpfr_get_d(x.backend().data(), MPFR_RNDN); }

// docs/math.md Theorem 4.1's scale d·∏_{l<L} n_l·∏_l β_l² / min_l β_l², and Theorem 5.1's
// d·∏_{l<=k} n_l β_l² (k = 0..L-1), in floating point (reported ratios, not bounds), as the CLI
// computes them.
struct scales {
  double thm41 = 0;
  std::vector<double> thm51;
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

struct empirical_call {
  ntk::empirical_job job;
  ntk::dataset data;
  ntk::network full, net;
  std::optional<std::size_t> output;
  std::string layout;
};

// The document `certify empirical --json -` writes (see the file comment).
ntk::json::value empirical_document(const empirical_call& c, const ntk::empirical_outcome& out,
                                    const std::optional<scales>& sc) {
  const ntk::ntk_outcome& lam = out.lambda;
  const ntk::empirical_job& job = c.job;
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "empirical";
  j["data"] = certify::data_json(c.data, job.prep);
  ntk::json::value nj = certify::network_json(c.full);
  if (c.output) nj["output"] = static_cast<unsigned long>(*c.output);
  else nj["output"] = nullptr;
  nj["parameters"] = static_cast<unsigned long>(out.parameters);
  j["network"] = nj;
  ntk::json::value model = ntk::json::value::object();
  model["depth"] = static_cast<unsigned long>(c.net.depth());
  model["activation"] = "relu";
  model["relu_derivative_at_zero"] = 0;
  model["kernel"] = c.net.has_biases ? "sum_k (F_k F_k^T + 1 1^T) o (B_{k+1} B_{k+1}^T)"
                                     : "sum_k (F_k F_k^T) o (B_{k+1} B_{k+1}^T)";
  j["model"] = model;
  j["lambda_min"] = certify::lambda_min_json(lam, job.rtol);
  if (lam.float64_done) {
    ntk::json::value f = ntk::json::value::object();
    f["lambda_min"] = lam.float64_lambda_min;
    f["note"] = "LAPACK estimate on the binary64 midpoint matrix (not a bound)";
    j["float64"] = f;
  }
  j["attempts"] = certify::attempts_json(lam.attempts);
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
      l["gram_lambda_min"] = certify::bound_json(e.gram_lambda_min.lower, e.gram_lambda_min.upper);
      l["gram_lambda_min"]["certified"] = e.gram_certified;
      if (!e.gram_note.empty()) l["gram_lambda_min"]["note"] = e.gram_note;
      l["backward_min_sq"] = certify::bound_json(e.backward_min_sq.lower, e.backward_min_sq.upper);
      l["schur_term"] = certify::bound_json(e.term.lower, e.term.upper);
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
    ntk::json::value s = certify::bound_json(out.schur.lower, out.schur.upper);
    s["claim"] = "<= lambda_min";
    s["holds"] = verdict_json(out.schur_holds);
    j["schur_bound"] = s;
  } else {
    j["layers"] = nullptr;
    j["schur_bound"] = nullptr;
  }
  ntk::json::value dm = certify::bound_json(out.diagonal_min.lower, out.diagonal_min.upper);
  dm["claim"] = ">= lambda_min";
  dm["holds"] = verdict_json(out.diagonal_holds);
  j["diagonal_min"] = dm;
  ntk::json::value inf = ntk::json::value::object();
  if (out.infinite.computed) {
    inf["lambda_min"] = certify::bound_json(out.infinite.lambda_min.lower, out.infinite.lambda_min.upper);
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

// The certificate `certify empirical --certificate` writes (same fields as the CLI's
// write_empirical_certificate; the checker re-reads data and network from their SPECs).
std::string empirical_certificate_text(const empirical_call& c, const ntk::empirical_outcome& out) {
  const ntk::ntk_outcome& lam = out.lambda;
  ntk::empirical_certificate cert;
  // The certificate carries a binary64 eigenvector: its upper claim is what that vector proves.
  ntk::mreal upper = lam.upper;
  if (!lam.exact_zero && lam.eigenvector_upper > upper && mpfr_number_p(lam.eigenvector_upper.backend().data()))
    upper = lam.eigenvector_upper;
  const ntk::json::value b = certify::bound_json(lam.lower, upper);
  cert.claim.quantity = "empirical_lambda_min";
  cert.claim.lower = b.find("lower")->as_string();
  cert.claim.upper = b.find("upper")->as_string();
  cert.data.source = c.data.source;
  cert.data.sha256 = c.data.sha256;
  cert.data.offset = c.data.first_row;
  cert.data.limit = c.data.n;
  cert.data.n = c.data.n;
  cert.data.d = c.data.d;
  cert.data.center = c.job.prep.center;
  cert.data.normalize = c.job.prep.normalize;
  cert.network.source = c.full.source;
  cert.network.sha256 = c.full.sha256;
  cert.network.layout = c.layout;
  cert.network.output = c.output;
  cert.network.widths = c.full.widths;
  cert.network.biases = c.full.has_biases;
  cert.hints.precision_bits = lam.precision_bits;
  if (!lam.exact_zero) cert.hints.eigenvector = lam.eigenvector;
  cert.hints.singular_pair = lam.singular_pair;
  return ntk::empirical_certificate_json(cert);
}

py::dict mbound_dict(const ntk::mbound& b) { return bound_dict(b.lower, b.upper); }

// `certify empirical`: certified λ_min of the empirical NTK K = J J^T of the network, with the
// per-layer decomposition (unless lambda_only), the infinite-width prediction (when β is known:
// a random: SPEC, or init= naming the initialisation the weights were drawn with) and the theorem
// scales. Every enclosure contains its exact value for the network's doubles and the exactly
// preprocessed rows (empirical/empirical.hpp).
py::dict empirical(const py::object& X, const py::object& weights, const py::object& biases, const py::object& output_o,
                   const std::string& layout, const py::object& init, bool lambda_only, bool center,
                   const std::string& normalize, double rtol, const py::object& precision,
                   const py::object& max_precision, std::size_t offset, const py::object& limit,
                   const py::object& certificate) {
  std::vector<std::string> argv = {"--rtol", number_text(rtol), "--precision", option_text(precision),
                                   "--max-precision", option_text(max_precision)};
  const certify::parsed_args args = parse(certify::precision_options(), argv);
  std::string cert_path;
  if (!certificate.is_none()) {
    cert_path = py::str(certificate).cast<std::string>();
    certify::check_output_path("certificate", cert_path);
  }
  empirical_call c;
  c.layout = layout;
  ntk::empirical_job& job = c.job;
  read_precision_options(args, job.precision, job.rtol);
  job.layers = job.infinite_width = !lambda_only;
  job.prep.center = center;
  job.prep.normalize = parse_normalize(normalize);
  c.data = to_dataset(X, offset, opt_size(limit, "limit"));
  c.full = to_network(weights, biases, layout);
  if (!cert_path.empty() && (c.data.source == "array" || c.full.source == "python"))
    throw certify::usage_error("--certificate: certify check re-reads the data and the network from their SPECs; "
                               "give X and weights as --data / --network SPEC strings (files) to write a certificate");
  const std::size_t L = c.full.depth(), nL = c.full.widths[L];
  if (!output_o.is_none()) {
    const long long o = output_o.cast<long long>();
    if (o < 0) throw certify::usage_error("--output takes a whole number >= 0");
    c.output = static_cast<std::size_t>(o);
  }
  if (!c.output && nL != 1)
    throw certify::usage_error("the network " + c.full.source + " has n_L = " + std::to_string(nL) +
                               " outputs; choose one with --output J (0 <= J < " + std::to_string(nL) + ")");
  if (c.output && *c.output >= nL)
    throw certify::usage_error("--output " + std::to_string(*c.output) + " is out of range: the network " + c.full.source +
                               " has n_L = " + std::to_string(nL) + " output(s)");
  if (c.full.widths[0] != c.data.d)
    throw certify::usage_error("the network " + c.full.source + " expects n_0 = " + std::to_string(c.full.widths[0]) +
                               " inputs, but the data " + c.data.source + " have d = " + std::to_string(c.data.d) + " columns");
  c.net = c.output ? ntk::network_select_output(c.full, *c.output) : c.full;
  job.net = &c.net;
  job.data = &c.data;
  job.beta_sq = ntk::init_beta_sq(c.net);
  if (!init.is_none()) {
    // β of a named initialisation for these widths: init_beta_sq reads it from a random: source.
    const std::string name = py::str(init).cast<std::string>();
    if (name != "he" && name != "lecun" && name != "normal")
      throw certify::usage_error("init takes he, lecun or normal, not '" + name + "'");
    ntk::network shape;
    shape.source = "random:init=" + name;
    shape.widths = c.net.widths;
    shape.weights.resize(c.net.depth());
    job.beta_sq = ntk::init_beta_sq(shape);
  }
  const ntk::empirical_outcome out =
      run([&](ntk::progress_sink& progress) { return ntk::empirical_lambda_min(job, progress); });
  std::optional<scales> sc;
  if (job.beta_sq) sc = theorem_scales(c.net, *job.beta_sq);
  const ntk::json::value doc = empirical_document(c, out, sc);
  if (!cert_path.empty()) certify::write_output(cert_path, empirical_certificate_text(c, out));

  py::dict r = lambda_min_dict(out.lambda, job.rtol);
  r["exit_status"] = out.lambda.certified && out.activations.undecided == 0 ? 0 : 1;
  r["parameters"] = out.parameters;
  r["sha256"] = c.data.sha256;
  r["network_sha256"] = c.full.sha256;
  py::dict acts;
  acts["undecided"] = out.activations.undecided;
  acts["exact_zeros"] = out.activations.exact_zeros;
  acts["refined_exactly"] = out.activations.refined;
  acts["rows_refined"] = out.activations.rows_refined;
  r["activations"] = acts;
  py::object layers = py::none(), schur = py::none();
  if (out.layers_computed) {
    py::list ls;
    for (const auto& e : out.layers) {
      py::dict l;
      l["k"] = e.k;
      l["gram_lambda_min"] = mbound_dict(e.gram_lambda_min);
      l["gram_certified"] = e.gram_certified;
      l["gram_note"] = e.gram_note.empty() ? py::object(py::none()) : py::object(py::str(e.gram_note));
      l["backward_min_sq"] = mbound_dict(e.backward_min_sq);
      l["schur_term"] = mbound_dict(e.term);
      l["theorem_5_1_scale"] = sc ? py::object(py::float_(sc->thm51[e.k])) : py::object(py::none());
      ls.append(l);
    }
    layers = ls;
    py::dict s = mbound_dict(out.schur);
    s["holds"] = verdict_py(out.schur_holds);
    schur = s;
  }
  r["layers"] = layers;
  r["schur_bound"] = schur;
  py::dict dm = mbound_dict(out.diagonal_min);
  dm["holds"] = verdict_py(out.diagonal_holds);
  r["diagonal_min"] = dm;
  py::dict inf;
  inf["lambda_min"] = out.infinite.computed ? py::object(mbound_dict(out.infinite.lambda_min)) : py::object(py::none());
  inf["certified"] = out.infinite.computed && out.infinite.lambda_certified;
  inf["relative_frobenius_distance"] = out.infinite.computed ? py::object(py::float_(out.infinite.relative_frobenius_distance))
                                                             : py::object(py::none());
  inf["note"] = doc.find("infinite_width")->find("note") ? py::object(py::str(doc.find("infinite_width")->find("note")->as_string()))
                                                         : py::object(py::none());
  r["infinite_width"] = inf;
  r["theorem_4_1_scale"] = sc ? py::object(py::float_(sc->thm41)) : py::object(py::none());
  r["certificate"] = cert_path.empty() ? py::object(py::none()) : py::object(py::str(cert_path));
  r["json"] = ntk::json::dump(doc);
  return r;
}

// ------------------------------------------------------------------ check

py::dict check(const std::string& path, long min_precision, const std::string& method) {
  ntk::check_options o;
  if (min_precision < 2 || min_precision > 65536) throw certify::usage_error("--precision takes a whole number from 2 to 65536");
  o.min_precision_bits = min_precision;
  if (method == "auto") o.method = ntk::pd_test::automatic;
  else if (method == "exact") o.method = ntk::pd_test::exact;
  else if (method == "floating") o.method = ntk::pd_test::floating;
  else throw certify::usage_error("--method takes auto, exact or floating, not '" + method + "'");
  const auto slash = path.rfind('/');
  o.certificate_dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  // Empirical-NTK certificates have their own format and checker, as in certify check.
  std::string text;
  try {
    text = ntk::read_file(path);
  } catch (const ntk::io_error&) {
  }
  const bool empirical_cert = ntk::is_empirical_certificate_text(text);
  ntk::empirical_certificate ecert;
  if (empirical_cert) ecert = ntk::parse_empirical_certificate(text);  // certificate_error: ValueError
  const ntk::check_result res = run([&](ntk::progress_sink&) {
    return empirical_cert ? ntk::check_empirical_certificate(ecert, o) : ntk::check_certificate_file(path, o);
  });
  py::dict r;
  r["valid"] = res.valid;
  r["reason"] = res.valid ? py::object(py::none()) : py::object(py::str(res.reason));
  r["lower_proof"] = res.lower_proof;
  r["upper_proof"] = res.upper_proof;
  r["data_spec"] = res.data_spec;
  r["precision_bits"] = res.precision_bits;
  r["seconds"] = res.seconds;
  r["kind"] = empirical_cert ? "empirical" : "ntk";
  return r;
}

}  // namespace

void register_finite_width(py::module_& m) {
  m.def("empirical", &empirical, py::arg("X"), py::arg("weights"), py::arg("biases"), py::arg("output"), py::arg("layout"),
        py::arg("init"), py::arg("lambda_only"), py::arg("center"), py::arg("normalize"), py::arg("rtol"),
        py::arg("precision"), py::arg("max_precision"), py::arg("offset"), py::arg("limit"), py::arg("certificate"));
  m.def("check", &check, py::arg("path"), py::arg("min_precision"), py::arg("method"));
}

}  // namespace pyntk
