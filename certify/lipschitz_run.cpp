#include "lipschitz_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <unistd.h>

#include "interval/decimal.hpp"
#include "lipschitz/jacobian.hpp"
#include "lipschitz/lipsdp.hpp"
#include "lipschitz/product.hpp"
#include "network/load.hpp"
#include "output.hpp"

namespace certify {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

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

std::string dec(double v, ntk::outward dir) { return ntk::decimal_string(v, dir, 17); }

}  // namespace

const char* const lipschitz_method_names[4] = {"product", "lipsdp-layer", "lipsdp-neuron", "jacobian"};

command lipschitz_command(lipschitz_args& a) {
  command c("lipschitz",
      "Certified bracket [lower, upper] of the l2 Lipschitz constant of a ReLU network\n"
      "x -> W_L relu(... relu(W_1 x + b_1) ...) + b_L (or of g_k = layers 1..k, f_k = relu(g_k)).\n"
      "Upper bounds: 'product' (product of certified spectral norms), 'lipsdp-layer' and\n"
      "'lipsdp-neuron' (LipSDP solved in floating point, its certificate re-proven by a verified\n"
      "Cholesky test). Lower bound: 'jacobian' (||J(x)|| at points where every pre-activation sign is\n"
      "proven, found among data rows, random points and a climbing search). Each method's usual\n"
      "floating-point figure is shown next to its proven bound. With --data and --radius: per-row\n"
      "brackets of the Lipschitz constant on the l_inf or l2 ball around each row (the constant itself\n"
      "is always the l2 operator norm; --norm names the ball). Exit 0: every requested bound was\n"
      "certified; 1: some requested certification failed (the honest bracket is still reported);\n"
      "2: bad usage or bad input. With --feature-map nngp|ntk the command bounds the infinite-width\n"
      "feature maps instead (see 'certify lipschitz --feature-map nngp --help').");
  add_network_options(c, a.network, true);
  c.choice("map", a.map, {"g", "f"}, "g_k = W_k relu(...) + b_k (linear last layer) or f_k = relu(g_k)");
  c.whole("layer", a.layer, "k", 1, 1L << 20, "bound the map of the first k layers").default_text("L");
  c.text("methods", a.methods, "LIST", "comma-separated subset of product, lipsdp-layer, lipsdp-neuron, jacobian");
  c.whole("seed", a.seed, "S", 0, 1L << 62, "seed of the random candidate points of the jacobian search");
  c.number("time-limit", a.time_limit, "SECONDS", command::sign::nonnegative,
           "time for the jacobian climbing search (0: data rows and random points only)");
  c.whole("random-points", a.random_points, "N", 0, 1000000, "random candidate points of the jacobian search");
  c.text("data", a.data, "SPEC", "data rows: candidate points of the jacobian search, and the ball centres with --radius");
  c.whole("limit", a.limit, "N", 1, 1L << 40, "use at most N rows").default_text("all rows");
  c.whole("offset", a.offset, "K", 0, 1L << 40, "skip the first K rows");
  c.number("divide", a.divide, "D", command::sign::positive, "divide every data value by D, exactly (e.g. 255 for raw pixels)");
  c.number("radius", a.radius, "EPS", command::sign::positive, "local brackets on the ball of radius EPS around every data row");
  c.choice("norm", a.norm, {"2", "inf"}, "the norm of the ball");
  c.choice("local-upper", a.local_upper, {"interval", "lipsdp", "best"},
           "local upper bound: interval Jacobian product, LipSDP-Neuron with the stable neurons' slopes fixed, or the "
           "smaller of both");
  add_output_options(c, a.output);
  return c;
}

lipschitz_plan read_lipschitz_plan(const command& c, const lipschitz_args& a) {
  lipschitz_plan p;
  for (const std::string& m : split_list(a.methods)) {
    bool found = false;
    for (int i = 0; i < 4; ++i)
      if (m == lipschitz_method_names[i]) p.want[i] = found = true;
    if (!found)
      throw usage_error("--methods: unknown method '" + m + "' (product, lipsdp-layer, lipsdp-neuron, jacobian)");
  }
  p.local = a.radius.has_value();
  if (p.local) {
    p.norm = a.norm == "2" ? ntk::ball_norm::l2 : ntk::ball_norm::linf;
    if (!c.given("data")) throw usage_error("--radius needs --data (the ball centres)");
  } else if (c.given("norm")) {
    throw usage_error("--norm names the ball of --radius; give --radius too");
  }
  return p;
}

