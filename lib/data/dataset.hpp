// The data as the rest of the library sees it: exact doubles plus an exact scale, and the
// preprocessing to apply exactly (inside interval arithmetic) downstream.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace ntk {

// Row i of the true data set is (scale_num / scale_den) * x[i*d .. i*d+d-1], exactly.
// scale_num and scale_den are positive integers held in doubles (exact below 2^53): e.g. 1/255 for
// Fashion-MNIST pixels. Readers keep values exactly as stored in the file (CSV decimals are the
// correctly rounded doubles, strtod).
struct dataset {
  std::string source;        // as given on the command line
  std::string sha256;        // hex SHA-256 of the input file's bytes, or of the synthetic spec text
  std::size_t n = 0;         // rows
  std::size_t d = 0;         // columns
  std::vector<double> x;     // row-major n x d
  double scale_num = 1.0;
  double scale_den = 1.0;
  std::size_t first_row = 0; // index in the source of row 0 (after --offset), for messages

  const double* row(std::size_t i) const { return x.data() + i * d; }
};

enum class normalization { none, sphere, unit };

// Applied in this order: rows [offset, offset+limit) are selected by the reader; then centring
// (subtract the column mean of the selected rows), then normalisation of each row to norm sqrt(d)
// (sphere) or 1 (unit). Downstream code realises these exactly: the certified kernel is that of the
// exactly transformed rows.
struct preprocessing {
  bool center = false;
  normalization normalize = normalization::none;
};

inline const char* normalization_name(normalization n) {
  switch (n) {
    case normalization::sphere: return "sphere";
    case normalization::unit: return "unit";
    default: return "none";
  }
}

}  // namespace ntk
