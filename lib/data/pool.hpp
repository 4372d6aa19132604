// Exact k x k average pooling of image rows: integer block sums plus an exact scale.
#pragma once

#include <cstddef>

#include "data/dataset.hpp"
#include "data/errors.hpp"

namespace ntk {

// Returns the data set whose row i is the k x k average pooling of row i of `images`, read as a
// rows x cols image stored row-major: output pixel (a, b), 0 <= a < rows/k, 0 <= b < cols/k, stored
// at a * (cols/k) + b, is the mean of the input pixels (a*k + p, b*k + q), 0 <= p, q < k. It is held
// exactly: x holds the block sums (computed exactly, see below) and scale_den is multiplied by k^2,
// so (scale_num / scale_den) * x is the pooled image of the true rows. d becomes (rows/k)*(cols/k);
// n, source, sha256 and first_row are kept.
//
// Exactness needs integer values: every value of `images.x` must be an integer of magnitude at most
// 2^53 / k^2, so that every partial block sum is an integer below 2^53 (raw bytes qualify for any k
// up to 2^22); and scale_den * k^2 must stay below 2^53.
//
// Throws data_error naming images.source when k == 0, rows * cols != images.d, k does not divide
// both rows and cols, a value is not such an integer (the message gives the 1-based row and column),
// or the scale would not be exact.
dataset average_pool_images(const dataset& images, std::size_t rows, std::size_t cols, std::size_t k);

}  // namespace ntk
