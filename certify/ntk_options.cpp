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

void add_kernel_options(command& c, kernel_select_args& a) {
  c.text("which", a.which, "K|G|Gdot", "which kernel to export (with --network: K or F0 .. F{L-1})");
  c.whole("layer", a.layer, "l", 1, 64, "layer to export (at most the depth L; at least 2 for Gdot)").default_text("the depth L");
  c.text("precision", a.precision, "auto|BITS", "working precision (auto = double tier)", auto_or_bits_rule());
}

kernel_selection read_kernel_selection(const kernel_select_args& a, int depth) {
  kernel_selection s;
  if (a.which == "K") s.which = ntk::kernel_which::K;
  else if (a.which == "G") s.which = ntk::kernel_which::G;
  else if (a.which == "Gdot") s.which = ntk::kernel_which::Gdot;
  else throw usage_error("--which takes K, G or Gdot, not '" + a.which + "'");
  const long min_layer = s.which == ntk::kernel_which::Gdot ? 2 : 1;
  s.layer = static_cast<int>(a.layer.value_or(depth));
  if (s.layer < min_layer || s.layer > depth)
    throw usage_error("--layer " + whole_rule(min_layer, depth)(std::to_string(s.layer)));
  if (a.precision != "auto") s.bits = std::stol(a.precision);
  return s;
}

}  // namespace certify

namespace certify {

void write_ntk_certificate(const std::string& path, const ntk::dataset& data, const ntk::ntk_job& job,
                           const ntk::ntk_outcome& out) {
  ntk::certificate c;
  c.claim = certificate_claim(out);
  c.data = certificate_data(data, job.prep);
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
