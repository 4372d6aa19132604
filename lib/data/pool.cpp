#include "data/pool.hpp"

#include <cmath>
#include <string>

#include "data/readers.hpp"

namespace ntk {

dataset average_pool_images(const dataset& images, std::size_t rows, std::size_t cols, std::size_t k) {
  const std::string& name = images.source;
  if (k == 0) throw data_error(name + ": pooling block size must be at least 1");
  if (rows == 0 || cols == 0 || rows > images.d / cols || rows * cols != images.d)
    throw data_error(name + ": rows of " + std::to_string(images.d) + " values are not " +
                     std::to_string(rows) + " x " + std::to_string(cols) + " images");
  if (rows % k != 0 || cols % k != 0)
    throw data_error(name + ": pooling block size " + std::to_string(k) + " does not divide the " +
                     std::to_string(rows) + " x " + std::to_string(cols) + " image");
  // k <= rows and cols, and rows * cols = d fits in size_t, so k * k does too.
  const double k2 = double(k) * double(k);  // exact: k^2 <= d < 2^53
  constexpr double two53 = 9007199254740992.0;
  if (!(images.scale_den * k2 < two53))
    throw data_error(name + ": the scale 1/(" + std::to_string(images.scale_den) + " * " +
                     std::to_string(k) + "^2) is not exact in double");
  // |v| <= 2^53 / k^2 for each of the k^2 terms keeps every partial sum an integer of magnitude at
  // most 2^53, hence exactly representable: the additions are exact.
  const double bound = two53 / k2;
  const std::size_t out_rows = rows / k, out_cols = cols / k;
  dataset out;
  out.source = images.source;
  out.sha256 = images.sha256;
  out.n = images.n;
  out.d = out_rows * out_cols;
  out.scale_num = images.scale_num;
  out.scale_den = images.scale_den * k2;
  out.first_row = images.first_row;
  out.x.assign(out.n * out.d, 0.0);
  for (std::size_t i = 0; i < images.n; ++i) {
    const double* in = images.row(i);
    double* o = out.x.data() + i * out.d;
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) {
        const double v = in[r * cols + c];
        if (!(std::fabs(v) <= bound) || v != std::trunc(v))
          throw detail::data_error_at(name, images.first_row + i + 1, 0, r * cols + c + 1,
                                      "value is not an integer of magnitude at most 2^53/" +
                                          std::to_string(k) + "^2, cannot pool exactly");
        o[(r / k) * out_cols + c / k] += v;
      }
  }
  return out;
}

}  // namespace ntk
