// certify lipschitz (without --feature-map): its options, its computation and its JSON document,
// shared by the CLI (cmd_lipschitz.cpp, which adds the human summary) and the Python module
// (python/src/lipschitz.cpp), so that both run the same library calls in the same order and write
// the same document.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "certificate/json.hpp"
#include "cli.hpp"
#include "data/dataset.hpp"
#include "lipschitz/local.hpp"
#include "network/network.hpp"
#include "network_options.hpp"

namespace certify {

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
command lipschitz_command(lipschitz_args& a);

// What the parsed options ask for. Throws usage_error for an unknown method in --methods,
// --radius without --data and --norm without --radius (after parsing, before any input is read).
struct lipschitz_plan {
  bool want[4] = {false, false, false, false};  // lipschitz_method_names, in this order
  bool local = false;                           // --radius given
  ntk::ball_norm norm = ntk::ball_norm::linf;
};
extern const char* const lipschitz_method_names[4];  // product, lipsdp-layer, lipsdp-neuron, jacobian
lipschitz_plan read_lipschitz_plan(const command& c, const lipschitz_args& a);

// The map whose constant is bounded: g_k or f_k of the first k = --layer layers (k = L and g: the
// whole network). Throws usage_error for --layer > L.
struct lipschitz_map {
  std::size_t k = 0;
  bool whole = true;
  ntk::network net;
};
lipschitz_map select_lipschitz_map(const ntk::network& full, const lipschitz_args& a);

// Checks the rows against the map's input width (usage_error naming --data) and returns the exact
// scale num/den of the rows (the reader's scale times --divide; usage_error when not finite).
void lipschitz_data_scale(const ntk::dataset& data, const ntk::network& net, double divide, double& num, double& den);

// One method's result: is_upper: bound >= the constant (else <=), proven when ok.
struct lipschitz_method_run {
  std::string name;
  bool is_upper = true;
  double bound = 0;  // the certified value (upper or lower)
  bool ok = false;   // the requested certification succeeded
  double seconds = 0;
  double float_value = std::numeric_limits<double>::quiet_NaN();  // the method's usual float figure
  std::string note;
  ntk::json::value extra = ntk::json::value::object();  // method-specific members of its JSON entry
};

struct lipschitz_outcome {
  std::vector<lipschitz_method_run> runs;
  double lower = 0;                                           // lower <= ||map||_Lip (proven)
  double upper = std::numeric_limits<double>::infinity();    // ||map||_Lip <= upper (proven)
  bool certified = false;  // every requested bound certified and upper finite
  ntk::local_result local;  // with --radius
  std::vector<double> local_ratios;  // upper/lower of the local brackets with lower > 0, upper finite
};

// Runs the requested methods on the map (data: the rows or nullptr, scaled by num/den), then the
// local brackets with --radius. The SDP solver's console output goes to stderr.
lipschitz_outcome lipschitz_compute(const ntk::network& net, const ntk::dataset* data, double num, double den,
                                    const lipschitz_args& a, const lipschitz_plan& plan, ntk::progress_sink& progress);

// The document of `certify lipschitz --json -` (docs/cli.md): command, network, map, lipschitz,
// methods, local (with --radius), seconds.
ntk::json::value lipschitz_json(const ntk::network& full, const lipschitz_map& m, const lipschitz_args& a,
                                const lipschitz_plan& plan, const ntk::dataset& data, const lipschitz_outcome& out,
                                double seconds);

// The certified decimal string of a double bound (17 digits, rounded in direction dir).
std::string lipschitz_decimal(double v, bool upward);

// While alive, file descriptor 1 points at stderr: the SDP solver's console output must not mix
// into the JSON that --json - writes to stdout (nor into what Python prints).
class stdout_to_stderr {
 public:
  stdout_to_stderr();
  ~stdout_to_stderr();
  stdout_to_stderr(const stdout_to_stderr&) = delete;
  stdout_to_stderr& operator=(const stdout_to_stderr&) = delete;

 private:
  int saved_ = -1;
};

}  // namespace certify
