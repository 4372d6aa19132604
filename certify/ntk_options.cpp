#include "ntk_options.hpp"

#include <cmath>

#include "certificate/certificate.hpp"
#include "driver/chain.hpp"
#include "interval/decimal.hpp"
#include "output.hpp"

namespace certify {

std::vector<option_spec> model_options() {
  return {
      {"depth", "L", "3", "number of weight layers, 1 <= L <= 64 (L = 1 is the linear kernel XX^T)"},
      {"convention", "paper|neural-tangents|uci", "paper",
       "kernel scaling: paper (docs/math.md), neural-tangents (K/d), uci (K/2^(L-1))"},
  };
}

std::vector<option_spec> precision_options() {
  return {
      {"precision", "auto|BITS", "auto",
       "auto escalates from double (53 bits) through 128, 256, ... bits until --rtol is met; a number "
       "fixes the working precision (53 = double tier, more = MPFI)"},
      {"max-precision", "BITS", "4096", "cap for --precision auto"},
      {"rtol", "R", "1e-6", "target relative width of the lambda_min enclosure"},
  };
}

std::vector<option_spec> chain_options() {
  return {
      {"chain", "", "",
       "also certify the lower-bound chain of the paper's proof: schur, hermite:r, hermite:all, "
       "gershgorin:r, scale:r and upper (docs/math.md section 4), escalating precision until each claim is decided"},
      {"orders", "R1,R2,...", "2,4", "Hermite orders r of the chain's hermite, gershgorin and scale links"},
  };
}

void read_model_options(const parsed_args& args, int& depth, ntk::kernel_convention& convention) {
  depth = static_cast<int>(args.get_long("depth", 3, 1, 64));
  const std::string c = args.get("convention", "paper");
  if (c == "paper") convention = ntk::kernel_convention::paper;
  else if (c == "neural-tangents") convention = ntk::kernel_convention::neural_tangents;
  else if (c == "uci") convention = ntk::kernel_convention::uci;
  else throw usage_error("--convention takes paper, neural-tangents or uci, not '" + c + "'");
}

void read_precision_options(const parsed_args& args, ntk::precision_policy& policy, double& rtol) {
  const std::string p = args.get("precision", "auto");
  if (p == "auto") {
    policy.automatic = true;
  } else {
    policy.automatic = false;
    policy.fixed_bits = args.get_long("precision", 53, 53, 1 << 20);
  }
  policy.max_bits = args.get_long("max-precision", 4096, 53, 1 << 20);
  rtol = args.get_double("rtol", 1e-6);
  if (!(rtol > 0) || !std::isfinite(rtol)) throw usage_error("--rtol takes a positive number");
}

void read_chain_options(const parsed_args& args, bool& enabled, std::vector<unsigned>& orders) {
  enabled = args.has("chain");
  if (args.has("orders") && !enabled) throw usage_error("--orders needs --chain");
  const std::string list = args.get("orders", "2,4");
  std::vector<unsigned> parsed;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const bool digits = !item.empty() && item.size() <= 9 && item.find_first_not_of("0123456789") == std::string::npos;
    const unsigned long r = digits ? std::stoul(item) : 0;
    if (!digits || r < 1 || r > ntk::chain_max_order)
      throw usage_error("--orders takes a comma-separated list of whole numbers from 1 to " +
                        std::to_string(ntk::chain_max_order) + ", not '" + list + "'");
    parsed.push_back(static_cast<unsigned>(r));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  orders = ntk::chain_normalize_orders(parsed);
}

}  // namespace certify

namespace certify {

void write_ntk_certificate(const std::string& path, const ntk::dataset& data, const ntk::ntk_job& job,
                           const ntk::ntk_outcome& out) {
  ntk::certificate c;
  // The certificate carries a binary64 eigenvector; its upper claim is what that vector proves.
  ntk::mreal upper = out.upper;
  if (!out.exact_zero && out.eigenvector_upper > upper && mpfr_number_p(out.eigenvector_upper.backend().data()))
    upper = out.eigenvector_upper;
  const ntk::json::value b = bound_json(out.lower, upper);
  c.claim.lower = b.find("lower")->as_string();
  c.claim.upper = b.find("upper")->as_string();
  c.data.source = data.source;
  c.data.sha256 = data.sha256;
  c.data.offset = data.first_row;
  c.data.limit = data.n;
  c.data.n = data.n;
  c.data.d = data.d;
  c.data.center = job.prep.center;
  c.data.normalize = job.prep.normalize;
  c.model.depth = job.depth;
  c.model.convention = ntk::kernel_convention_name(job.convention);
  c.hints.precision_bits = out.precision_bits;
  if (!out.exact_zero && mpfr_number_p(out.shift.backend().data()))
    c.hints.shift = ntk::decimal_string(out.shift.backend().data(), ntk::outward::down,
                                        ntk::decimal_digits_for_bits(static_cast<long>(mpfr_get_prec(out.shift.backend().data()))));
  if (!out.exact_zero) c.hints.eigenvector = out.eigenvector;
  c.hints.singular_pair = out.singular_pair;
  write_output(path, ntk::certificate_json(c));
}

}  // namespace certify
