// dense_matrix<T>: plain row-major storage for any scalar, interval types included. Storage only;
// algorithms live in their own headers and state their guarantees there.
#pragma once

#include <cstddef>
#include <vector>

namespace ntk {

template <class T>
struct dense_matrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<T> data;

  dense_matrix() = default;
  dense_matrix(std::size_t r, std::size_t c) : rows(r), cols(c), data(r * c) {}
  dense_matrix(std::size_t r, std::size_t c, const T& fill) : rows(r), cols(c), data(r * c, fill) {}

  T& operator()(std::size_t i, std::size_t j) { return data[i * cols + j]; }
  const T& operator()(std::size_t i, std::size_t j) const { return data[i * cols + j]; }
  T* row(std::size_t i) { return data.data() + i * cols; }
  const T* row(std::size_t i) const { return data.data() + i * cols; }
};

}  // namespace ntk
