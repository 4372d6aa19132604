// ntkcert's Lipschitz functions: lipschitz (certify lipschitz: product, lipsdp-layer, lipsdp-neuron,
// jacobian, local balls, --map/--layer) and lipschitz_feature_map (certify lipschitz --feature-map).
//
// The CLI assembles its results and JSON inline (certify/cmd_lipschitz.cpp run_lipschitz,
// certify/lipschitz_feature.cpp); the functions below run the same library calls in the same order
// with the same defaults and messages and assemble the same JSON document from the CLI's shared
// builders (certify/output.hpp, network_options.hpp). The Python suite checks that both give the
// same bounds and document on the same network and data (tests/python).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>

#include "common.hpp"
#include "data/checks.hpp"
#include "interval/decimal.hpp"
#include "lipschitz/feature_map.hpp"
#include "lipschitz/jacobian.hpp"
#include "lipschitz/lipsdp.hpp"
#include "lipschitz/local.hpp"
#include "lipschitz/product.hpp"
#include "network/load.hpp"
#include "network_options.hpp"
#include "output.hpp"

namespace pyntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// While alive, file descriptor 1 points at stderr: the SDP solver's console output must not mix
// into what Python prints (as in the CLI, where it would mix into --json -).
class stdout_to_stderr {
 public:
  stdout_to_stderr() {
    std::fflush(stdout);
    std::cout.flush();
    saved_ = ::dup(1);
    if (saved_ >= 0) ::dup2(2, 1);
  }
  ~stdout_to_stderr() {
    std::fflush(stdout);
    if (saved_ >= 0) {
      ::dup2(saved_, 1);
      ::close(saved_);
    }
  }
  stdout_to_stderr(const stdout_to_stderr&) = delete;
  stdout_to_stderr& operator=(const stdout_to_stderr&) = delete;

 private:
  int saved_ = -1;
};

std::string dec(double v, ntk::outward dir) { return ntk::decimal_string(v, dir, 17); }

