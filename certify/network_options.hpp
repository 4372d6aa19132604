// Options shared by the commands that work on a concrete network (lipschitz, empirical):
// --network SPEC, --layout out-in|in-out, --save-network PATH.npz; and the JSON "network" block.
#pragma once

#include <string>
#include <vector>

#include "certificate/json.hpp"
#include "cli.hpp"
#include "network/load.hpp"

namespace certify {

// --network, --layout, --save-network with their help texts and defaults.
std::vector<option_spec> network_options();

struct network_request {
  std::string spec;                                   // --network
  ntk::weight_layout layout = ntk::weight_layout::detect;  // --layout (detect when absent)
  std::string save_path;                              // --save-network, empty when absent
};

// Reads the options. Throws usage_error when --network is missing, --layout is not out-in, in-out
// or detect, or --save-network does not end in .npz or names an unwritable directory (checked
// before any computation, as check_output_path does).
network_request read_network_options(const parsed_args& args);

// ntk::network_load(req.spec, req.layout): ntk::data_error (exit 2) naming file and array.
ntk::network load_network(const network_request& req);

// Writes net to req.save_path with ntk::network_save_npz (atomic) when --save-network was given;
// ntk::io_error (exit 2) when the write fails.
void save_network(const network_request& req, const ntk::network& net);

// The "network" block of docs/cli.md: {"source", "sha256", "widths": [n0, ..., nL], "biases"}.
ntk::json::value network_json(const ntk::network& net);

}  // namespace certify
