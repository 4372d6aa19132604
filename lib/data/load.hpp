// Loading a data set from a --data SPEC: CSV, NPY, IDX files, Fashion-MNIST, synthetic sphere.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "data/dataset.hpp"
#include "data/errors.hpp"

namespace ntk {

// Directory of the Debian package dataset-fashion-mnist.
inline constexpr const char* fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";

// Loads data rows [offset, offset + limit) of the source named by spec (all rows from offset on
// when limit is empty). Rows are numbered from 0 here; messages number them from 1 as in the file.
//
//   *.csv                 numbers only, comma separated, one optional header line (a first line with
//                         a non-empty field that strtod does not read in full; "nan"/"inf" spellings
//                         count as numbers, so "1,nan" is a data row with a NaN). The header, or the
//                         first line, fixes the column count d. Whitespace around fields, CRLF line
//                         ends and a leading UTF-8 byte order mark are accepted; trailing blank lines
//                         are ignored, a blank line between rows is an error. Each field is converted
//                         by strtod in the "C" locale (decimal or hexadecimal), i.e. to the correctly
//                         rounded double (decimal underflow rounds to a subnormal or zero as IEEE 754
//                         prescribes): the certified object is the kernel of these doubles.
//   *.npy                 format versions 1-3, a 2-D C-order array of '<f8' or '<f4' (float32 is
//                         widened to double, exactly).
//   *-ubyte, *-ubyte.gz   IDX, unsigned-byte data (type 0x08) of rank >= 1; dimension 0 indexes rows,
//                         the others are flattened (n x r x c images become rows of r*c). Values are
//                         the raw integers 0..255 (scale 1).
//   fashion-mnist:train   {train,t10k}-images-idx3-ubyte.gz of fashion_mnist_dir: 784 raw pixels per
//   fashion-mnist:test    row in x, scale_num/scale_den = 1/255 (the rows are pixels/255, exactly).
//   fashion-mnist:SPLIT?pool=K
//                         K x K average pooling of the 28 x 28 images, K in {1, 2, 4, 7, 14, 28}:
//                         (28/K)^2 values per row, row-major over the blocks (data/pool.hpp); x
//                         holds the integer block sums and scale_num/scale_den = 1/(255 K^2), so
//                         the rows are the block means of pixels/255, exactly. pool=1 gives the
//                         plain values.
//   synthetic:sphere?n=N&d=D&seed=S
//                         N rows uniform on the sphere of radius sqrt(D) (seed defaults to 0;
//                         parameters in any order). Bit-reproducible on any IEEE 754 machine: see
//                         data/synthetic.hpp. Row norms equal sqrt(D) only up to rounding.
//
// The result has source = spec, n = rows selected, first_row = offset, sha256 = hex SHA-256 of the
// file's bytes (of the compressed file for .gz) or of the spec text (synthetic), and holds only
// finite values. The whole file is read and validated in structure (header, size, compression),
// but field values are validated only in the selected rows.
//
// Throws ntk::data_error with a one-line message naming the file and, where it applies, the 1-based
// row (data rows, after any header), the line (CSV) and the column, for: a file that cannot be
// opened or read, an empty file, a header without data, NaN or infinite values (any spelling,
// including decimal overflow such as 1e999), text that is not a number, a row with the wrong
// number of columns, an npy file that is not a 2-D C-order '<f8'/'<f4' array, truncated or
// oversized npy/IDX data, a bad IDX magic number or element type, a selection with no rows
// (limit 0, or offset at or beyond the last row), a spec of unknown form, and a Fashion-MNIST
// parameter other than one pool=K with K dividing 28.
dataset dataset_load(const std::string& spec, std::size_t offset, std::optional<std::size_t> limit);

}  // namespace ntk