lipschitz_map select_lipschitz_map(const ntk::network& full, const lipschitz_args& a) {
  const std::size_t L = full.depth();
  lipschitz_map m;
  m.k = L;
  if (a.layer) {
    if (*a.layer > static_cast<long>(L))
      throw usage_error("--layer " + whole_rule(1, static_cast<long>(L))(std::to_string(*a.layer)));
    m.k = static_cast<std::size_t>(*a.layer);
  }
  const bool is_f = a.map == "f";
  m.whole = m.k == L && !is_f;
  m.net = m.whole ? full : ntk::network_truncate(full, m.k, is_f);
  return m;
}

void lipschitz_data_scale(const ntk::dataset& data, const ntk::network& net, double divide, double& num, double& den) {
  if (data.d != net.widths[0])
    throw usage_error("--data: '" + data.source + "' has " + std::to_string(data.d) +
                      " columns but the network's input width n0 is " + std::to_string(net.widths[0]));
  num = data.scale_num;
  den = data.scale_den * divide;
  if (!(std::isfinite(den) && den > 0)) throw usage_error("--divide: the scaled divisor is not finite");
}

stdout_to_stderr::stdout_to_stderr() {
  std::fflush(stdout);
  std::cout.flush();
  saved_ = ::dup(1);
  if (saved_ >= 0) ::dup2(2, 1);
}

stdout_to_stderr::~stdout_to_stderr() {
  std::fflush(stdout);
  if (saved_ >= 0) {
    ::dup2(saved_, 1);
    ::close(saved_);
  }
}

std::string lipschitz_decimal(double v, bool upward) { return dec(v, upward ? ntk::outward::up : ntk::outward::down); }

