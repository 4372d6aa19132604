// certify lipschitz --feature-map nngp|ntk: Lipschitz ratios of the infinite-width feature maps on a
// data set (docs/math.md §6). cmd_lipschitz.cpp dispatches here when --feature-map is among the
// arguments.
#pragma once

#include <string>
#include <vector>

#include "registry.hpp"

namespace certify {

// args: everything after "lipschitz" (including --feature-map KIND). Returns the exit status of
// docs/cli.md: 0 every claim decided, 1 some claim not decided (the honest enclosures are still
// reported); throws usage_error / ntk::data_error for bad usage or input (exit 2 in main).
int run_lipschitz_feature_map(const std::vector<std::string>& args);
// Its option parser, for certify lipschitz's describe function (registry.hpp).
void describe_lipschitz_feature_map(const command_visitor& visit);

}  // namespace certify
