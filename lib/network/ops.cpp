// network_truncate, network_forward_float, network_describe, network_check_consistent.
#include <stdexcept>
#include <string>
#include <vector>

#include "network/load.hpp"

namespace ntk {

void network_check_consistent(const network& net) {
  const std::size_t L = net.weights.size();
  if (L == 0) throw std::invalid_argument("network has no layers");
  if (net.widths.size() != L + 1)
    throw std::invalid_argument("network: widths has " + std::to_string(net.widths.size()) +
                                " entries for " + std::to_string(L) + " layers");
  for (std::size_t w : net.widths)
    if (w == 0) throw std::invalid_argument("network: a width is 0");
  for (std::size_t l = 1; l <= L; ++l)
    if (net.weights[l - 1].size() != net.widths[l] * net.widths[l - 1])
      throw std::invalid_argument("network: W" + std::to_string(l) + " has the wrong size");
  if (net.has_biases) {
    if (net.biases.size() != L) throw std::invalid_argument("network: wrong number of biases");
    for (std::size_t l = 1; l <= L; ++l)
      if (net.biases[l - 1].size() != net.widths[l])
        throw std::invalid_argument("network: b" + std::to_string(l) + " has the wrong length");
  }
}

network network_truncate(const network& net, std::size_t k, bool apply_relu_output) {
  network_check_consistent(net);
  if (k < 1 || k > net.depth())
    throw std::invalid_argument("network_truncate: k = " + std::to_string(k) + " outside [1, " +
                                std::to_string(net.depth()) + "]");
  network out;
  out.source = net.source;
  out.sha256 = net.sha256;
  out.has_biases = net.has_biases;
  out.widths.assign(net.widths.begin(), net.widths.begin() + std::ptrdiff_t(k) + 1);
  out.weights.assign(net.weights.begin(), net.weights.begin() + std::ptrdiff_t(k));
  if (net.has_biases) out.biases.assign(net.biases.begin(), net.biases.begin() + std::ptrdiff_t(k));
  if (apply_relu_output) {
    const std::size_t n = net.widths[k];
    std::vector<double> id(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) id[i * n + i] = 1.0;
    out.widths.push_back(n);
    out.weights.push_back(std::move(id));
    if (net.has_biases) out.biases.emplace_back(n, 0.0);
  }
  return out;
}

std::vector<double> network_forward_float(const network& net, const double* x) {
  network_check_consistent(net);
  std::vector<double> a(x, x + net.widths[0]), z;
  for (std::size_t l = 1; l <= net.depth(); ++l) {
    const std::size_t m = net.rows(l), n = net.cols(l);
    const double* W = net.W(l).data();
    const double* b = net.b(l);
    z.assign(m, 0.0);
    for (std::size_t i = 0; i < m; ++i) {
      double s = 0;
      for (std::size_t j = 0; j < n; ++j) s += W[i * n + j] * a[j];
      if (b) s += b[i];
      z[i] = (l < net.depth() && !(s > 0)) ? 0.0 : s;
    }
    a.swap(z);
  }
  return a;
}

std::string network_describe(const network& net) {
  std::string s;
  for (std::size_t i = 0; i < net.widths.size(); ++i) {
    if (i) s += '-';
    s += std::to_string(net.widths[i]);
  }
  return s + (net.has_biases ? ", biases" : ", no biases");
}

}  // namespace ntk
