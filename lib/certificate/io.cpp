#include "certificate/io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

namespace ntk {

namespace {

std::string reason() { return std::strerror(errno); }

// The process umask without changing it (umask(2) can only set it): Linux reports it in
// /proc/self/status; fall back to the common 022.
mode_t current_umask() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
  return 022;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
    std::cout.flush();
    if (!std::cout) throw io_error("cannot write to standard output");
    return;
  }
  if (path.empty()) throw io_error("cannot write a file with an empty name");

  std::string::size_type slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) throw io_error("cannot write '" + path + "': it names a directory");

  std::string tmpl = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + "." + base + ".tmpXXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw io_error("cannot write '" + path + "': cannot create a temporary file in '" + dir + "': " + reason());

  auto fail = [&](const std::string& what) {
    std::string msg = "cannot write '" + path + "': " + what + ": " + reason();
    if (fd >= 0) ::close(fd);
    ::unlink(tmpl.c_str());
    throw io_error(msg);
  };

  struct stat st;
  mode_t mode = (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ? (st.st_mode & 07777) : (0666 & ~current_umask());
  if (::fchmod(fd, mode) != 0) fail("fchmod");

  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0) fail("fsync");
  int c = ::close(fd);
  fd = -1;
  if (c != 0) fail("close");
  if (::rename(tmpl.c_str(), path.c_str()) != 0) fail("rename");
}

std::string read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error("cannot open '" + path + "': " + reason());
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::string msg = "cannot read '" + path + "': " + reason();
      ::close(fd);
      throw io_error(msg);
    }
    if (r == 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  ::close(fd);
  return out;
}

}  // namespace ntk
