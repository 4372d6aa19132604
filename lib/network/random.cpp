// random:widths=...&init=he|lecun|normal&seed=S (generation order documented in load.hpp).
#include <cmath>
#include <limits>
#include <string>

#include "base/spec_query.hpp"
#include "data/synthetic.hpp"
#include "network/load.hpp"

namespace ntk {

namespace {

[[noreturn]] void bad_spec(const std::string& spec, const std::string& what) {
  throw data_error(spec + ": " + what +
                   " (expected random:widths=n0,n1,...,nL&init=he|lecun|normal&seed=S)");
}

}  // namespace

random_network_spec parse_random_network_spec(const std::string& spec) {
  const std::string prefix = "random:";
  if (spec.compare(0, prefix.size(), prefix) != 0) bad_spec(spec, "not a random network spec");
  random_network_spec out;
  bool have_widths = false;
  const std::string rest = spec.substr(prefix.size());
  if (rest.empty()) bad_spec(spec, "widths is required");
  try {
    for (const spec_param& p : parse_spec_query(rest, {"widths", "init", "seed"})) {
      if (p.key == "widths") {
        have_widths = true;
        std::size_t k = 0;
        while (k <= p.value.size()) {
          std::size_t c = p.value.find(',', k);
          if (c == std::string::npos) c = p.value.size();
          const std::uint64_t w = spec_u64({p.key, p.value.substr(k, c - k)});
          if (w == 0) bad_spec(spec, "a width is 0");
          if (w > (std::uint64_t(1) << 31)) bad_spec(spec, "a width is too large");
          out.widths.push_back(std::size_t(w));
          k = c + 1;
        }
      } else if (p.key == "init") {
        if (p.value == "he") out.init = random_init::he;
        else if (p.value == "lecun") out.init = random_init::lecun;
        else if (p.value == "normal") out.init = random_init::normal;
        else bad_spec(spec, "unknown init '" + p.value + "'");
      } else {
        out.seed = spec_u64(p);
      }
    }
  } catch (const spec_query_error& e) {
    bad_spec(spec, e.what());
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
