#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "data/load.hpp"
#include "test_util.hpp"

namespace {

std::string idx_bytes(unsigned char type, const std::vector<std::uint32_t>& dims,
                      const std::vector<unsigned char>& payload) {
  std::string s;
  s += char(0);
  s += char(0);
  s += char(type);
  s += char(dims.size());
  for (std::uint32_t d : dims)
    for (int sh = 24; sh >= 0; sh -= 8) s += char((d >> sh) & 0xff);
  s.append(payload.begin(), payload.end());
  return s;
}

std::string write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb9");
  BOOST_REQUIRE(f != nullptr);
  BOOST_REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  BOOST_REQUIRE(gzclose(f) == Z_OK);
  return path;
}

std::vector<unsigned char> iota_bytes(std::size_t n) {
  std::vector<unsigned char> v(n);
  for (std::size_t k = 0; k < n; ++k) v[k] = (unsigned char)((k * 37 + 11) % 256);
  return v;
}

ntk::dataset load(const std::string& path, std::size_t offset = 0,
                  std::optional<std::size_t> limit = std::nullopt) {
  return ntk::dataset_load(path, offset, limit);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idx)

BOOST_AUTO_TEST_CASE(rank3_images_plain_and_gz) {
  ntk_test::scratch_dir dir;
  const auto payload = iota_bytes(3 * 2 * 2);
  const std::string bytes = idx_bytes(0x08, {3, 2, 2}, payload);
  const std::string plain = dir.write("img-idx3-ubyte", bytes);
  const std::string gz = write_gz(dir.file("img-idx3-ubyte.gz"), bytes);
  for (const std::string& p : {plain, gz}) {
    const ntk::dataset ds = load(p);
    BOOST_TEST(ds.n == 3u);
    BOOST_TEST(ds.d == 4u);
    BOOST_TEST(ds.scale_num == 1.0);
    BOOST_TEST(ds.scale_den == 1.0);
    for (std::size_t k = 0; k < payload.size(); ++k) BOOST_TEST(ds.x[k] == double(payload[k]));
    // The hash is of the file as stored (compressed for .gz).
    BOOST_TEST(ds.sha256 == ntk_test::run_command("sha256sum '" + p + "'").substr(0, 64));
    const ntk::dataset mid = load(p, 1, 1);
    BOOST_TEST(mid.n == 1u);
    BOOST_TEST(mid.first_row == 1u);
    for (std::size_t k = 0; k < 4; ++k) BOOST_TEST(mid.x[k] == double(payload[4 + k]));
  }
}

BOOST_AUTO_TEST_CASE(rank1_and_rank2) {
  ntk_test::scratch_dir dir;
  const auto labels = iota_bytes(7);
  const ntk::dataset l = load(dir.write("lab-idx1-ubyte", idx_bytes(0x08, {7}, labels)));
  BOOST_TEST(l.n == 7u);
  BOOST_TEST(l.d == 1u);
  for (std::size_t k = 0; k < 7; ++k) BOOST_TEST(l.x[k] == double(labels[k]));
  const auto m = iota_bytes(2 * 5);
  const ntk::dataset t = load(dir.write("m-idx2-ubyte", idx_bytes(0x08, {2, 5}, m)), 1);
  BOOST_TEST(t.n == 1u);
  BOOST_TEST(t.d == 5u);
  for (std::size_t k = 0; k < 5; ++k) BOOST_TEST(t.x[k] == double(m[5 + k]));
}

