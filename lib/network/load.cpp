// network_load: dispatch on the spec.
#include <string>

#include "data/sha256.hpp"
#include "network/load.hpp"
#include "network/readers.hpp"

namespace ntk {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    char c = s[s.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}
}  // namespace

network network_load(const std::string& spec, weight_layout layout) {
  if (spec.empty()) throw data_error("--network: empty network spec");
  if (spec.compare(0, 7, "random:") == 0) {
    network net = random_network(parse_random_network_spec(spec));
    net.source = spec;
    net.sha256 = sha256_hex(spec);
    return net;
  }
  network net;
  if (ends_with(spec, ".npz")) net = detail::read_network_npz(spec, layout);
  else if (ends_with(spec, ".safetensors")) net = detail::read_network_safetensors(spec, layout);
  else if (ends_with(spec, ".mat")) net = detail::read_network_mat(spec, layout);
  else
    throw data_error(spec + ": unknown network format (expected random:..., PATH.npz, "
                            "PATH.safetensors or PATH.mat)");
  net.source = spec;
  return net;
}

}  // namespace ntk
