// Helpers for the data tests: a scratch directory, file writers, error expectations (shared with
// tests/network through tests/common/test_files.hpp).
#pragma once

#include "../common/test_files.hpp"

namespace ntk_test {

struct scratch_dir : ntk_test_common::scratch_dir {
  scratch_dir() : ntk_test_common::scratch_dir("data") {}
};
using ntk_test_common::expect_data_error;
using ntk_test_common::run_command;

}  // namespace ntk_test
