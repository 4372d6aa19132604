// ntkcert's Lipschitz functions: lipschitz (certify lipschitz: product, lipsdp-layer, lipsdp-neuron,
// jacobian, local balls, --map/--layer) and lipschitz_feature_map (certify lipschitz --feature-map).
//
// Both parse their options with the CLI command's own declaration and run the CLI's shared
// computation and JSON builder (certify/lipschitz_run.hpp, certify/lipschitz_feature.hpp); this file
// only converts the arguments and the results (tests/python checks that the documents agree).
#include <chrono>
#include <cmath>
#include <limits>

#include "common.hpp"
#include "data/checks.hpp"
#include "lipschitz_feature.hpp"
#include "lipschitz_run.hpp"
#include "network_options.hpp"
#include "output.hpp"

namespace pyntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// `certify lipschitz`: a certified bracket [lower, upper] of the l2 Lipschitz constant of the network
// (or of g_k / f_k), per method, and local brackets on balls around data rows. The result contains:
// lower <= ||map||_Lip <= upper (decimal strings rounded outward); each method's bound is proven
// when its "certified" is true (lipschitz/*.hpp state what each method guarantees).
py::dict lipschitz(const py::object& weights, const py::object& biases, const py::object& methods,
                   const py::object& map_kind, const py::object& layer, const py::object& layout, const py::object& seed,
                   const py::object& time_limit, const py::object& random_points, const py::object& data_o,
                   const py::object& offset, const py::object& limit, const py::object& divide, const py::object& radius,
                   const py::object& norm, const py::object& local_upper) {
  const auto t_start = std::chrono::steady_clock::now();
  certify::lipschitz_args a;
  certify::command cmd = certify::lipschitz_command(a);
  parse_keywords(cmd, {{"network", spec_or(weights, "python")}, {"layout", layout}, {"map", map_kind},
                       {"layer", layer}, {"methods", methods}, {"seed", seed}, {"time-limit", time_limit},
                       {"random-points", random_points}, {"data", spec_or(data_o, "array")}, {"limit", limit},
                       {"offset", offset}, {"divide", divide}, {"radius", radius}, {"norm", norm},
                       {"local-upper", local_upper}});
  const certify::lipschitz_plan plan = certify::read_lipschitz_plan(cmd, a);
  const ntk::network full = to_network(weights, biases, a.network.layout);
  const certify::lipschitz_map map = certify::select_lipschitz_map(full, a);

  ntk::dataset data;
  const bool have_data = !data_o.is_none();
  double num = 1.0, den = 1.0;
  if (have_data) {
    std::optional<std::size_t> lim;
    if (a.limit) lim = static_cast<std::size_t>(*a.limit);
    data = to_dataset(data_o, static_cast<std::size_t>(a.offset), lim);
    certify::lipschitz_data_scale(data, map.net, a.divide, num, den);
  }
  const certify::lipschitz_outcome out = run([&](ntk::progress_sink& progress) {
    return certify::lipschitz_compute(map.net, have_data ? &data : nullptr, num, den, a, plan, progress);
  });
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  const ntk::json::value j = certify::lipschitz_json(full, map, a, plan, data, out, total);

  py::list py_methods;
  for (const auto& r : out.runs) {
    py::dict pm = r.is_upper ? double_bounds(0, r.bound) : double_bounds(r.bound, inf);
    pm["name"] = r.name;
    pm["kind"] = r.is_upper ? "upper" : "lower";
    pm["certified"] = r.ok;
    pm["seconds"] = r.seconds;
    pm["float"] = r.float_value;
    pm["note"] = r.note.empty() ? py::object(py::none()) : py::object(py::str(r.note));
    py_methods.append(pm);
  }
  py::object py_local = py::none();
  if (plan.local) {
    py::list py_pts;
    for (const auto& p : out.local.points) {
      py::dict pp = double_bounds(p.lower, p.upper);
      pp["index"] = data.first_row + p.index;
      pp["stable"] = p.stable;
      pp["unstable_neurons"] = p.unstable;
      pp["upper_method"] = p.upper_method;
      py_pts.append(pp);
    }
    py::dict pl;
    pl["points"] = py_pts;
    pl["all_stable"] = out.local.all_stable;
    pl["seconds"] = out.local.seconds;
    py_local = pl;
  }
  py::dict res = double_bounds(out.lower, out.upper);
  res["certified"] = out.certified;
  res["exit_status"] = out.certified ? 0 : 1;
  res["methods"] = py_methods;
  res["local"] = py_local;
  res["map"] = a.map;
  res["layer"] = map.k;
  res["widths"] = map.net.widths;
  res["network_sha256"] = full.sha256;
  res["seconds"] = total;
  res["json"] = ntk::json::dump(j);
  return res;
}

