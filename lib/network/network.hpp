// A concrete feed-forward ReLU network as users store it (docs/math.md §6 orientation):
//     x -> W_L relu(W_{L-1} ... relu(W_1 x + b_1) ... + b_{L-1}) + b_L,
// W_l of shape (n_l, n_{l-1}) (output x input), row-major, exact binary64 entries. Every bound the
// library certifies about a network is about exactly these doubles.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ntk {

struct network {
  std::string source;                      // the --network SPEC as given
  std::string sha256;                      // hex SHA-256 of the file bytes, or of the spec text
  std::vector<std::size_t> widths;         // n_0 (input), n_1, ..., n_L (output); size L + 1
  std::vector<std::vector<double>> weights;  // weights[l-1] = W_l, n_l x n_{l-1}, row-major
  std::vector<std::vector<double>> biases;   // biases[l-1] = b_l (length n_l); all empty if none
  bool has_biases = false;

  std::size_t depth() const { return weights.size(); }  // L
  std::size_t rows(std::size_t l) const { return widths[l]; }      // of W_l (1-based l)
  std::size_t cols(std::size_t l) const { return widths[l - 1]; }  // of W_l
  const std::vector<double>& W(std::size_t l) const { return weights[l - 1]; }
  // b_l, or nullptr when the network has no biases.
  const double* b(std::size_t l) const { return has_biases ? biases[l - 1].data() : nullptr; }
};

// How matrices are stored in a file: out x in (PyTorch, docs/math.md §6) or in x out (scikit-learn's
// coefs_, docs/math.md §1). `detect`: the orientation in which the shapes chain, refused if both do.
enum class weight_layout { detect, out_in, in_out };

}  // namespace ntk
