// Running the certify executable from a test: a fresh temporary directory per sandbox (removed
// with it), the command run through the shell with stdout and stderr captured to files there.
// Header-only, for any test suite: #include "../common/cli_sandbox.hpp". The executable's path is
// passed to the constructor, or taken from the CERTIFY_EXE define of the suite when it has one.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace ntk_test {

// One run of the executable: its exit status (-1 when it did not exit normally) and its output.
struct run_result {
  int status = -1;
  std::string out, err;
};

// The whole content of the file p; empty when it cannot be read.
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

struct sandbox {
  std::filesystem::path dir;
  std::string exe;

  explicit sandbox(std::string certify_exe) : exe(std::move(certify_exe)) {
    char tmpl[] = "/tmp/ntkcert-test-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (!made) throw std::runtime_error("cli_sandbox: cannot create a temporary directory");
    dir = made;
  }
#ifdef CERTIFY_EXE
  sandbox() : sandbox(CERTIFY_EXE) {}
#endif
  ~sandbox() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  sandbox(const sandbox&) = delete;
  sandbox& operator=(const sandbox&) = delete;

  // The path of `name` inside the sandbox, as a string.
  std::string file(const std::string& name) const { return (dir / name).string(); }

  // Writes `content` to `name` inside the sandbox (binary) and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    std::filesystem::path p = dir / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  // Runs the executable with the argument string `args` (shell-quoted by the caller). The paths
  // of the executable and of the capture files are single-quoted, so they must not contain a '.
  run_result certify(const std::string& args) const {
    const std::filesystem::path o = dir / "stdout.txt", e = dir / "stderr.txt";
    const std::string cmd = "'" + exe + "' " + args + " >'" + o.string() + "' 2>'" + e.string() + "'";
    run_result r;
    const int s = std::system(cmd.c_str());
    r.status = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
    r.out = slurp(o);
    r.err = slurp(e);
    return r;
  }
};

}  // namespace ntk_test
