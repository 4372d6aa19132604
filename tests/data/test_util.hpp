// Helpers for the data tests: a scratch directory, file writers, error expectations.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>

#include "data/errors.hpp"

namespace ntk_test {

// A fresh directory under /tmp, removed with its content at the end of the test.
struct scratch_dir {
  std::string path;
  scratch_dir() {
    char tmpl[] = "/tmp/ntk-data-test-XXXXXX";
    const char* p = mkdtemp(tmpl);
    BOOST_REQUIRE(p != nullptr);
    path = p;
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string p = file(name);
    FILE* f = std::fopen(p.c_str(), "wb");
    BOOST_REQUIRE(f != nullptr);
    BOOST_REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
    std::fclose(f);
    return p;
  }
};

// fn must throw ntk::data_error with a one-line message containing every string in parts.
inline void expect_data_error(const std::function<void()>& fn,
                              std::initializer_list<std::string> parts) {
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
  }
  BOOST_ERROR("no ntk::data_error thrown; expected one containing " << *parts.begin());
}

// Output of a shell command (trailing newline kept).
inline std::string run_command(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  std::size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, got);
  BOOST_REQUIRE(pclose(p) == 0);
  return out;
}

}  // namespace ntk_test
