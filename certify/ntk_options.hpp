// Options shared by the commands that compute the limiting NTK (ntk, kernel, compare).
#pragma once

#include <string>
#include <vector>

#include "cli.hpp"
#include "data/dataset.hpp"
#include "driver/ntk_lambda_min.hpp"

namespace certify {

// --depth L, --convention paper|neural-tangents|uci.
struct model_args {
  long depth = 3;
  std::string convention = "paper";
  ntk::kernel_convention kernel_convention() const;
};
void add_model_options(command& c, model_args& a);

// --precision auto|BITS, --max-precision BITS, --rtol R.
struct precision_args {
  std::string precision = "auto";
  long max_precision = 4096;
  double rtol = 1e-6;
  void apply(ntk::precision_policy& policy, double& rtol_out) const;
};
void add_precision_options(command& c, precision_args& a);
// The --precision rule: auto or a whole number of bits from min_bits to 2^20.
value_rule auto_or_bits_rule(long min_bits = 53);

// --chain, --orders R1,R2,... (certify ntk).
struct chain_args {
  bool chain = false;
  std::string orders = "2,4";
};
void add_chain_options(command& c, chain_args& a);
// The --orders list (checked at parsing), sorted, without repetitions. Throws usage_error for
// --orders without --chain.
std::vector<unsigned> chain_orders_of(const command& c, const chain_args& a);

// The string-map interface of the Python module (python/src): the groups above as option_specs,
// and their values read from a parsed_args with the same checks and messages.
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
