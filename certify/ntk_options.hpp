// Options shared by the commands that compute the limiting NTK (ntk, kernel, compare).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "data/dataset.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "kernel/ntk.hpp"

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

// --which K|G|Gdot, --layer l, --precision auto|BITS (certify kernel).
struct kernel_select_args {
  std::string which = "K";
  std::optional<long> layer;
  std::string precision = "auto";
};
void add_kernel_options(command& c, kernel_select_args& a);
// The infinite-width kernel of the options: which, the layer (default: depth; usage_error unless
// min <= layer <= depth with min = 2 for Gdot, else 1) and the working precision (53: double tier).
struct kernel_selection {
  ntk::kernel_which which = ntk::kernel_which::K;
  int layer = 1;
  long bits = 53;
};
kernel_selection read_kernel_selection(const kernel_select_args& a, int depth);

// Writes the certificate of an ntk outcome (format of lib/certificate/certificate.hpp).
void write_ntk_certificate(const std::string& path, const ntk::dataset& data, const ntk::ntk_job& job,
                           const ntk::ntk_outcome& out);

}  // namespace certify
