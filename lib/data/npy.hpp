// The .npy header (format versions 1-3) shared by the data reader (read_npy) and the network
// reader (.npz members).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "data/errors.hpp"

namespace ntk::detail {

struct npy_header {
  std::string descr;                 // e.g. "<f8"
  bool fortran_order = false;
  std::vector<std::size_t> shape;
  std::size_t data_offset = 0;       // where the array data starts in the bytes
};

// Parses the magic string, version and header dictionary of the .npy bytes. Throws data_error
// "name: ..." when they are malformed or truncated (does not look at the array data).
npy_header parse_npy_header(std::string_view bytes, const std::string& name);

// "(3, 4)", "(5,)", "()" as numpy prints shapes.
std::string npy_shape_text(const std::vector<std::size_t>& shape);

}  // namespace ntk::detail
