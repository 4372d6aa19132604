// Options shared by the commands that compute the limiting NTK (ntk, kernel, compare).
#pragma once

#include <string>
#include <vector>

#include "cli.hpp"
#include "data/dataset.hpp"
#include "driver/ntk_lambda_min.hpp"

namespace certify {

std::vector<option_spec> model_options();      // --depth, --convention
std::vector<option_spec> precision_options();  // --precision, --max-precision, --rtol
std::vector<option_spec> chain_options();      // --chain, --orders (certify ntk)

void read_model_options(const parsed_args& args, int& depth, ntk::kernel_convention& convention);
void read_precision_options(const parsed_args& args, ntk::precision_policy& policy, double& rtol);
// enabled: --chain was given. orders: the --orders list (default 2,4), sorted, without repetitions.
// Throws usage_error for a malformed list, an order outside [1, ntk::chain_max_order], or --orders
// without --chain.
void read_chain_options(const parsed_args& args, bool& enabled, std::vector<unsigned>& orders);

// Writes the certificate of an ntk outcome (format of lib/certificate/certificate.hpp).
void write_ntk_certificate(const std::string& path, const ntk::dataset& data, const ntk::ntk_job& job,
                           const ntk::ntk_outcome& out);

}  // namespace certify
