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

void read_model_options(const parsed_args& args, int& depth, ntk::kernel_convention& convention);
void read_precision_options(const parsed_args& args, ntk::precision_policy& policy, double& rtol);

// Writes the certificate of an ntk outcome (format of lib/certificate/certificate.hpp).
void write_ntk_certificate(const std::string& path, const ntk::dataset& data, const ntk::ntk_job& job,
                           const ntk::ntk_outcome& out);

}  // namespace certify
