#pragma once

#include <stdexcept>

namespace ntk {

// Bad input data (unreadable file, malformed value, zero row, ...). The message names the file and,
// where it applies, the 1-based row and column; the CLI prints it and exits with status 2.
struct data_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ntk
