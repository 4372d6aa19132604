// Atomic file writing: contents, no leftovers on success or failure, mode of existing files.
#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "certificate/io.hpp"

namespace {

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/ntkcert-io-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    for (const auto& f : entries()) ::unlink((path + "/" + f).c_str());
    ::rmdir(path.c_str());
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
      ::closedir(d);
    }
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(atomic_io)

BOOST_AUTO_TEST_CASE(writes_and_replaces) {
  temp_dir t;
  std::string f = t.path + "/out.json";
  std::string big(1 << 20, 'x');
  big[12345] = '\0';
  ntk::write_file_atomic(f, big);
  BOOST_TEST(ntk::read_file(f) == big);
  ntk::write_file_atomic(f, "second");
  BOOST_TEST(ntk::read_file(f) == "second");
  ntk::write_file_atomic(f, "");
  BOOST_TEST(ntk::read_file(f).empty());
  BOOST_TEST(t.entries().size() == 1u);  // no temporary file left behind
}

BOOST_AUTO_TEST_CASE(keeps_mode_of_existing_file) {
  temp_dir t;
  std::string f = t.path + "/m.txt";
  ntk::write_file_atomic(f, "a");
  ::chmod(f.c_str(), 0640);
  ntk::write_file_atomic(f, "b");
  struct stat st;
  BOOST_REQUIRE(::stat(f.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0640u);
}

BOOST_AUTO_TEST_CASE(failure_leaves_nothing) {
  temp_dir t;
  // Missing directory.
  BOOST_CHECK_THROW(ntk::write_file_atomic(t.path + "/no/such/dir/f", "x"), ntk::io_error);
  // Target is a directory: rename fails, the temporary file must be removed.
  std::string sub = t.path + "/sub";
  ::mkdir(sub.c_str(), 0755);
  ::close(::open((sub + "/keep").c_str(), O_CREAT | O_WRONLY, 0644));  // non-empty: rename cannot replace it
  BOOST_CHECK_THROW(ntk::write_file_atomic(sub, "x"), ntk::io_error);
  auto e = t.entries();
  BOOST_TEST(e.size() == 1u);  // only "sub"
  ::unlink((sub + "/keep").c_str());
  ::rmdir(sub.c_str());
  BOOST_CHECK_THROW(ntk::write_file_atomic("", "x"), ntk::io_error);
  BOOST_CHECK_THROW(ntk::read_file(t.path + "/absent"), ntk::io_error);
  BOOST_CHECK_THROW(ntk::read_file(t.path), ntk::io_error);  // a directory cannot be read
}

BOOST_AUTO_TEST_SUITE_END()
