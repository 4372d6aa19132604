// SHA-256 digests of IDX files whose whole content is known to be intact (lib/data/read_idx.cpp):
// for these files read_idx stops decompressing after the selected rows, since no corruption can lie
// in the rest of a file whose hash equals that of a file checked once in full. Private to lib/data.
//
// Provenance: the image files of the Debian package dataset-fashion-mnist
// (version 0.0~git20200523.55506a9-1, /usr/share/datasets/fashion-mnist/), hashed with sha256sum;
// each decompresses in full without a zlib error to a valid IDX file of 60,000 (train) or 10,000
// (test) images of 28 x 28 unsigned bytes with nothing after them (tests/data/test_idx_known.cpp
// checks this and the digests themselves on the installed files).
#pragma once

#include <string_view>

namespace ntk::detail {

inline constexpr std::string_view idx_known_sha256[] = {
    // train-images-idx3-ubyte.gz (26,421,856 bytes)
    "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    // t10k-images-idx3-ubyte.gz (4,422,079 bytes)
    "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
};

// Whether hex (lowercase SHA-256) is one of the digests above.
inline bool idx_sha256_is_known(std::string_view hex) {
  for (std::string_view k : idx_known_sha256)
    if (hex == k) return true;
  return false;
}

}  // namespace ntk::detail
