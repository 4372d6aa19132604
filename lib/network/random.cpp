// random:widths=...&init=he|lecun|normal&seed=S (generation order documented in load.hpp).
#include <cmath>
#include <limits>
#include <string>

#include "data/synthetic.hpp"
#include "network/load.hpp"

namespace ntk {

namespace {

[[noreturn]] void bad_spec(const std::string& spec, const std::string& what) {
  throw data_error(spec + ": " + what +
                   " (expected random:widths=n0,n1,...,nL&init=he|lecun|normal&seed=S)");
}

std::uint64_t parse_u64(const std::string& spec, const std::string& key, const std::string& val) {
  if (val.empty()) bad_spec(spec, "parameter '" + key + "' has an empty value");
  std::uint64_t v = 0;
  for (char c : val) {
    if (c < '0' || c > '9') bad_spec(spec, "parameter '" + key + "': '" + val + "' is not a decimal integer");
    const unsigned digit = unsigned(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      bad_spec(spec, "parameter '" + key + "' is too large");
    v = v * 10 + digit;
  }
  return v;
}

}  // namespace

random_network_spec parse_random_network_spec(const std::string& spec) {
  const std::string prefix = "random:";
  if (spec.compare(0, prefix.size(), prefix) != 0) bad_spec(spec, "not a random network spec");
  random_network_spec out;
  bool have_widths = false, have_init = false, have_seed = false;
  const std::string rest = spec.substr(prefix.size());
  if (rest.empty()) bad_spec(spec, "widths is required");
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    std::size_t amp = rest.find('&', pos);
    if (amp == std::string::npos) amp = rest.size();
    const std::string kv = rest.substr(pos, amp - pos);
    pos = amp + 1;
    const std::size_t eq = kv.find('=');
    if (eq == std::string::npos) bad_spec(spec, "parameter '" + kv + "' has no value");
    const std::string key = kv.substr(0, eq), val = kv.substr(eq + 1);
    if (key == "widths") {
      if (have_widths) bad_spec(spec, "parameter 'widths' given twice");
      have_widths = true;
      std::size_t p = 0;
      while (p <= val.size()) {
        std::size_t c = val.find(',', p);
        if (c == std::string::npos) c = val.size();
        const std::uint64_t w = parse_u64(spec, key, val.substr(p, c - p));
        if (w == 0) bad_spec(spec, "a width is 0");
        if (w > (std::uint64_t(1) << 31)) bad_spec(spec, "a width is too large");
        out.widths.push_back(std::size_t(w));
        p = c + 1;
      }
    } else if (key == "init") {
      if (have_init) bad_spec(spec, "parameter 'init' given twice");
      have_init = true;
      if (val == "he") out.init = random_init::he;
      else if (val == "lecun") out.init = random_init::lecun;
      else if (val == "normal") out.init = random_init::normal;
      else bad_spec(spec, "unknown init '" + val + "'");
    } else if (key == "seed") {
      if (have_seed) bad_spec(spec, "parameter 'seed' given twice");
      have_seed = true;
      out.seed = parse_u64(spec, key, val);
    } else {
      bad_spec(spec, "unknown parameter '" + key + "'");
    }
  }
  if (!have_widths) bad_spec(spec, "widths is required");
  if (out.widths.size() < 2) bad_spec(spec, "widths needs at least two entries (n0 and nL)");
  for (std::size_t l = 1; l < out.widths.size(); ++l)
    if (out.widths[l] > std::numeric_limits<std::size_t>::max() / sizeof(double) / out.widths[l - 1] ||
        out.widths[l] * out.widths[l - 1] > (std::size_t(1) << 34))
      bad_spec(spec, "layer " + std::to_string(l) + " is too large");
  return out;
}

network random_network(const random_network_spec& p) {
  network net;
  net.widths = p.widths;
  net.has_biases = false;
  const std::size_t L = p.widths.size() - 1;
  net.weights.resize(L);
  for (std::size_t l = 1; l <= L; ++l) {
    const std::size_t in = p.widths[l - 1], out = p.widths[l];
    std::vector<double>& W = net.weights[l - 1];
    W.resize(in * out);
    detail::normal_stream z(p.seed, std::uint64_t(l - 1), network_stream_domain);
    z.fill(W.data(), W.size());
    if (p.init != random_init::normal) {
      const double c = p.init == random_init::he ? 2.0 : 1.0;
      const double beta = std::sqrt(c / double(in));  // correctly rounded (IEEE 754 sqrt)
      for (double& w : W) w = beta * w;
    }
  }
  return net;
}

}  // namespace ntk
