// Helpers for the network tests: running Python, comparing doubles bitwise; the scratch directory,
// shell commands and error expectations are shared with tests/data (tests/common/test_files.hpp).
#pragma once

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "../common/test_files.hpp"

namespace ntk_net_test {

struct scratch_dir : ntk_test_common::scratch_dir {
  scratch_dir() : ntk_test_common::scratch_dir("network") {}
};
using ntk_test_common::expect_data_error;
using ntk_test_common::run_command;

inline std::string python() { return NTK_TEST_PYTHON; }

// Whitespace-separated float.hex() values.
inline std::vector<double> parse_hex_list(const std::string& s) {
  std::vector<double> v;
  std::istringstream in(s);
  for (std::string t; in >> t;) v.push_back(std::strtod(t.c_str(), nullptr));
  return v;
}

inline bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 8) == 0);
}

}  // namespace ntk_net_test
