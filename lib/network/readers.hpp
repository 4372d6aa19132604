// The file readers behind network_load and what they share (internal to lib/network).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "data/errors.hpp"
#include "network/network.hpp"

namespace ntk::detail {

// A matrix as a file stores it: `rows` x `cols` in the file's own first/second dimension,
// values row-major (readers of column-major formats transpose while reading).
struct stored_matrix {
  std::string name;  // the array's name in messages: "W2", "2.weight", "weights{2}"
  std::size_t rows = 0, cols = 0;
  std::vector<double> values;
};

// A stored bias; `present` false when the file has none for this layer (zero vector).
struct stored_bias {
  std::string name;
  bool present = false;
  std::string shape;  // as the file gives it, for messages, e.g. "(5,)"
  std::vector<double> values;
};

// Builds the network from the stored matrices W_1..W_L and biases (empty, or one per layer) of
// `file`: rejects zero-size arrays and NaN/Inf entries, resolves the layout (load.hpp) and checks
// that the shapes chain and the biases have the right lengths. Messages "file: array NAME: ...".
network assemble_network(const std::string& file, std::vector<stored_matrix> weights,
                         std::vector<stored_bias> biases, weight_layout layout);

// "(r, c)"
std::string shape2(std::size_t rows, std::size_t cols);

network read_network_npz(const std::string& path, weight_layout layout);
network read_network_safetensors(const std::string& path, weight_layout layout);
network read_network_mat(const std::string& path, weight_layout layout);

}  // namespace ntk::detail