// ------------------------------------------------------------------ feature maps

py::object holds_py(int h) { return h < 0 ? py::object(py::none()) : py::object(py::bool_(h == 1)); }

py::dict ratio_py(const ntk::ratio_bound& b) {
  py::dict d = bound_dict(b.lower, b.upper);
  d["witness"] = py::make_tuple(b.i, b.j);
  return d;
}

// `certify lipschitz --feature-map nngp|ntk`: enclosures of the Lipschitz ratios of the
// infinite-width feature maps on the rows of X (lipschitz/feature_map.hpp states what each contains).
py::dict lipschitz_feature_map(const py::object& X, const py::object& kind, const py::object& depth,
                               const py::object& precision, const py::object& max_precision, const py::object& center,
                               const py::object& normalize, const py::object& offset, const py::object& limit) {
  certify::feature_map_args a;
  certify::command cmd = certify::feature_map_command(a);
  parse_keywords(cmd, {{"feature-map", kind}, {"data", spec_or(X, "array")}, {"limit", limit}, {"offset", offset},
                       {"center", center}, {"normalize", normalize}, {"depth", depth}, {"precision", precision},
                       {"max-precision", max_precision}});
  const bool nngp = a.kind == "nngp";
  ntk::preprocessing prep;
  const ntk::dataset data = load_rows(X, a.data, prep);
  ntk::dataset_check_rows(data, prep);
  if (data.n < 2) throw certify::usage_error("--data has " + std::to_string(data.n) + " row(s): the ratios need at least two");
  const auto t0 = std::chrono::steady_clock::now();
  const ntk::feature_map_result res =
      run([&](ntk::progress_sink& progress) { return certify::feature_map_compute(data, prep, a, progress); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const ntk::json::value j = certify::feature_map_json(data, prep, a, res, seconds);
  const bool decided = certify::feature_map_decided(res, nngp);

  py::list py_layers;
  for (const auto& l : res.layers) {
    py::dict pe;
    pe["l"] = l.l;
    pe["max_ratio"] = ratio_py(certify::feature_map_chosen(l, nngp));
    pe["holds"] = holds_py(certify::feature_map_holds(res, l, nngp));
    pe["holder_half"] = nngp ? py::object(py::none()) : py::object(ratio_py(l.ntk_holder));
    py_layers.append(pe);
  }
  const ntk::feature_map_layer& last = res.layers.back();
  py::dict r;
  r["kind"] = a.kind;
  r["layers"] = py_layers;
  r["ntk_holder_half"] = ratio_py(last.ntk_holder);
  r["ntk_lipschitz_ratio"] = ratio_py(last.ntk);
  r["pairs"] = res.pairs;
  r["identical_pairs"] = res.identical_pairs;
  r["unresolved_pairs"] = res.unresolved_pairs;
  r["certified"] = decided;
  r["exit_status"] = decided ? 0 : 1;
  r["precision_bits"] = res.precision_bits;
  r["seconds"] = seconds;
  r["sha256"] = data.sha256;
  r["json"] = ntk::json::dump(j);
  return r;
}

}  // namespace

void register_lipschitz(py::module_& m) {
  m.def("lipschitz", &lipschitz, py::arg("weights"), py::arg("biases"), py::arg("methods"), py::arg("map"),
        py::arg("layer"), py::arg("layout"), py::arg("seed"), py::arg("time_limit"), py::arg("random_points"),
        py::arg("data"), py::arg("offset"), py::arg("limit"), py::arg("divide"), py::arg("radius"), py::arg("norm"),
        py::arg("local_upper"));
  m.def("lipschitz_feature_map", &lipschitz_feature_map, py::arg("X"), py::arg("kind"), py::arg("depth"),
        py::arg("precision"), py::arg("max_precision"), py::arg("center"), py::arg("normalize"), py::arg("offset"),
        py::arg("limit"));
}

}  // namespace pyntk