// A short file is reported whatever rows are selected, plain or compressed.
BOOST_AUTO_TEST_CASE(truncated_and_oversized) {
  ntk_test::scratch_dir dir;
  const std::string shortdata = idx_bytes(0x08, {4, 3}, iota_bytes(11));
  for (const std::string& p : {dir.write("s-ubyte", shortdata),
                               write_gz(dir.file("s-ubyte.gz"), shortdata)}) {
    ntk_test::expect_data_error([&] { load(p); }, {p, "truncated IDX data"});
    ntk_test::expect_data_error([&] { load(p, 0, 1); }, {p, "truncated IDX data"});
  }
  // A header announcing far more than the file can hold is refused before any allocation.
  const std::string huge = idx_bytes(0x08, {4000000000u, 1000, 1000}, iota_bytes(100));
  for (const std::string& p : {dir.write("h-ubyte", huge), write_gz(dir.file("h-ubyte.gz"), huge)})
    ntk_test::expect_data_error([&] { load(p, 0, 1); }, {p, "truncated IDX data", "4000000000 items"});
  const std::string longdata = idx_bytes(0x08, {4, 3}, iota_bytes(13));
  for (const std::string& p : {dir.write("l-ubyte", longdata),
                               write_gz(dir.file("l-ubyte.gz"), longdata)})
    ntk_test::expect_data_error([&] { load(p); }, {p, "data after the 4 announced items"});
  // A gzip stream cut short: zlib reports it, we name the file.
  std::string big(20000, '\0');
  for (std::size_t k = 0; k < big.size(); ++k) big[k] = char((k * k * 7 + k) % 251);
  const std::string full = write_gz(dir.file("full-ubyte.gz"),
                                    idx_bytes(0x08, {100, 200}, std::vector<unsigned char>(
                                                                    big.begin(), big.end())));
  const std::string gzbytes = ntk_test::run_command("cat '" + full + "'");
  BOOST_TEST(load(full).n == 100u);
  const std::string cut = dir.write("cut-ubyte.gz", gzbytes.substr(0, gzbytes.size() / 2));
  ntk_test::expect_data_error([&] { load(cut, 0, 1); }, {cut});
  const std::string tail_cut = dir.write("tail-ubyte.gz", gzbytes.substr(0, gzbytes.size() - 4));
  ntk_test::expect_data_error([&] { load(tail_cut); }, {tail_cut});
}

BOOST_AUTO_TEST_CASE(bad_headers) {
  ntk_test::scratch_dir dir;
  std::string p;
  p = dir.write("a-ubyte", "\x01\x02\x08\x01\x00\x00\x00\x01x");
  ntk_test::expect_data_error([&] { load(p); }, {p, "bad IDX magic number 0x01020801"});
  p = dir.write("csv-ubyte", "1,2,3\n4,5,6\n");
  ntk_test::expect_data_error([&] { load(p); }, {p, "bad IDX magic"});
  p = dir.write("f-ubyte", idx_bytes(0x0D, {1, 1}, {0, 0, 0, 0}));
  ntk_test::expect_data_error([&] { load(p); }, {p, "element type 0x0d"});
  p = dir.write("r0-ubyte", idx_bytes(0x08, {}, {1}));
  ntk_test::expect_data_error([&] { load(p); }, {p, "rank 0"});
  p = dir.write("n0-ubyte", idx_bytes(0x08, {0, 3}, {}));
  ntk_test::expect_data_error([&] { load(p); }, {p, "no items"});
  p = dir.write("h-ubyte", std::string("\x00\x00\x08\x03\x00\x00", 6));
  ntk_test::expect_data_error([&] { load(p); }, {p, "truncated IDX header"});
  p = dir.write("e-ubyte", "");
  ntk_test::expect_data_error([&] { load(p); }, {p, "empty"});
  p = dir.file("missing-ubyte.gz");
  ntk_test::expect_data_error([&] { load(p); }, {p, "cannot open"});
  p = dir.write("x-ubyte", idx_bytes(0x08, {2, 2}, iota_bytes(4)));
  ntk_test::expect_data_error([&] { load(p, 2); }, {p, "no rows selected"});
  ntk_test::expect_data_error([&] { load(p, 0, 0); }, {p, "no rows selected"});
}

BOOST_AUTO_TEST_SUITE_END()