lipschitz_outcome lipschitz_compute(const ntk::network& net, const ntk::dataset* data, double num, double den,
                                    const lipschitz_args& a, const lipschitz_plan& plan, ntk::progress_sink& progress) {
  lipschitz_outcome out;
  auto& runs = out.runs;
  if (plan.want[0]) {
    progress.update("product", 0.0);
    const ntk::product_bound pb = ntk::lipschitz_product(net);
    lipschitz_method_run r;
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
    if (!plan.want[v]) continue;
    const ntk::lipsdp_variant var = v == 1 ? ntk::lipsdp_variant::layer : ntk::lipsdp_variant::neuron;
    ntk::lipsdp_result lr;
    {
      const stdout_to_stderr guard;
      lr = ntk::lipsdp_certify(net, var, nullptr, progress);
    }
    lipschitz_method_run r;
    r.name = lipschitz_method_names[v];
    r.bound = lr.certified ? lr.upper : inf;
    r.ok = lr.certified;
    r.seconds = lr.seconds;
    r.float_value = lr.solver_value;  // the solver's sqrt(rho)
    r.note = lr.note;
    r.extra["certified"] = lr.certified;
    r.extra["solver"] = lr.solver;
    if (!lr.note.empty()) r.extra["note"] = lr.note;
    runs.push_back(r);
  }
  for (const auto& r : runs)
    if (r.is_upper && r.ok) out.upper = std::min(out.upper, r.bound);
  if (plan.want[3]) {
    ntk::jacobian_search_options o;
    o.seed = static_cast<std::uint64_t>(a.seed);
    o.time_limit = a.time_limit;
    o.random_points = static_cast<std::size_t>(a.random_points);
    progress.update("jacobian search", 0.0);
    const ntk::jacobian_search_result js =
        ntk::jacobian_lower_search(net, data ? &data->x : nullptr, data ? data->n : 0, num, den, o);
    progress.update("jacobian search", 1.0);
    lipschitz_method_run r;
    r.name = "jacobian";
    r.is_upper = false;
    r.bound = js.lower;
    r.ok = js.lower > 0;
    r.seconds = js.seconds;
    r.float_value = js.float_at_best;  // float ||J(x)|| at the same point
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
  bool all_ok = true;
  for (const auto& r : runs) {
    if (!r.ok) all_ok = false;
    if (!r.is_upper) out.lower = std::max(out.lower, r.bound);
  }
  if (plan.local && data) {
    ntk::local_options lo;
    lo.radius = *a.radius;
    lo.norm = plan.norm;
    lo.seed = static_cast<std::uint64_t>(a.seed);
    lo.global_upper = out.upper;
    if (a.local_upper != "interval") {
      lo.slope_upper = [&net](const std::vector<double>& alpha, const std::vector<double>& beta) {
        ntk::neuron_slopes sl{alpha, beta};
        ntk::null_progress np;
        const stdout_to_stderr guard;
        const ntk::lipsdp_result r = ntk::lipsdp_certify(net, ntk::lipsdp_variant::neuron, &sl, np);
        return r.certified ? r.upper : inf;
      };
    }
    out.local = ntk::local_lipschitz(net, data->x, data->n, num, den, lo, progress);
    if (a.local_upper == "lipsdp") {
      // The LipSDP bound alone (the interval bound is still computed; report the requested one).
      for (auto& p : out.local.points)
        if (!p.stable) {
          p.upper = std::min(p.slope_upper, out.upper);
          p.upper_method = p.slope_upper <= out.upper ? "lipsdp-neuron" : "global";
        }
    }
    for (const auto& p : out.local.points) {
      if (!std::isfinite(p.upper)) all_ok = false;
      if (p.lower > 0 && std::isfinite(p.upper)) out.local_ratios.push_back(p.upper / p.lower);
    }
  }
  out.certified = all_ok && std::isfinite(out.upper);
  return out;
}

ntk::json::value lipschitz_json(const ntk::network& full, const lipschitz_map& m, const lipschitz_args& a,
                                const lipschitz_plan& plan, const ntk::dataset& data, const lipschitz_outcome& out,
                                double seconds) {
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "lipschitz";
  j["network"] = network_json(full);
  {
    ntk::json::value mj = ntk::json::value::object();
    mj["map"] = a.map;
    mj["layer"] = static_cast<unsigned long>(m.k);
    ntk::json::value w = ntk::json::value::array();
    for (std::size_t x : m.net.widths) w.push_back(static_cast<unsigned long>(x));
    mj["widths"] = w;
    j["map"] = mj;
  }
  {
    ntk::json::value b = ntk::json::value::object();
    b["lower"] = dec(out.lower, ntk::outward::down);
    b["upper"] = dec(out.upper, ntk::outward::up);
    b["certified"] = out.certified;
    j["lipschitz"] = b;
  }
  ntk::json::value ms = ntk::json::value::array();
  for (const auto& r : out.runs) {
    ntk::json::value e = ntk::json::value::object();
    e["name"] = r.name;
    e[r.is_upper ? "upper" : "lower"] = dec(r.bound, r.is_upper ? ntk::outward::up : ntk::outward::down);
    e["seconds"] = r.seconds;
    e["float"] = r.float_value;
    if (std::isfinite(r.float_value) && r.ok) e["float_vs_proof"] = r.float_value > r.bound ? "above" : "below";
    for (const auto& kv : r.extra.as_object()) e[kv.first] = kv.second;
    ms.push_back(e);
  }
  j["methods"] = ms;
  if (plan.local) {
    ntk::json::value l = ntk::json::value::object();
    l["radius"] = *a.radius;
    l["norm"] = plan.norm == ntk::ball_norm::linf ? "inf" : "2";
    l["data"] = data_json(data, ntk::preprocessing{});
    l["divide"] = a.divide;
    ntk::json::value pts = ntk::json::value::array();
    for (const auto& p : out.local.points) {
      ntk::json::value e = ntk::json::value::object();
      e["index"] = static_cast<unsigned long>(data.first_row + p.index);
      e["lower"] = dec(p.lower, ntk::outward::down);
      e["upper"] = dec(p.upper, ntk::outward::up);
      e["stable"] = p.stable;
      e["unstable_neurons"] = static_cast<unsigned long>(p.unstable);
      e["upper_method"] = p.upper_method;
      pts.push_back(e);
    }
    l["points"] = pts;
    l["all_stable"] = static_cast<unsigned long>(out.local.all_stable);
    l["ratio_quantiles"] = quantiles_json(out.local_ratios);
    l["seconds"] = out.local.seconds;
    j["local"] = l;
  }
  j["seconds"] = seconds;
  return j;
}

}  // namespace certify
