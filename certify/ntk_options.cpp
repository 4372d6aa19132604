#include "ntk_options.hpp"

#include <cmath>
#include <optional>

#include "certificate/certificate.hpp"
#include "driver/chain.hpp"
#include "interval/decimal.hpp"
#include "output.hpp"

namespace certify {

ntk::kernel_convention model_args::kernel_convention() const {
  if (convention == "neural-tangents") return ntk::kernel_convention::neural_tangents;
  if (convention == "uci") return ntk::kernel_convention::uci;
  return ntk::kernel_convention::paper;
}

void add_model_options(command& c, model_args& a) {
  c.whole("depth", a.depth, "L", 1, 64, "number of weight layers (L = 1 is the linear kernel XX^T)");
  c.choice("convention", a.convention, {"paper", "neural-tangents", "uci"},
           "kernel scaling: paper (docs/math.md), neural-tangents (K/d), uci (K/2^(L-1))");
}

value_rule auto_or_bits_rule(long min_bits) {
  const value_rule bits = whole_rule(min_bits, 1L << 20);
  return [bits, min_bits](const std::string& v) -> std::string {
    if (v == "auto" || bits(v).empty()) return "";
    return "takes auto or a whole number from " + std::to_string(min_bits) + " to " + std::to_string(1L << 20) +
           ", not '" + v + "'";
  };
}

void precision_args::apply(ntk::precision_policy& policy, double& rtol_out) const {
  policy.automatic = precision == "auto";
  if (!policy.automatic) policy.fixed_bits = std::stol(precision);
  policy.max_bits = max_precision;
  rtol_out = rtol;
}

void add_precision_options(command& c, precision_args& a) {
  c.text("precision", a.precision, "auto|BITS",
         "auto escalates from double (53 bits) through 128, 256, ... bits until --rtol is met; a number "
         "fixes the working precision (53 = double tier, more = MPFI)",
         auto_or_bits_rule());
  c.whole("max-precision", a.max_precision, "BITS", 53, 1L << 20, "cap for --precision auto");
  c.number("rtol", a.rtol, "R", command::sign::positive, "target relative width of the lambda_min enclosure");
}

namespace {
// The --orders list: whole numbers from 1 to ntk::chain_max_order, comma-separated; nullopt if malformed.
std::optional<std::vector<unsigned>> parse_orders(const std::string& list) {
  std::vector<unsigned> parsed;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const bool digits = !item.empty() && item.size() <= 9 && item.find_first_not_of("0123456789") == std::string::npos;
    const unsigned long r = digits ? std::stoul(item) : 0;
    if (!digits || r < 1 || r > ntk::chain_max_order) return std::nullopt;
    parsed.push_back(static_cast<unsigned>(r));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parsed;
}
}  // namespace

void add_chain_options(command& c, chain_args& a) {
  c.flag("chain", a.chain,
         "also certify the lower-bound chain of the paper's proof: schur, hermite:r, hermite:all, "
         "gershgorin:r, scale:r and upper (docs/math.md section 4), escalating precision until each claim is decided");
  c.text("orders", a.orders, "R1,R2,...", "Hermite orders r of the chain's hermite, gershgorin and scale links",
         [](const std::string& v) -> std::string {
           if (parse_orders(v)) return "";
           return "takes a comma-separated list of whole numbers from 1 to " + std::to_string(ntk::chain_max_order) +
                  ", not '" + v + "'";
         });
}

std::vector<unsigned> chain_orders_of(const command& c, const chain_args& a) {
  if (c.given("orders") && !a.chain) throw usage_error("--orders needs --chain");
  return ntk::chain_normalize_orders(*parse_orders(a.orders));
}

// The string-map interface of the Python module: the same declarations, through a command.

std::vector<option_spec> model_options() {
  model_args a;
  command c("", "");
  add_model_options(c, a);
  return option_specs(c);
}

std::vector<option_spec> precision_options() {
  precision_args a;
  command c("", "");
  add_precision_options(c, a);
  return option_specs(c);
}

std::vector<option_spec> chain_options() {
  chain_args a;
  command c("", "");
  add_chain_options(c, a);
  return option_specs(c);
}

void read_model_options(const parsed_args& args, int& depth, ntk::kernel_convention& convention) {
  model_args a;
  command c("", "");
  add_model_options(c, a);
  c.parse(arguments_of(args, c));
  depth = static_cast<int>(a.depth);
  convention = a.kernel_convention();
}

void read_precision_options(const parsed_args& args, ntk::precision_policy& policy, double& rtol) {
  precision_args a;
  command c("", "");
  add_precision_options(c, a);
  c.parse(arguments_of(args, c));
  a.apply(policy, rtol);
}

void read_chain_options(const parsed_args& args, bool& enabled, std::vector<unsigned>& orders) {
  chain_args a;
  command c("", "");
  add_chain_options(c, a);
  c.parse(arguments_of(args, c));
  enabled = a.chain;
  orders = chain_orders_of(c, a);
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
