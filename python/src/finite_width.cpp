// ntkcert's finite-width functions: empirical (certify empirical) and check (certify check).
//
// empirical parses its options with certify empirical's own declaration (certify/empirical_output.hpp)
// and builds the JSON document and the certificate with the CLI's builders there, so that Python
// and the CLI write the same document for the same network and data (tests/python compares them).
#include <cmath>
#include <optional>

#include "certificate/checker.hpp"
#include "certificate/empirical_certificate.hpp"
#include "certificate/io.hpp"
#include "common.hpp"
#include "empirical/empirical.hpp"
#include "empirical/empirical_kernel.hpp"
#include "command_options.hpp"
#include "empirical_output.hpp"
#include "network_options.hpp"
#include "output.hpp"

namespace pyntk {
namespace {

py::object verdict_py(ntk::bound_verdict v) {
  switch (v) {
    case ntk::bound_verdict::holds: return py::bool_(true);
    case ntk::bound_verdict::fails: return py::bool_(false);
    default: return py::str("undecided");
  }
}

py::dict mbound_dict(const ntk::mbound& b) { return bound_dict(b.lower, b.upper); }

// `certify empirical`: certified λ_min of the empirical NTK K = J J^T of the network, with the
// per-layer decomposition (unless lambda_only), the infinite-width prediction (when β is known:
// a random: SPEC, or init= naming the initialisation the weights were drawn with) and the theorem
// scales. Every enclosure contains its exact value for the network's doubles and the exactly
// preprocessed rows (empirical/empirical.hpp).
py::dict empirical(const py::object& X, const py::object& weights, const py::object& biases, const py::object& output_o,
                   const py::object& layout, const py::object& init, const py::object& lambda_only,
                   const py::object& center, const py::object& normalize, const py::object& rtol,
                   const py::object& precision, const py::object& max_precision, const py::object& offset,
                   const py::object& limit, const py::object& certificate) {
  certify::empirical_args a;
  certify::command cmd = certify::empirical_command(a);
  parse_keywords(cmd, {{"data", spec_or(X, "array")}, {"limit", limit}, {"offset", offset}, {"center", center},
                       {"normalize", normalize}, {"network", spec_or(weights, "python")}, {"layout", layout},
                       {"output", output_o}, {"precision", precision}, {"max-precision", max_precision},
                       {"rtol", rtol}, {"lambda-only", lambda_only}, {"certificate", certificate}});
  const std::string& cert_path = a.certificate;
  certify::check_output_path("certificate", cert_path);
  ntk::empirical_job job;
  a.precision.apply(job.precision, job.rtol);
  job.layers = job.infinite_width = !a.lambda_only;
  const ntk::dataset data = load_rows(X, a.data, job.prep);
  const ntk::network full = to_network(weights, biases, a.network.layout);
  if (!cert_path.empty() && (data.source == "array" || full.source == "python"))
    throw certify::usage_error("--certificate: certify check re-reads the data and the network from their SPECs; "
                               "give X and weights as --data / --network SPEC strings (files) to write a certificate");
  std::optional<std::size_t> output;
  const ntk::network net = certify::select_output(full, data, a.output, output);
  job.net = &net;
  job.data = &data;
  job.beta_sq = ntk::init_beta_sq(net);
  if (!init.is_none()) {
    // β of a named initialisation for these widths: init_beta_sq reads it from a random: source.
    const std::string name = py::str(init).cast<std::string>();
    if (name != "he" && name != "lecun" && name != "normal")
      throw certify::usage_error("init takes he, lecun or normal, not '" + name + "'");
    ntk::network shape;
    shape.source = "random:init=" + name;
    shape.widths = net.widths;
    shape.weights.resize(net.depth());
    job.beta_sq = ntk::init_beta_sq(shape);
  }
  const ntk::empirical_outcome out =
      run([&](ntk::progress_sink& progress) { return ntk::empirical_lambda_min(job, progress); });
  const std::optional<certify::theorem_scales> sc = certify::theorem_scales_of(net, job.beta_sq);
  const ntk::json::value doc = certify::empirical_json(data, job, full, output, out, sc);
  if (!cert_path.empty())
    certify::write_output(cert_path, certify::empirical_certificate_text(data, job, full, a.network.layout, output, out));

  py::dict r = lambda_min_dict(out.lambda, job.rtol);
  r["exit_status"] = out.lambda.certified && out.activations.undecided == 0 ? 0 : 1;
  r["parameters"] = out.parameters;
  r["sha256"] = data.sha256;
  r["network_sha256"] = full.sha256;
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

py::dict check(const py::object& path_o, const py::object& min_precision, const py::object& method) {
  certify::check_args a;
  certify::command cmd = certify::check_command(a);
  parse_keywords(cmd, {{"CERTIFICATE", path_o}, {"precision", min_precision}, {"method", method}});
  const std::string& path = a.certificate;
  ntk::check_options o;
  o.min_precision_bits = a.precision;
  if (a.method == "auto") o.method = ntk::pd_test::automatic;
  else if (a.method == "exact") o.method = ntk::pd_test::exact;
  else o.method = ntk::pd_test::floating;
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
