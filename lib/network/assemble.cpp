// assemble_network: zero-size and finiteness checks, layout resolution, chaining.
#include <cmath>
#include <optional>
#include <string>

#include "network/readers.hpp"

namespace ntk::detail {

std::string shape2(std::size_t rows, std::size_t cols) {
  std::string s = "(";
  s += std::to_string(rows);
  s += ", ";
  s += std::to_string(cols);
  s += ")";
  return s;
}

namespace {

// The layer widths a stored matrix gives in a layout: {in, out}.
std::size_t in_dim(const stored_matrix& m, weight_layout lay) {
  return lay == weight_layout::in_out ? m.rows : m.cols;
}
std::size_t out_dim(const stored_matrix& m, weight_layout lay) {
  return lay == weight_layout::in_out ? m.cols : m.rows;
}
const char* layout_name(weight_layout lay) {
  return lay == weight_layout::in_out ? "in x out" : "out x in";
}

struct failure {
  std::size_t index;  // position of the offending item, for comparing the two layouts
  bool is_bias;
  std::string array;  // name of the offending array
  std::string text;   // without the layout detail
  std::string detail; // what this layout needed
};

// The first reason why the arrays are inconsistent in layout lay, or nullopt.
std::optional<failure> first_failure(const std::vector<stored_matrix>& W,
                                     const std::vector<stored_bias>& b, weight_layout lay) {
  for (std::size_t l = 1; l < W.size(); ++l) {
    if (in_dim(W[l], lay) != out_dim(W[l - 1], lay)) {
      const std::string need = std::to_string(out_dim(W[l - 1], lay)) +
                               (lay == weight_layout::in_out ? " rows" : " columns");
      return failure{l, false, W[l].name,
                     "array " + W[l].name + ": shape " + shape2(W[l].rows, W[l].cols) +
                         " does not chain with " + W[l - 1].name + " of shape " +
                         shape2(W[l - 1].rows, W[l - 1].cols),
                     std::string(layout_name(lay)) + ": " + W[l].name + " needs " + need};
    }
  }
  for (std::size_t l = 0; l < b.size(); ++l) {
    if (b[l].present && b[l].values.size() != out_dim(W[l], lay)) {
      return failure{l, true, b[l].name,
                     "array " + b[l].name + ": bias of shape " + b[l].shape + " (length " +
                         std::to_string(b[l].values.size()) + ") does not match " + W[l].name +
                         " of shape " + shape2(W[l].rows, W[l].cols),
                     std::string(layout_name(lay)) + ": needs length " +
                         std::to_string(out_dim(W[l], lay))};
    }
  }
  return std::nullopt;
}

}  // namespace

network assemble_network(const std::string& file, std::vector<stored_matrix> W,
                         std::vector<stored_bias> b, weight_layout layout) {
  if (W.empty()) throw data_error(file + ": no weight arrays");
  if (!b.empty() && b.size() != W.size())
    throw data_error(file + ": " + std::to_string(b.size()) + " biases for " +
                     std::to_string(W.size()) + " weight matrices");
  for (const stored_matrix& m : W) {
    if (m.rows == 0 || m.cols == 0)
      throw data_error(file + ": array " + m.name + ": zero-size array of shape " +
                       shape2(m.rows, m.cols));
    for (std::size_t k = 0; k < m.values.size(); ++k)
      if (!std::isfinite(m.values[k]))
        throw data_error(file + ": array " + m.name + ": entry " +
                         shape2(k / m.cols, k % m.cols) + " is " +
                         (std::isnan(m.values[k]) ? "NaN" : "infinite") + " (0-based index)");
  }
  bool any_bias = false;
  for (const stored_bias& v : b) {
    if (!v.present) continue;
    any_bias = true;
    if (v.values.empty())
      throw data_error(file + ": array " + v.name + ": zero-size array of shape " + v.shape);
    for (std::size_t k = 0; k < v.values.size(); ++k)
      if (!std::isfinite(v.values[k]))
        throw data_error(file + ": array " + v.name + ": entry " + std::to_string(k) + " is " +
                         (std::isnan(v.values[k]) ? "NaN" : "infinite") + " (0-based index)");
  }

  const auto f_oi = first_failure(W, b, weight_layout::out_in);
  const auto f_io = first_failure(W, b, weight_layout::in_out);
  weight_layout lay = layout;
  if (layout == weight_layout::detect) {
    if (!f_oi && !f_io)
      throw data_error(file + ": ambiguous layout: the shapes chain both as out x in and as in x "
                              "out (e.g. square matrices); give --layout out-in (PyTorch) or "
                              "--layout in-out (scikit-learn coefs_)");
    if (f_oi && f_io) {
      if (f_oi->index == f_io->index && f_oi->is_bias == f_io->is_bias)
        throw data_error(file + ": " + f_oi->text + " in either layout (" + f_oi->detail + "; " +
                         f_io->detail + ")");
      throw data_error(file + ": the arrays fit neither layout: " + f_oi->text + " (" +
                       f_oi->detail + "); " + f_io->text + " (" + f_io->detail + ")");
    }
    lay = f_oi ? weight_layout::in_out : weight_layout::out_in;
  } else {
    const auto& f = layout == weight_layout::out_in ? f_oi : f_io;
    if (f) throw data_error(file + ": " + f->text + " (" + f->detail + ")");
  }

  network net;
  const std::size_t L = W.size();
  net.widths.push_back(in_dim(W[0], lay));
  for (std::size_t l = 0; l < L; ++l) net.widths.push_back(out_dim(W[l], lay));
  net.weights.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    if (lay == weight_layout::out_in) {
      net.weights[l] = std::move(W[l].values);
    } else {
      const std::size_t r = W[l].rows, c = W[l].cols;  // stored in x out: W_l = stored^T
      std::vector<double>& t = net.weights[l];
      t.resize(r * c);
      for (std::size_t i = 0; i < r; ++i)
        for (std::size_t j = 0; j < c; ++j) t[j * r + i] = W[l].values[i * c + j];
    }
  }
  net.has_biases = any_bias;
  if (any_bias) {
    net.biases.resize(L);
    for (std::size_t l = 0; l < L; ++l)
      net.biases[l] = b[l].present ? std::move(b[l].values) : std::vector<double>(net.widths[l + 1], 0.0);
  }
  return net;
}

}  // namespace ntk::detail
