// certify lipschitz: a certified bracket [lower, upper] of the l2 Lipschitz constant of a ReLU
// network (or of its maps g_k / f_k, docs/math.md §6), from several methods, next to the floating-point
// figures those methods usually report; optionally local brackets on balls around data rows.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include "cli.hpp"
#include "data/load.hpp"
#include "interval/decimal.hpp"
#include "lipschitz_feature.hpp"
#include "lipschitz/jacobian.hpp"
#include "lipschitz/lipsdp.hpp"
#include "lipschitz/local.hpp"
#include "lipschitz/product.hpp"
#include "network/load.hpp"
#include "network_options.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// The options of certify lipschitz (without --feature-map); the initial values are the defaults.
struct lipschitz_args {
  network_args network;
  std::string map = "g";
  std::optional<long> layer;
  std::string methods = "product,lipsdp-layer,lipsdp-neuron,jacobian";
  long seed = 0;
  double time_limit = 5;
  long random_points = 64;
  std::string data;
  std::optional<long> limit;
  long offset = 0;
  double divide = 1;
  std::optional<double> radius;
  std::string norm = "inf";
  std::string local_upper = "interval";
  output_args output;
};

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

// While alive, file descriptor 1 points at stderr: the SDP solver's console output must not mix
// into the JSON that --json - writes to stdout.
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

std::string fmt(double v, int digits = 6) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string dec(double v, ntk::outward dir) { return ntk::decimal_string(v, dir, 17); }
std::string dec_short(double v, ntk::outward dir) { return ntk::decimal_string(v, dir, 10); }

