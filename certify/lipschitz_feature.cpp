// certify lipschitz --feature-map nngp|ntk (see lipschitz_feature.hpp and
// lib/lipschitz/feature_map.hpp for what is enclosed and how).
#include "lipschitz_feature.hpp"

#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "data/checks.hpp"
#include "interval/decimal.hpp"
#include "lipschitz/feature_map.hpp"
#include "ntk_options.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {

command feature_map_command(feature_map_args& a) {
  command c("lipschitz",
      "Lipschitz ratios of the infinite-width feature maps on the exactly preprocessed rows x_i\n"
      "(paper convention, docs/math.md sections 2 and 6), for every layer l = 1..L:\n"
      "  nngp: r_l = max_{i!=j} (G_ii + G_jj - 2 G_ij) / |x_i - x_j|^2 with G = G^(l); the NNGP feature\n"
      "        map is 1-Lipschitz, so r_l <= 1 ('holds': true when the enclosure's upper end is <= 1)\n"
      "  ntk:  the same ratio for K = K^(l), which is unbounded near the diagonal, and the Hoelder-1/2\n"
      "        ratio max_{i!=j} (K_ii + K_jj - 2 K_ij) / |x_i - x_j|\n"
      "Every maximum is a certified enclosure [lower, upper] over the pairs of distinct rows (pairs of\n"
      "identical rows have no ratio and are skipped); 'witness' is a pair whose own ratio is at least\n"
      "'lower'. The NTK ratios of layer L are reported in both modes. 'holds' is false when the lower\n"
      "end exceeds 1, null when the enclosure straddles 1. --precision auto escalates from double\n"
      "through 128, 256, ... bits while a claim is not decided. Exit 0: every layer's claim decided;\n"
      "1: some claim not decided (the enclosures are still reported); 2: bad usage or bad input.");
  c.text("feature-map", a.kind, "nngp|ntk", "which feature map's ratios to certify", one_of_rule({"nngp", "ntk"}))
      .required();
  add_data_options(c, a.data);
  c.whole("depth", a.depth, "L", 1, 64, "number of weight layers; layers 1..L are reported");
  c.text("precision", a.precision, "auto|BITS", "auto: double, then 128, 256, ... bits while undecided; a number fixes it",
         auto_or_bits_rule());
  c.whole("max-precision", a.max_precision, "BITS", 53, 1L << 20, "cap for --precision auto");
  add_output_options(c, a.output);
  return c;
}

int feature_map_decide(const ntk::ratio_bound& b) {
  if (b.upper <= 1) return 1;
  if (b.lower > 1) return 0;
  return -1;
}

namespace {

ntk::json::value holds_json(int h) {
  if (h < 0) return ntk::json::value(nullptr);
  return ntk::json::value(h == 1);
}

ntk::json::value ratio_json(const ntk::ratio_bound& b) {
  ntk::json::value v = bound_json(b.lower, b.upper);
  ntk::json::value w = ntk::json::value::array();
  w.push_back(static_cast<unsigned long>(b.i));
  w.push_back(static_cast<unsigned long>(b.j));
  v["witness"] = w;
  return v;
}

}  // namespace

const ntk::ratio_bound& feature_map_chosen(const ntk::feature_map_layer& l, bool nngp) { return nngp ? l.nngp : l.ntk; }

bool feature_map_decided(const ntk::feature_map_result& r, bool nngp) {
  if (r.unresolved_pairs > 0) return false;
  for (const auto& l : r.layers)
    if (feature_map_decide(feature_map_chosen(l, nngp)) < 0) return false;
  return true;
}

int feature_map_holds(const ntk::feature_map_result& r, const ntk::feature_map_layer& l, bool nngp) {
  return r.unresolved_pairs > 0 ? -1 : feature_map_decide(feature_map_chosen(l, nngp));
}

ntk::feature_map_result feature_map_compute(const ntk::dataset& data, const ntk::preprocessing& prep,
                                            const feature_map_args& a, ntk::progress_sink& progress) {
  const bool nngp = a.kind == "nngp";
  const int depth = static_cast<int>(a.depth);
  const bool automatic = a.precision == "auto";
  const long max_bits = a.max_precision;
  long bits = automatic ? 53 : std::stol(a.precision);
  ntk::feature_map_result res = ntk::feature_map_ratios(data, prep, depth, bits, progress);
  while (automatic && !feature_map_decided(res, nngp) && bits < max_bits) {
    bits = bits <= 53 ? 128 : 2 * bits;
    if (bits > max_bits) bits = max_bits;
    res = ntk::feature_map_ratios(data, prep, depth, bits, progress);
  }
  return res;
}

