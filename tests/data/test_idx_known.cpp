// The known-file route of the IDX reader (lib/data/read_idx.cpp, lib/data/idx_known.hpp): rows read
// from the installed Fashion-MNIST image files equal those of an independent decoder (Python's
// gzip module) at several offsets and limits, the digest table matches sha256sum, and a modified
// copy of a known file still gets the full validation (its errors whatever rows are selected).
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "data/idx_known.hpp"
#include "data/load.hpp"
#include "test_util.hpp"

namespace {

const std::string fm_dir = "/usr/share/datasets/fashion-mnist/";

bool have(const std::string& file) { return std::filesystem::exists(fm_dir + file); }

// The whole decompressed content of a gzip file, by Python's gzip module.
std::string python_gunzip(const std::string& path) {
  return ntk_test::run_command("/usr/bin/python3 -c \"import gzip, sys; sys.stdout.buffer.write(gzip.open('" + path +
                               "', 'rb').read())\"");
}

// Checks that rows [offset, offset + n) of the loaded dataset are the raw bytes of the IDX file.
void check_rows(const std::string& path, const std::string& raw, std::size_t offset, std::optional<std::size_t> limit) {
  const ntk::dataset ds = ntk::dataset_load(path, offset, limit);
  const std::size_t d = 784, total = (raw.size() - 16) / d;
  const std::size_t n = limit ? std::min(*limit, total - offset) : total - offset;
  BOOST_TEST_INFO("offset " << offset << " n " << n);
  BOOST_REQUIRE(ds.n == n);
  BOOST_REQUIRE(ds.d == d);
  BOOST_REQUIRE(ds.x.size() == n * d);
  BOOST_TEST(ds.first_row == offset);
  std::size_t bad = 0;
  for (std::size_t k = 0; k < n * d; ++k)
    bad += ds.x[k] != static_cast<double>(static_cast<unsigned char>(raw[16 + offset * d + k]));
  BOOST_TEST(bad == 0u);
  BOOST_TEST(ds.sha256 == ntk_test::run_command("sha256sum '" + path + "'").substr(0, 64));
}

std::string file_bytes(const std::string& path) { return ntk_test::run_command("cat '" + path + "'"); }

}  // namespace

BOOST_AUTO_TEST_SUITE(idx_known)

BOOST_AUTO_TEST_CASE(digests_match_sha256sum) {
  for (const char* f : {"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"}) {
    if (!have(f)) {
      BOOST_TEST_MESSAGE("skipped: " << fm_dir << f << " not installed");
      continue;
    }
    const std::string h = ntk_test::run_command("sha256sum '" + fm_dir + f + "'").substr(0, 64);
    BOOST_TEST(ntk::detail::idx_sha256_is_known(h));
  }
  BOOST_TEST(!ntk::detail::idx_sha256_is_known(std::string(64, '0')));
}

BOOST_AUTO_TEST_CASE(rows_equal_independent_decoder) {
  for (const char* f : {"t10k-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz"}) {
    if (!have(f)) continue;
    const std::string path = fm_dir + f;
    const std::string raw = python_gunzip(path);
    BOOST_REQUIRE(raw.size() > 16);
    const std::size_t total = (raw.size() - 16) / 784;
    check_rows(path, raw, 0, 1);
    check_rows(path, raw, 0, 1000);
    check_rows(path, raw, 1, 3);
    check_rows(path, raw, 1337, 2500);
    check_rows(path, raw, total - 7, std::nullopt);
    check_rows(path, raw, total - 1, 10);
    if (total <= 10000) check_rows(path, raw, 0, std::nullopt);
    // The same bytes under another name take the same route (the hash decides, not the name).
    ntk_test::scratch_dir dir;
    const std::string copy = dir.write("copy-idx3-ubyte.gz", file_bytes(path));
    check_rows(copy, raw, 5, 20);
  }
}

// A known file with one byte changed or cut short is no longer known: the rows after the selection
// are decompressed and the damage is reported, as for any other file.
BOOST_AUTO_TEST_CASE(modified_copies_get_full_validation) {
  const std::string f = "t10k-images-idx3-ubyte.gz";
  if (!have(f)) {
    BOOST_TEST_MESSAGE("skipped: " << fm_dir << f << " not installed");
    return;
  }
  const std::string bytes = file_bytes(fm_dir + f);
  BOOST_REQUIRE(bytes.size() > 100000);
  ntk_test::scratch_dir dir;
  // Flip bits at several places well after the compressed first rows (the deflate data or the
  // CRC-32/length trailer): a zlib error or a CRC mismatch, reported for a selection of 10 rows.
  for (std::size_t at : {bytes.size() / 2, bytes.size() - 10000, bytes.size() - 6, bytes.size() - 2}) {
    std::string changed = bytes;
    changed[at] = static_cast<char>(changed[at] ^ 0x10);
    const std::string p = dir.write("changed-idx3-ubyte.gz", changed);
    BOOST_TEST_INFO("byte " << at);
    ntk_test::expect_data_error([&] { ntk::dataset_load(p, 0, 10); }, {p});
  }
  for (std::size_t keep : {bytes.size() / 3, bytes.size() - 1, bytes.size() - 8}) {
    const std::string p = dir.write("cut-idx3-ubyte.gz", bytes.substr(0, keep));
    BOOST_TEST_INFO("kept " << keep << " bytes");
    ntk_test::expect_data_error([&] { ntk::dataset_load(p, 0, 10); }, {p});
  }
  // Extra bytes after the gzip stream: not the known file either (gzip reads a second member or
  // reports trailing garbage; either way the known route does not decide).
  const std::string p = dir.write("long-idx3-ubyte.gz", bytes + std::string(5, '\x1f'));
  const std::string h = ntk_test::run_command("sha256sum '" + p + "'").substr(0, 64);
  BOOST_TEST(!ntk::detail::idx_sha256_is_known(h));
}

BOOST_AUTO_TEST_SUITE_END()