struct method_run {
  std::string name;
  bool is_upper = true;
  double bound = 0;     // the certified value (upper or lower)
  bool ok = false;      // the requested certification succeeded
  double seconds = 0;
  double float_value = std::numeric_limits<double>::quiet_NaN();
  std::string float_label;  // what the float figure is
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

int run_lipschitz(const std::vector<std::string>& argv) {
  for (const std::string& a : argv)
    if (a == "--feature-map" || a.rfind("--feature-map=", 0) == 0) return run_lipschitz_feature_map(argv);
  lipschitz_args a;
  command cmd = lipschitz_command(a);
  if (!cmd.parse(argv)) return 0;
  const auto t_start = std::chrono::steady_clock::now();
  const bool quiet = a.output.quiet;
  const std::string& json_path = a.output.json;
  check_output_path("json", json_path);
  const network_request nreq = read_network_options(a.network);
  // Options are validated before the network and data are read.
  const std::string& map_kind = a.map;
  bool want[4] = {false, false, false, false};  // product, lipsdp-layer, lipsdp-neuron, jacobian
  const char* names[4] = {"product", "lipsdp-layer", "lipsdp-neuron", "jacobian"};
  for (const std::string& m : split_list(a.methods)) {
    bool found = false;
    for (int i = 0; i < 4; ++i)
      if (m == names[i]) want[i] = found = true;
    if (!found)
      throw usage_error("--methods: unknown method '" + m + "' (product, lipsdp-layer, lipsdp-neuron, jacobian)");
  }
  const long seed = a.seed;
  const double time_limit = a.time_limit;
  const long random_points = a.random_points;
  const bool local = a.radius.has_value();
  double radius = 0;
  ntk::ball_norm norm = ntk::ball_norm::linf;
  const std::string& local_upper = a.local_upper;
  if (local) {
    radius = *a.radius;
    norm = a.norm == "2" ? ntk::ball_norm::l2 : ntk::ball_norm::linf;
    if (!cmd.given("data")) throw usage_error("--radius needs --data (the ball centres)");
  } else if (cmd.given("norm")) {
    throw usage_error("--norm names the ball of --radius; give --radius too");
  }
  const double divisor = a.divide;

  const ntk::network full = load_network(nreq);
  const std::size_t L = full.depth();
  std::size_t k = L;
  if (a.layer) {
    if (*a.layer > static_cast<long>(L))
      throw usage_error("--layer " + whole_rule(1, static_cast<long>(L))(std::to_string(*a.layer)));
    k = static_cast<std::size_t>(*a.layer);
  }
  const bool is_f = map_kind == "f";
  const bool whole = k == L && !is_f;
  const ntk::network net = whole ? full : ntk::network_truncate(full, k, is_f);

  ntk::dataset data;
  bool have_data = false;
  if (cmd.given("data")) {
    std::optional<std::size_t> limit;
    if (a.limit) limit = static_cast<std::size_t>(*a.limit);
    data = ntk::dataset_load(a.data, static_cast<std::size_t>(a.offset), limit);
    have_data = true;
    if (data.d != net.widths[0])
      throw usage_error("--data: '" + data.source + "' has " + std::to_string(data.d) +
                        " columns but the network's input width n0 is " + std::to_string(net.widths[0]));
  }
  const double num = have_data ? data.scale_num : 1.0;
  const double den = have_data ? data.scale_den * divisor : 1.0;
  if (have_data && !(std::isfinite(den) && den > 0)) throw usage_error("--divide: the scaled divisor is not finite");

  terminal_progress progress(!quiet);
  std::vector<method_run> runs;
  double upper = inf, lower = 0;
  bool all_ok = true;

  if (want[0]) {
    const ntk::product_bound pb = ntk::lipschitz_product(net);
    method_run r;
    r.name = "product";
    r.bound = pb.upper;
    r.ok = std::isfinite(pb.upper);
    r.seconds = pb.seconds;
    r.float_value = pb.float_estimate;
    r.float_label = "product of per-layer power iterations";
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
    if (!want[v]) continue;
    const ntk::lipsdp_variant var = v == 1 ? ntk::lipsdp_variant::layer : ntk::lipsdp_variant::neuron;
    ntk::lipsdp_result lr;
    {
      const stdout_to_stderr guard;
      lr = ntk::lipsdp_certify(net, var, nullptr, progress);
    }
    method_run r;
    r.name = names[v];
    r.bound = lr.certified ? lr.upper : inf;
    r.ok = lr.certified;
    r.seconds = lr.seconds;
    r.float_value = lr.solver_value;
    r.float_label = "the solver's sqrt(rho)";
    r.note = lr.note;
    r.extra["certified"] = lr.certified;
    r.extra["solver"] = lr.solver;
    if (!lr.note.empty()) r.extra["note"] = lr.note;
    runs.push_back(r);
  }
  for (const auto& r : runs)
    if (r.is_upper && r.ok) upper = std::min(upper, r.bound);
  if (want[3]) {
    ntk::jacobian_search_options o;
    o.seed = static_cast<std::uint64_t>(seed);
    o.time_limit = time_limit;
    o.random_points = static_cast<std::size_t>(random_points);
    progress.update("jacobian search", 0.0);
    const ntk::jacobian_search_result js =
        ntk::jacobian_lower_search(net, have_data ? &data.x : nullptr, have_data ? data.n : 0, num, den, o);
    method_run r;
    r.name = "jacobian";
    r.is_upper = false;
    r.bound = js.lower;
    r.ok = js.lower > 0;
    r.seconds = js.seconds;
    r.float_value = js.float_at_best;
    r.float_label = "float ||J(x)|| at the same point";
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

  // Local brackets.
  ntk::local_result loc;
  if (local) {
    ntk::local_options lo;
    lo.radius = radius;
    lo.norm = norm;
    lo.seed = static_cast<std::uint64_t>(seed);
    lo.global_upper = upper;
    if (local_upper != "interval") {
      lo.slope_upper = [&net](const std::vector<double>& alpha, const std::vector<double>& beta) {
        ntk::neuron_slopes sl{alpha, beta};
        ntk::null_progress np;
        const stdout_to_stderr guard;
        const ntk::lipsdp_result r = ntk::lipsdp_certify(net, ntk::lipsdp_variant::neuron, &sl, np);
        return r.certified ? r.upper : inf;
      };
    }
    loc = ntk::local_lipschitz(net, data.x, data.n, num, den, lo, progress);
    if (local_upper == "lipsdp") {
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
  progress.finish();
  const bool certified = all_ok && std::isfinite(upper);

  ntk::json::value j = ntk::json::value::object();
  j["command"] = "lipschitz";
  j["network"] = network_json(full);
  {
    ntk::json::value m = ntk::json::value::object();
    m["map"] = map_kind;
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
  for (const auto& r : runs) {
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
  std::vector<double> ratios;
  if (local) {
    ntk::json::value l = ntk::json::value::object();
    l["radius"] = radius;
    l["norm"] = norm == ntk::ball_norm::linf ? "inf" : "2";
    l["data"] = data_json(data, ntk::preprocessing{});
    l["divide"] = divisor;
    ntk::json::value pts = ntk::json::value::array();
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
    }
    l["points"] = pts;
    l["all_stable"] = static_cast<unsigned long>(loc.all_stable);
    l["ratio_quantiles"] = quantiles_json(ratios);
    l["seconds"] = loc.seconds;
    j["local"] = l;
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  j["seconds"] = total;

  save_network(nreq, full);
  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));

  if (!quiet && json_path != "-") {
    std::ostringstream o;
    o << "network     " << full.source << "  (" << ntk::network_describe(full) << ")\n";
    o << "map         ";
    if (whole) o << "the whole network";
    else o << (is_f ? "f_" : "g_") << k << (is_f ? " = relu(g_" + std::to_string(k) + ")" : " (layers 1.." + std::to_string(k) + ")");
    o << "; the l2 Lipschitz constant\n\n";
    char line[512];
    std::snprintf(line, sizeof line, "  %-14s %-24s %9s  %-16s %s\n", "method", "certified bound", "time", "float64", "float vs proof");
    o << line;
    for (const auto& r : runs) {
      const std::string b = r.ok ? std::string(r.is_upper ? "<= " : ">= ") +
                                       dec_short(r.bound, r.is_upper ? ntk::outward::up : ntk::outward::down)
                                 : std::string("not certified");
      const std::string fv = std::isfinite(r.float_value) ? fmt(r.float_value, 10) : "-";
      const std::string cmp = (std::isfinite(r.float_value) && r.ok) ? (r.float_value > r.bound ? "above" : "below") : "-";
      std::snprintf(line, sizeof line, "  %-14s %-24s %8.3fs  %-16s %s\n", r.name.c_str(), b.c_str(), r.seconds, fv.c_str(), cmp.c_str());
      o << line;
      if (!r.ok && !r.note.empty()) o << "                 (" << r.note << ")\n";
    }
    o << "\nlipschitz   [" << dec_short(lower, ntk::outward::down) << ", " << dec_short(upper, ntk::outward::up) << "]";
    if (lower > 0 && std::isfinite(upper)) o << "  upper/lower = " << fmt(upper / lower, 4);
    o << "\n";
    if (local) {
      o << "local       radius " << fmt(radius, 10) << " (" << (norm == ntk::ball_norm::linf ? "l_inf" : "l2") << " ball), "
        << loc.points.size() << " rows, " << loc.all_stable << " with every neuron stable, " << fmt(loc.seconds, 3) << " s\n";
      if (!ratios.empty()) {
        std::sort(ratios.begin(), ratios.end());
        auto at = [&](double p) { return ratios[static_cast<std::size_t>(std::floor(p * static_cast<double>(ratios.size() - 1) + 0.5))]; };
        o << "            upper/lower over " << ratios.size() << " rows: min " << fmt(ratios.front(), 4) << ", median "
          << fmt(at(0.5), 4) << ", q90 " << fmt(at(0.9), 4) << ", max " << fmt(ratios.back(), 4) << "\n";
      }
      std::size_t no_lower = 0;
      for (const auto& p : loc.points)
        if (!(p.lower > 0)) ++no_lower;
      if (no_lower) o << "            " << no_lower << " row(s) without a certified lower bound\n";
    }
    o << "status      " << (certified ? "CERTIFIED" : "NOT CERTIFIED (some requested bound failed; see above)") << "\n";
    o << "time        " << fmt(total, 3) << " s\n";
    std::cout << o.str();
  }
  return certified ? 0 : 1;
}

void describe(const command_visitor& visit) {
  lipschitz_args a;
  visit(lipschitz_command(a));
  describe_lipschitz_feature_map(visit);
}

const command_registrar reg("lipschitz", "certified bracket of the Lipschitz constant of a ReLU network", run_lipschitz,
                            describe);

}  // namespace
}  // namespace certify
