// certify lipschitz --feature-map nngp|ntk: Lipschitz ratios of the infinite-width feature maps on a
// data set (docs/math.md §6). cmd_lipschitz.cpp dispatches here when --feature-map is among the
// arguments. The options, the escalating computation and the JSON document are shared with the
// Python module (python/src/lipschitz.cpp, lipschitz_feature_map).
#pragma once

#include <string>
#include <vector>

#include "base/progress.hpp"
#include "certificate/json.hpp"
#include "cli.hpp"
#include "data/dataset.hpp"
#include "lipschitz/feature_map.hpp"
#include "registry.hpp"

namespace certify {

// args: everything after "lipschitz" (including --feature-map KIND). Returns the exit status of
// docs/cli.md: 0 every claim decided, 1 some claim not decided (the honest enclosures are still
// reported); throws usage_error / ntk::data_error for bad usage or input (exit 2 in main).
int run_lipschitz_feature_map(const std::vector<std::string>& args);
// Its option parser, for certify lipschitz's describe function (registry.hpp).
void describe_lipschitz_feature_map(const command_visitor& visit);

// The options of certify lipschitz --feature-map; the initial values are the defaults.
struct feature_map_args {
  std::string kind;
  data_args data;
  long depth = 3;
  std::string precision = "auto";
  long max_precision = 1024;
  output_args output;
};
command feature_map_command(feature_map_args& a);

// 1: the enclosure's upper end is <= 1 (the claim holds); 0: its lower end is > 1 (it fails);
// -1: undecided.
int feature_map_decide(const ntk::ratio_bound& b);
// The ratio the kind reports for layer l: l.nngp or l.ntk.
const ntk::ratio_bound& feature_map_chosen(const ntk::feature_map_layer& l, bool nngp);
// The claim of every layer decided and no pair left unresolved.
bool feature_map_decided(const ntk::feature_map_result& r, bool nngp);
// A layer's verdict as reported: -1 while some pair is unresolved, else feature_map_decide.
int feature_map_holds(const ntk::feature_map_result& r, const ntk::feature_map_layer& l, bool nngp);

// ntk::feature_map_ratios at --precision, escalating (double, 128, 256, ... bits up to
// --max-precision) under --precision auto while a claim is undecided. The rows must have passed
// ntk::dataset_check_rows and number at least two.
ntk::feature_map_result feature_map_compute(const ntk::dataset& data, const ntk::preprocessing& prep,
                                            const feature_map_args& a, ntk::progress_sink& progress);

// The document of `certify lipschitz --feature-map KIND --json -` (docs/cli.md). Throws
// usage_error when every pair of rows is identical (no ratio is defined).
ntk::json::value feature_map_json(const ntk::dataset& data, const ntk::preprocessing& prep, const feature_map_args& a,
                                  const ntk::feature_map_result& res, double seconds);

}  // namespace certify
