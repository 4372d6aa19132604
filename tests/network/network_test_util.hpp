// Helpers for the network tests: a scratch directory, running Python, comparing doubles bitwise.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "data/errors.hpp"

namespace ntk_net_test {

struct scratch_dir {
  std::string path;
  scratch_dir() {
    char tmpl[] = "/tmp/ntk-network-test-XXXXXX";
    const char* p = mkdtemp(tmpl);
    BOOST_REQUIRE(p != nullptr);
    path = p;
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  std::string file(const std::string& name) const { return path + "/" + name; }
};

// stdout of a shell command; the test fails when the command fails.
inline std::string run_command(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  std::string out;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  BOOST_TEST_INFO("command: " << cmd);
  BOOST_REQUIRE(status == 0);
  return out;
}

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

// fn must throw ntk::data_error with a one-line message containing every string in parts.
inline void expect_data_error(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
  } catch (const ntk::data_error& e) {
    const std::string msg = e.what();
    BOOST_TEST_INFO("message: " << msg);
    BOOST_CHECK(msg.find('\n') == std::string::npos);
    for (const auto& p : parts) {
      BOOST_TEST_INFO("message: " << msg << "  expected part: " << p);
      BOOST_CHECK(msg.find(p) != std::string::npos);
    }
    return;
  } catch (const std::exception& e) {
    BOOST_ERROR("expected ntk::data_error, got another exception: " << e.what());
    return;
  }
  BOOST_ERROR("no ntk::data_error thrown; expected one containing " << parts.front());
}

}  // namespace ntk_net_test
