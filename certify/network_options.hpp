// Options shared by the commands that work on a concrete network (lipschitz, empirical):
// --network SPEC, --layout out-in|in-out, --save-network PATH.npz; and the JSON "network" block.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "certificate/json.hpp"
#include "cli.hpp"
#include "data/dataset.hpp"
#include "network/load.hpp"

namespace certify {

// --network, --layout, --save-network as given (declared by add_network_options).
struct network_args {
  std::string spec;              // --network
  std::string layout = "detect";  // --layout
  std::string save;              // --save-network
};
// required: --network must be given (lipschitz, empirical); otherwise it selects a mode (kernel,
// compare).
void add_network_options(command& c, network_args& a, bool required);

struct network_request {
  std::string spec;                                   // --network
  ntk::weight_layout layout = ntk::weight_layout::detect;  // --layout (detect when absent)
  std::string save_path;                              // --save-network, empty when absent
};

// The request of the options. Throws usage_error when --network is missing or empty, or
// --save-network does not end in .npz or names an unwritable directory (checked before any
// computation, as check_output_path does).
network_request read_network_options(const network_args& a);

// ntk::network_load(req.spec, req.layout): ntk::data_error (exit 2) naming file and array.
ntk::network load_network(const network_request& req);

// Writes net to req.save_path with ntk::network_save_npz (atomic) when --save-network was given;
// ntk::io_error (exit 2) when the write fails.
void save_network(const network_request& req, const ntk::network& net);

// The scalar network of --output J (given) of full (kernel, compare, empirical): full itself when
// n_L = 1 and no --output was given; output is set to J. Throws usage_error when n_L > 1 and no
// output was chosen, when J is out of range, or when full's input width n_0 differs from the data's d.
ntk::network select_output(const ntk::network& full, const ntk::dataset& data, const std::optional<long>& given,
                           std::optional<std::size_t>& output);

// The "network" block of docs/cli.md: {"source", "sha256", "widths": [n0, ..., nL], "biases"}.
ntk::json::value network_json(const ntk::network& net);

}  // namespace certify
