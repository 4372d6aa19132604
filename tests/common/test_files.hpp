// Helpers shared by the test suites that touch files and processes (tests/data, tests/network): a
// scratch directory, the output of a shell command, and the expectation of an ntk::data_error.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "data/errors.hpp"

namespace ntk_test_common {

// A fresh directory /tmp/ntk-<tag>-test-XXXXXX, removed with its content at the end of the test.
struct scratch_dir {
  std::string path;
  explicit scratch_dir(const std::string& tag) {
    std::string tmpl = "/tmp/ntk-" + tag + "-test-XXXXXX";
    const char* p = mkdtemp(tmpl.data());
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
  // Writes `bytes` to the file `name` and returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string p = file(name);
    FILE* f = std::fopen(p.c_str(), "wb");
    BOOST_REQUIRE(f != nullptr);
    BOOST_REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
    std::fclose(f);
    return p;
  }
};

// stdout of a shell command (trailing newline kept); the test fails when the command fails.
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
  BOOST_ERROR("no ntk::data_error thrown; expected one containing " << (parts.empty() ? std::string() : parts.front()));
}

}  // namespace ntk_test_common