struct method_run {
  std::string name;
  bool is_upper = true;
  double bound = 0;  // the certified value (upper or lower)
  bool ok = false;   // the requested certification succeeded
  double seconds = 0;
  double float_value = std::numeric_limits<double>::quiet_NaN();
  std::string note;
  ntk::json::value extra = ntk::json::value::object();
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

ntk::json::value quantiles_json(std::vector<double> r) {
  ntk::json::value q = ntk::json::value::object();
  if (r.empty()) return q;
  std::sort(r.begin(), r.end());
  auto at = [&](double p) { return r[static_cast<std::size_t>(std::floor(p * static_cast<double>(r.size() - 1) + 0.5))]; };
  q["min"] = r.front();
  q["q25"] = at(0.25);
  q["median"] = at(0.5);
  q["q75"] = at(0.75);
  q["q90"] = at(0.9);
  q["max"] = r.back();
  q["count"] = static_cast<unsigned long>(r.size());
  return q;
}

// The options of certify lipschitz, validated with the CLI's messages and in its order.
struct lipschitz_options {
  std::string map_kind = "g";
  bool want[4] = {false, false, false, false};  // product, lipsdp-layer, lipsdp-neuron, jacobian
  long seed = 0;
  double time_limit = 5.0;
  long random_points = 64;
  bool local = false;
  double radius = 0;
  ntk::ball_norm norm = ntk::ball_norm::linf;
  std::string local_upper = "interval";
  double divisor = 1.0;
};

const char* method_names[4] = {"product", "lipsdp-layer", "lipsdp-neuron", "jacobian"};

// The numeric options go through the CLI's parser (certify/cli.hpp), so their messages are its own.
lipschitz_options read_options(const std::string& map_kind, const std::string& methods, long seed, double time_limit,
                               long random_points, bool have_data, const py::object& radius_o, const py::object& norm_o,
                               const std::string& local_upper, double divisor) {
  std::vector<std::string> argv = {"--seed=" + std::to_string(seed), "--time-limit=" + number_text(time_limit),
                                   "--random-points=" + std::to_string(random_points), "--divide=" + number_text(divisor)};
  if (!radius_o.is_none()) argv.push_back("--radius=" + option_text(radius_o));
  const certify::parsed_args args = parse({{"seed", "S", "", ""},
                                           {"time-limit", "SECONDS", "", ""},
                                           {"random-points", "N", "", ""},
                                           {"divide", "D", "", ""},
                                           {"radius", "EPS", "", ""}},
                                          argv);
  lipschitz_options o;
  o.map_kind = map_kind;
  if (map_kind != "g" && map_kind != "f") throw certify::usage_error("--map takes g or f, not '" + map_kind + "'");
  for (const std::string& m : split_list(methods)) {
    bool found = false;
    for (int i = 0; i < 4; ++i)
      if (m == method_names[i]) o.want[i] = found = true;
    if (!found) throw certify::usage_error("--methods: unknown method '" + m + "' (product, lipsdp-layer, lipsdp-neuron, jacobian)");
  }
  o.seed = args.get_long("seed", 0, 0, (1L << 62));
  o.time_limit = args.get_double("time-limit", 5.0);
  if (!(o.time_limit >= 0) || !std::isfinite(o.time_limit)) throw certify::usage_error("--time-limit takes a number >= 0");
  o.random_points = args.get_long("random-points", 64, 0, 1000000);
  o.local_upper = local_upper;
  if (local_upper != "interval" && local_upper != "lipsdp" && local_upper != "best")
    throw certify::usage_error("--local-upper takes interval, lipsdp or best, not '" + local_upper + "'");
  o.local = args.has("radius");
  if (o.local) {
    o.radius = args.get_double("radius", 0);
    if (!(o.radius > 0) || !std::isfinite(o.radius))
      throw certify::usage_error("--radius takes a positive number, not '" + args.get("radius") + "'");
    const std::string nm = norm_o.is_none() ? "inf" : option_text(norm_o);
    if (nm == "inf") o.norm = ntk::ball_norm::linf;
    else if (nm == "2") o.norm = ntk::ball_norm::l2;
    else throw certify::usage_error("--norm takes 2 or inf, not '" + nm + "'");
    if (!have_data) throw certify::usage_error("--radius needs --data (the ball centres)");
  } else if (!norm_o.is_none()) {
    throw certify::usage_error("--norm names the ball of --radius; give --radius too");
  }
  o.divisor = args.get_double("divide", 1.0);
  if (!(o.divisor > 0) || !std::isfinite(o.divisor))
    throw certify::usage_error("--divide takes a positive number, not '" + args.get("divide") + "'");
  return o;
}

// `certify lipschitz`: a certified bracket [lower, upper] of the l2 Lipschitz constant of the network
// (or of g_k / f_k), per method, and local brackets on balls around data rows. The result contains:
// lower <= ||map||_Lip <= upper (decimal strings rounded outward); each method's bound is proven
// when its "certified" is true (lipschitz/*.hpp state what each method guarantees).
py::dict lipschitz(const py::object& weights, const py::object& biases, const std::string& methods,
                   const std::string& map_kind, const py::object& layer_o, const std::string& layout, long seed,
                   double time_limit, long random_points, const py::object& data_o, std::size_t offset,
                   const py::object& limit, double divisor, const py::object& radius, const py::object& norm,
                   const std::string& local_upper) {
  const auto t_start = std::chrono::steady_clock::now();
  const lipschitz_options o = read_options(map_kind, methods, seed, time_limit, random_points, !data_o.is_none(), radius,
                                           norm, local_upper, divisor);
  const ntk::network full = to_network(weights, biases, layout);
  const std::size_t L = full.depth();
  std::size_t k = L;
  if (!layer_o.is_none())
    k = static_cast<std::size_t>(parse({{"layer", "k", "", ""}}, {"--layer=" + option_text(layer_o)})
                                     .get_long("layer", static_cast<long>(L), 1, static_cast<long>(L)));
  const bool is_f = o.map_kind == "f";
  const bool whole = k == L && !is_f;
  const ntk::network net = whole ? full : ntk::network_truncate(full, k, is_f);

  ntk::dataset data;
  const bool have_data = !data_o.is_none();
  if (have_data) {
    std::optional<std::size_t> lim;
    if (!limit.is_none())
      lim = static_cast<std::size_t>(parse({{"limit", "N", "", ""}}, {"--limit=" + option_text(limit)}).get_long("limit", 0, 1, 1L << 40));
    data = to_dataset(data_o, offset, lim);
    if (data.d != net.widths[0])
      throw certify::usage_error("--data: '" + data.source + "' has " + std::to_string(data.d) +
                                 " columns but the network's input width n0 is " + std::to_string(net.widths[0]));
  }
  const double num = have_data ? data.scale_num : 1.0;
  const double den = have_data ? data.scale_den * o.divisor : 1.0;
  if (have_data && !(std::isfinite(den) && den > 0)) throw certify::usage_error("--divide: the scaled divisor is not finite");

  std::vector<method_run> runs;
  double upper = inf, lower = 0;
  bool all_ok = true;
  ntk::local_result loc;
  run([&](ntk::progress_sink& progress) {
    if (o.want[0]) {
      progress.update("product", 0.0);
      const ntk::product_bound pb = ntk::lipschitz_product(net);
      method_run r;
      r.name = "product";
      r.bound = pb.upper;
      r.ok = std::isfinite(pb.upper);
      r.seconds = pb.seconds;
      r.float_value = pb.float_estimate;
      ntk::json::value layers = ntk::json::value::array();
      for (std::size_t l = 0; l < pb.layers.size(); ++l) {
        ntk::json::value e = ntk::json::value::object();
        e["layer"] = static_cast<unsigned long>(l + 1);
        e["lower"] = dec(pb.layers[l].lower, ntk::outward::down);
        e["upper"] = dec(pb.layers[l].upper, ntk::outward::up);
        e["power_iteration"] = pb.layers[l].power_iteration;
        layers.push_back(e);
      }
      r.extra["layers"] = layers;
      runs.push_back(r);
    }
    for (int v = 1; v <= 2; ++v) {
      if (!o.want[v]) continue;
      const ntk::lipsdp_variant var = v == 1 ? ntk::lipsdp_variant::layer : ntk::lipsdp_variant::neuron;
      ntk::lipsdp_result lr;
      {
        const stdout_to_stderr guard;
        lr = ntk::lipsdp_certify(net, var, nullptr, progress);
      }
      method_run r;
      r.name = method_names[v];
      r.bound = lr.certified ? lr.upper : inf;
      r.ok = lr.certified;
      r.seconds = lr.seconds;
      r.float_value = lr.solver_value;
      r.note = lr.note;
      r.extra["certified"] = lr.certified;
      r.extra["solver"] = lr.solver;
      if (!lr.note.empty()) r.extra["note"] = lr.note;
      runs.push_back(r);
    }
    for (const auto& r : runs)
      if (r.is_upper && r.ok) upper = std::min(upper, r.bound);
    if (o.want[3]) {
      ntk::jacobian_search_options jo;
      jo.seed = static_cast<std::uint64_t>(o.seed);
      jo.time_limit = o.time_limit;
      jo.random_points = static_cast<std::size_t>(o.random_points);
      progress.update("jacobian search", 0.0);
      const ntk::jacobian_search_result js =
          ntk::jacobian_lower_search(net, have_data ? &data.x : nullptr, have_data ? data.n : 0, num, den, jo);
      progress.update("jacobian search", 1.0);
      method_run r;
      r.name = "jacobian";
      r.is_upper = false;
      r.bound = js.lower;
      r.ok = js.lower > 0;
      r.seconds = js.seconds;
      r.float_value = js.float_at_best;
      if (!r.ok) r.note = "no candidate point with every pre-activation sign proven";
      r.extra["origin"] = js.best_origin;
      r.extra["points_evaluated"] = static_cast<unsigned long>(js.evaluated);
      r.extra["points_certified"] = static_cast<unsigned long>(js.certified);
      r.extra["skipped_zero_preactivation"] = static_cast<unsigned long>(js.skipped_zero);
      r.extra["skipped_undecided"] = static_cast<unsigned long>(js.skipped_undecided);
      r.extra["exact_refinements"] = static_cast<unsigned long>(js.exact_refinements);
      r.extra["float_search_max"] = js.float_best;
      runs.push_back(r);
    }
    for (const auto& r : runs) {
      if (!r.ok) all_ok = false;
      if (!r.is_upper) lower = std::max(lower, r.bound);
    }
    if (o.local) {
      ntk::local_options lo;
      lo.radius = o.radius;
      lo.norm = o.norm;
      lo.seed = static_cast<std::uint64_t>(o.seed);
      lo.global_upper = upper;
      if (o.local_upper != "interval") {
        lo.slope_upper = [&net](const std::vector<double>& alpha, const std::vector<double>& beta) {
          ntk::neuron_slopes sl{alpha, beta};
          ntk::null_progress np;
          const stdout_to_stderr guard;
          const ntk::lipsdp_result r = ntk::lipsdp_certify(net, ntk::lipsdp_variant::neuron, &sl, np);
          return r.certified ? r.upper : inf;
        };
      }
      loc = ntk::local_lipschitz(net, data.x, data.n, num, den, lo, progress);
      if (o.local_upper == "lipsdp") {
        // The LipSDP bound alone (the interval bound is still computed; report the requested one).
        for (auto& p : loc.points)
          if (!p.stable) {
            p.upper = std::min(p.slope_upper, upper);
            p.upper_method = p.slope_upper <= upper ? "lipsdp-neuron" : "global";
          }
      }
      for (const auto& p : loc.points)
        if (!std::isfinite(p.upper)) all_ok = false;
    }
    return 0;
  });
  const bool certified = all_ok && std::isfinite(upper);

  // The document of `certify lipschitz --json -`.
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "lipschitz";
  j["network"] = certify::network_json(full);
  {
    ntk::json::value m = ntk::json::value::object();
    m["map"] = o.map_kind;
    m["layer"] = static_cast<unsigned long>(k);
    ntk::json::value w = ntk::json::value::array();
    for (std::size_t x : net.widths) w.push_back(static_cast<unsigned long>(x));
    m["widths"] = w;
    j["map"] = m;
  }
  {
    ntk::json::value b = ntk::json::value::object();
    b["lower"] = dec(lower, ntk::outward::down);
    b["upper"] = dec(upper, ntk::outward::up);
    b["certified"] = certified;
    j["lipschitz"] = b;
  }
  ntk::json::value ms = ntk::json::value::array();
  py::list py_methods;
  for (const auto& r : runs) {
    ntk::json::value e = ntk::json::value::object();
    e["name"] = r.name;
    e[r.is_upper ? "upper" : "lower"] = dec(r.bound, r.is_upper ? ntk::outward::up : ntk::outward::down);
    e["seconds"] = r.seconds;
    e["float"] = r.float_value;
    if (std::isfinite(r.float_value) && r.ok) e["float_vs_proof"] = r.float_value > r.bound ? "above" : "below";
    for (const auto& kv : r.extra.as_object()) e[kv.first] = kv.second;
    ms.push_back(e);
    py::dict pm = r.is_upper ? double_bounds(0, r.bound) : double_bounds(r.bound, inf);
    pm["name"] = r.name;
    pm["kind"] = r.is_upper ? "upper" : "lower";
    pm["certified"] = r.ok;
    pm["seconds"] = r.seconds;
    pm["float"] = r.float_value;
    pm["note"] = r.note.empty() ? py::object(py::none()) : py::object(py::str(r.note));
    py_methods.append(pm);
  }
  j["methods"] = ms;
  py::object py_local = py::none();
  if (o.local) {
    std::vector<double> ratios;
    ntk::json::value l = ntk::json::value::object();
    l["radius"] = o.radius;
    l["norm"] = o.norm == ntk::ball_norm::linf ? "inf" : "2";
    l["data"] = certify::data_json(data, ntk::preprocessing{});
    l["divide"] = o.divisor;
    ntk::json::value pts = ntk::json::value::array();
    py::list py_pts;
    for (const auto& p : loc.points) {
      ntk::json::value e = ntk::json::value::object();
      e["index"] = static_cast<unsigned long>(data.first_row + p.index);
      e["lower"] = dec(p.lower, ntk::outward::down);
      e["upper"] = dec(p.upper, ntk::outward::up);
      e["stable"] = p.stable;
      e["unstable_neurons"] = static_cast<unsigned long>(p.unstable);
      e["upper_method"] = p.upper_method;
      pts.push_back(e);
      if (p.lower > 0 && std::isfinite(p.upper)) ratios.push_back(p.upper / p.lower);
      py::dict pp = double_bounds(p.lower, p.upper);
      pp["index"] = data.first_row + p.index;
      pp["stable"] = p.stable;
      pp["unstable_neurons"] = p.unstable;
      pp["upper_method"] = p.upper_method;
      py_pts.append(pp);
    }
    l["points"] = pts;
    l["all_stable"] = static_cast<unsigned long>(loc.all_stable);
    l["ratio_quantiles"] = quantiles_json(ratios);
    l["seconds"] = loc.seconds;
    j["local"] = l;
    py::dict pl;
    pl["points"] = py_pts;
    pl["all_stable"] = loc.all_stable;
    pl["seconds"] = loc.seconds;
    py_local = pl;
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  j["seconds"] = total;

  py::dict res = double_bounds(lower, upper);
  res["certified"] = certified;
  res["exit_status"] = certified ? 0 : 1;
  res["methods"] = py_methods;
  res["local"] = py_local;
  res["map"] = o.map_kind;
  res["layer"] = k;
  res["widths"] = net.widths;
  res["network_sha256"] = full.sha256;
  res["seconds"] = total;
  res["json"] = ntk::json::dump(j);
  return res;
}

// ------------------------------------------------------------------ feature maps

int decide(const ntk::ratio_bound& b) {
  if (b.upper <= 1) return 1;
  if (b.lower > 1) return 0;
  return -1;
}

ntk::json::value holds_json(int h) {
  if (h < 0) return ntk::json::value(nullptr);
  return ntk::json::value(h == 1);
}

py::object holds_py(int h) { return h < 0 ? py::object(py::none()) : py::object(py::bool_(h == 1)); }

ntk::json::value ratio_json(const ntk::ratio_bound& b) {
  ntk::json::value v = certify::bound_json(b.lower, b.upper);
  ntk::json::value w = ntk::json::value::array();
  w.push_back(static_cast<unsigned long>(b.i));
  w.push_back(static_cast<unsigned long>(b.j));
  v["witness"] = w;
  return v;
}

py::dict ratio_py(const ntk::ratio_bound& b) {
  py::dict d = bound_dict(b.lower, b.upper);
  d["witness"] = py::make_tuple(b.i, b.j);
  return d;
}

const ntk::ratio_bound& chosen(const ntk::feature_map_layer& l, bool nngp) { return nngp ? l.nngp : l.ntk; }

bool all_decided(const ntk::feature_map_result& r, bool nngp) {
  if (r.unresolved_pairs > 0) return false;
  for (const auto& l : r.layers)
    if (decide(chosen(l, nngp)) < 0) return false;
  return true;
}

// `certify lipschitz --feature-map nngp|ntk`: enclosures of the Lipschitz ratios of the
// infinite-width feature maps on the rows of X (lipschitz/feature_map.hpp states what each contains).
py::dict lipschitz_feature_map(const py::object& X, const std::string& kind, long depth, const py::object& precision,
                               const py::object& max_precision, bool center, const std::string& normalize,
                               std::size_t offset, const py::object& limit) {
  if (kind != "nngp" && kind != "ntk") throw certify::usage_error("--feature-map takes nngp or ntk, not '" + kind + "'");
  const bool nngp = kind == "nngp";
  const std::vector<std::string> argv = {"--depth=" + std::to_string(depth), "--precision=" + option_text(precision),
                                         "--max-precision=" + option_text(max_precision)};
  const certify::parsed_args args =
      parse({{"depth", "L", "", ""}, {"precision", "BITS", "", ""}, {"max-precision", "BITS", "", ""}}, argv);
  const int d_depth = static_cast<int>(args.get_long("depth", 3, 1, 64));
  const bool automatic = args.get("precision", "auto") == "auto";
  const long fixed_bits = automatic ? 53 : args.get_long("precision", 53, 53, 1 << 20);
  const long max_bits = args.get_long("max-precision", 1024, 53, 1 << 20);
  ntk::preprocessing prep;
  prep.center = center;
  prep.normalize = parse_normalize(normalize);
  const ntk::dataset data = to_dataset(X, offset, opt_size(limit, "limit"));
  ntk::dataset_check_rows(data, prep);
  if (data.n < 2) throw certify::usage_error("--data has " + std::to_string(data.n) + " row(s): the ratios need at least two");
  const auto t0 = std::chrono::steady_clock::now();
  const ntk::feature_map_result res = run([&](ntk::progress_sink& progress) {
    long bits = automatic ? 53 : fixed_bits;
    ntk::feature_map_result r = ntk::feature_map_ratios(data, prep, d_depth, bits, progress);
    while (automatic && !all_decided(r, nngp) && bits < max_bits) {
      bits = bits <= 53 ? 128 : 2 * bits;
      if (bits > max_bits) bits = max_bits;
      r = ntk::feature_map_ratios(data, prep, d_depth, bits, progress);
    }
    return r;
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (res.identical_pairs == res.pairs)
    throw certify::usage_error("--data: all " + std::to_string(data.n) + " rows are identical after preprocessing: no ratio is defined");
  const bool decided = all_decided(res, nngp);

  ntk::json::value j = ntk::json::value::object();
  j["command"] = "lipschitz";
  j["data"] = certify::data_json(data, prep);
  ntk::json::value model = ntk::json::value::object();
  model["depth"] = d_depth;
  model["activation"] = "relu";
  model["convention"] = "paper";
  j["model"] = model;
  ntk::json::value fm = ntk::json::value::object();
  fm["kind"] = kind;
  fm["statement"] = nngp ? "max over pairs of (G_ii + G_jj - 2 G_ij) / |x_i - x_j|^2 <= 1 (G = G^(l))"
                         : "max over pairs of (K_ii + K_jj - 2 K_ij) / |x_i - x_j|^2 <= 1 (K = K^(l))";
  ntk::json::value layers = ntk::json::value::array();
  py::list py_layers;
  for (const auto& l : res.layers) {
    const int h = res.unresolved_pairs > 0 ? -1 : decide(chosen(l, nngp));
    ntk::json::value e = ntk::json::value::object();
    e["l"] = l.l;
    e["max_ratio"] = ratio_json(chosen(l, nngp));
    e["holds"] = holds_json(h);
    if (!nngp) e["holder_half"] = ratio_json(l.ntk_holder);
    layers.push_back(e);
    py::dict pe;
    pe["l"] = l.l;
    pe["max_ratio"] = ratio_py(chosen(l, nngp));
    pe["holds"] = holds_py(h);
    pe["holder_half"] = nngp ? py::object(py::none()) : py::object(ratio_py(l.ntk_holder));
    py_layers.append(pe);
  }
  fm["layers"] = layers;
  const ntk::feature_map_layer& last = res.layers.back();
  fm["ntk_holder_half"] = ratio_json(last.ntk_holder);
  fm["ntk_lipschitz_ratio"] = ratio_json(last.ntk);
  fm["pairs"] = static_cast<unsigned long>(res.pairs);
  fm["identical_pairs"] = static_cast<unsigned long>(res.identical_pairs);
  fm["unresolved_pairs"] = static_cast<unsigned long>(res.unresolved_pairs);
  fm["certified"] = decided;
  fm["precision_bits"] = res.precision_bits;
  fm["gram_method"] = res.method;
  fm["seconds"] = seconds;
  j["feature_map"] = fm;

  py::dict r;
  r["kind"] = kind;
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