ntk::json::value feature_map_json(const ntk::dataset& data, const ntk::preprocessing& prep, const feature_map_args& a,
                                  const ntk::feature_map_result& res, double seconds) {
  if (res.identical_pairs == res.pairs)
    throw usage_error("--data: all " + std::to_string(data.n) + " rows are identical after preprocessing: no ratio is defined");
  const std::string& kind = a.kind;
  const bool nngp = kind == "nngp";
  const bool decided = feature_map_decided(res, nngp);
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "lipschitz";
  j["data"] = data_json(data, prep);
  ntk::json::value model = ntk::json::value::object();
  model["depth"] = static_cast<int>(a.depth);
  model["activation"] = "relu";
  model["convention"] = "paper";
  j["model"] = model;
  ntk::json::value fm = ntk::json::value::object();
  fm["kind"] = kind;
  fm["statement"] = nngp ? "max over pairs of (G_ii + G_jj - 2 G_ij) / |x_i - x_j|^2 <= 1 (G = G^(l))"
                         : "max over pairs of (K_ii + K_jj - 2 K_ij) / |x_i - x_j|^2 <= 1 (K = K^(l))";
  ntk::json::value layers = ntk::json::value::array();
  for (const auto& l : res.layers) {
    ntk::json::value e = ntk::json::value::object();
    e["l"] = l.l;
    e["max_ratio"] = ratio_json(feature_map_chosen(l, nngp));
    e["holds"] = holds_json(feature_map_holds(res, l, nngp));
    if (!nngp) e["holder_half"] = ratio_json(l.ntk_holder);
    layers.push_back(e);
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
  return j;
}

void describe_lipschitz_feature_map(const command_visitor& visit) {
  feature_map_args a;
  visit(feature_map_command(a));
}

int run_lipschitz_feature_map(const std::vector<std::string>& argv) {
  feature_map_args a;
  command cmd = feature_map_command(a);
  if (!cmd.parse(argv)) return 0;
  const bool quiet = a.output.quiet;
  const bool nngp = a.kind == "nngp";
  const int depth = static_cast<int>(a.depth);
  const std::string& json_path = a.output.json;
  check_output_path("json", json_path);

  ntk::preprocessing prep;
  ntk::dataset data = load_data(a.data, prep);
  ntk::dataset_check_rows(data, prep);
  if (data.n < 2) throw usage_error("--data has " + std::to_string(data.n) + " row(s): the ratios need at least two");

  const auto t0 = std::chrono::steady_clock::now();
  terminal_progress progress(!quiet);
  const ntk::feature_map_result res = feature_map_compute(data, prep, a, progress);
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const ntk::json::value j = feature_map_json(data, prep, a, res, seconds);
  const bool decided = feature_map_decided(res, nngp);
  const ntk::feature_map_layer& last = res.layers.back();
  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));

  if (!quiet && json_path != "-") {
    std::ostringstream o;
    o << (nngp ? "NNGP" : "NTK") << " feature map, depth " << depth << ", " << data.n << " rows ("
      << res.pairs - res.identical_pairs << " pairs of distinct rows";
    if (res.identical_pairs) o << ", " << res.identical_pairs << " identical pairs skipped";
    o << "), " << res.precision_bits << " bits, " << std::fixed << std::setprecision(2) << seconds << " s\n";
    o << "  ratio = max_{i!=j} (" << (nngp ? "G_ii + G_jj - 2G_ij" : "K_ii + K_jj - 2K_ij") << ") / |x_i - x_j|^2\n";
    for (const auto& l : res.layers) {
      const ntk::ratio_bound& b = feature_map_chosen(l, nngp);
      const int h = feature_map_holds(res, l, nngp);
      o << "  l = " << l.l << ": " << bound_text(b.lower, b.upper) << "  "
        << (h == 1 ? "<= 1 certified" : h == 0 ? "> 1 certified" : "<= 1 not decided") << "  (pair " << b.i << ", "
        << b.j << ")\n";
    }
    o << "  NTK layer " << depth << ": Hoelder-1/2 ratio max (K_ii + K_jj - 2K_ij)/|x_i - x_j| in "
      << bound_text(last.ntk_holder.lower, last.ntk_holder.upper) << ",\n"
      << "               Lipschitz ratio max (K_ii + K_jj - 2K_ij)/|x_i - x_j|^2 in "
      << bound_text(last.ntk.lower, last.ntk.upper) << "\n";
    if (res.unresolved_pairs)
      o << "  not certified: " << res.unresolved_pairs
        << " pairs have |x_i - x_j| > 0 not proven at this precision (upper bounds are +inf)\n";
    std::cout << o.str();
  }
  return decided ? 0 : 1;
}

}  // namespace certify
