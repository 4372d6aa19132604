// certify lipschitz: a certified bracket [lower, upper] of the l2 Lipschitz constant of a ReLU
// network (or of its maps g_k / f_k, docs/math.md §6), from several methods, next to the floating-point
// figures those methods usually report; optionally local brackets on balls around data rows.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "data/load.hpp"
#include "interval/decimal.hpp"
#include "lipschitz_feature.hpp"
#include "lipschitz_run.hpp"
#include "network/load.hpp"
#include "network_options.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {

std::string fmt(double v, int digits = 6) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string dec_short(double v, ntk::outward dir) { return ntk::decimal_string(v, dir, 10); }

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
  const lipschitz_plan plan = read_lipschitz_plan(cmd, a);

  const ntk::network full = load_network(nreq);
  const lipschitz_map map = select_lipschitz_map(full, a);
  const ntk::network& net = map.net;
  const std::size_t k = map.k;
  const bool is_f = a.map == "f";

  ntk::dataset data;
  const bool have_data = cmd.given("data");
  double num = 1.0, den = 1.0;
  if (have_data) {
    std::optional<std::size_t> limit;
    if (a.limit) limit = static_cast<std::size_t>(*a.limit);
    data = ntk::dataset_load(a.data, static_cast<std::size_t>(a.offset), limit);
    lipschitz_data_scale(data, net, a.divide, num, den);
  }

  terminal_progress progress(!quiet);
  lipschitz_outcome out = lipschitz_compute(net, have_data ? &data : nullptr, num, den, a, plan, progress);
  progress.finish();
  const bool certified = out.certified;
  const double lower = out.lower, upper = out.upper;
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  const ntk::json::value j = lipschitz_json(full, map, a, plan, data, out, total);

  save_network(nreq, full);
  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));

  if (!quiet && json_path != "-") {
    std::ostringstream o;
    o << "network     " << full.source << "  (" << ntk::network_describe(full) << ")\n";
    o << "map         ";
    if (map.whole) o << "the whole network";
    else o << (is_f ? "f_" : "g_") << k << (is_f ? " = relu(g_" + std::to_string(k) + ")" : " (layers 1.." + std::to_string(k) + ")");
    o << "; the l2 Lipschitz constant\n\n";
    char line[512];
    std::snprintf(line, sizeof line, "  %-14s %-24s %9s  %-16s %s\n", "method", "certified bound", "time", "float64", "float vs proof");
    o << line;
    for (const auto& r : out.runs) {
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
    if (plan.local) {
      const ntk::local_result& loc = out.local;
      std::vector<double> ratios = out.local_ratios;
      o << "local       radius " << fmt(*a.radius, 10) << " (" << (plan.norm == ntk::ball_norm::linf ? "l_inf" : "l2") << " ball), "
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
