#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "data/load.hpp"
#include "test_util.hpp"

namespace {

// An .npy file as numpy writes it: magic, version, header length, dict padded to 64 bytes.
std::string npy_bytes(int major, const std::string& descr, bool fortran, const std::string& shape,
                      const std::string& payload) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                     ", 'shape': " + shape + ", }";
  const std::size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += char(0);
  const std::size_t len = dict.size();
  out += char(len & 0xff);
  out += char((len >> 8) & 0xff);
  if (major != 1) {
    out += char((len >> 16) & 0xff);
    out += char((len >> 24) & 0xff);
  }
  return out + dict + payload;
}

template <class T>
std::string raw(const std::vector<T>& v) {
  std::string s(v.size() * sizeof(T), '\0');
  std::memcpy(s.data(), v.data(), s.size());  // little-endian host, as '<' requires
  return s;
}

ntk::dataset load(const std::string& path, std::size_t offset = 0,
                  std::optional<std::size_t> limit = std::nullopt) {
  return ntk::dataset_load(path, offset, limit);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(npy)

BOOST_AUTO_TEST_CASE(float64_all_versions) {
  ntk_test::scratch_dir dir;
  const std::vector<double> v = {1.5, -0.0, 0.1, std::numeric_limits<double>::denorm_min(),
                                 -1e300, 3.0};
  for (int major : {1, 2, 3}) {
    const std::string p =
        dir.write("a" + std::to_string(major) + ".npy", npy_bytes(major, "<f8", false, "(2, 3)", raw(v)));
    const ntk::dataset ds = load(p);
    BOOST_TEST(ds.n == 2u);
    BOOST_TEST(ds.d == 3u);
    BOOST_TEST(ds.x == v, boost::test_tools::per_element());
    BOOST_TEST(std::signbit(ds.x[1]));
    BOOST_TEST(ds.sha256 == ntk_test::run_command("sha256sum '" + p + "'").substr(0, 64));
  }
}

BOOST_AUTO_TEST_CASE(float32_widened_exactly) {
  ntk_test::scratch_dir dir;
  const std::vector<float> v = {0.1f, -3.25f, std::numeric_limits<float>::denorm_min(), 1e38f};
  const std::string p = dir.write("f.npy", npy_bytes(1, "<f4", false, "(4, 1)", raw(v)));
  const ntk::dataset ds = load(p);
  BOOST_TEST(ds.n == 4u);
  BOOST_TEST(ds.d == 1u);
  for (std::size_t k = 0; k < v.size(); ++k) BOOST_TEST(ds.x[k] == double(v[k]));
  BOOST_TEST(ds.x[0] == 0.100000001490116119384765625);  // float 0.1, exactly
  BOOST_TEST(ds.x[2] == std::ldexp(1.0, -149));
}

BOOST_AUTO_TEST_CASE(offset_limit) {
  ntk_test::scratch_dir dir;
  std::vector<double> v(5 * 2);
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = double(k) + 0.5;
  const std::string p = dir.write("o.npy", npy_bytes(1, "<f8", false, "(5, 2)", raw(v)));
  const ntk::dataset ds = load(p, 3, 1);
  BOOST_TEST(ds.n == 1u);
  BOOST_TEST(ds.first_row == 3u);
  BOOST_TEST(ds.x == (std::vector<double>{6.5, 7.5}), boost::test_tools::per_element());
  BOOST_TEST(load(p, 2).n == 3u);
  ntk_test::expect_data_error([&] { load(p, 5); }, {p, "no rows selected"});
  ntk_test::expect_data_error([&] { load(p, 0, 0); }, {p, "no rows selected"});
}

BOOST_AUTO_TEST_CASE(bad_arrays) {
  ntk_test::scratch_dir dir;
  const std::string six = raw(std::vector<double>{1, 2, 3, 4, 5, 6});
  auto write = [&](const std::string& bytes) { return dir.write("bad.npy", bytes); };
  std::string p;
  p = write(npy_bytes(1, ">f8", false, "(2, 3)", six));
  ntk_test::expect_data_error([&] { load(p); }, {p, "dtype '>f8'"});
  p = write(npy_bytes(1, "<i4", false, "(2, 3)", six));
  ntk_test::expect_data_error([&] { load(p); }, {p, "dtype '<i4'"});
  p = write(npy_bytes(1, "|u1", false, "(2, 3)", six));
  ntk_test::expect_data_error([&] { load(p); }, {p, "dtype"});
  p = write(npy_bytes(1, "<f8", true, "(2, 3)", six));
  ntk_test::expect_data_error([&] { load(p); }, {p, "Fortran order"});
  p = write(npy_bytes(1, "<f8", false, "(6,)", six));
  ntk_test::expect_data_error([&] { load(p); }, {p, "shape (6,)", "2-D"});
  p = write(npy_bytes(1, "<f8", false, "(1, 2, 3)", six));
  ntk_test::expect_data_error([&] { load(p); }, {p, "shape (1, 2, 3)", "2-D"});
  p = write(npy_bytes(1, "<f8", false, "(2, 3)", six.substr(0, 47)));
  ntk_test::expect_data_error([&] { load(p); }, {p, "truncated"});
  p = write(npy_bytes(1, "<f8", false, "(3, 3)", six));
  ntk_test::expect_data_error([&] { load(p); }, {p, "truncated"});
  p = write(npy_bytes(1, "<f8", false, "(2, 3)", six + "xx"));
  ntk_test::expect_data_error([&] { load(p); }, {p, "2 bytes after the array data"});
  p = write(npy_bytes(1, "<f8", false, "(0, 3)", ""));
  ntk_test::expect_data_error([&] { load(p); }, {p, "no rows"});
  p = write(npy_bytes(4, "<f8", false, "(2, 3)", six));
  ntk_test::expect_data_error([&] { load(p); }, {p, "version 4"});
  p = write("PK\x03\x04 not numpy at all");
  ntk_test::expect_data_error([&] { load(p); }, {p, "not an npy file"});
  std::string cut = npy_bytes(1, "<f8", false, "(2, 3)", six);
  p = write(cut.substr(0, 30));
  ntk_test::expect_data_error([&] { load(p); }, {p, "truncated npy header"});
  p = write(npy_bytes(1, "<f8", false, "[2, 3]", six));
  ntk_test::expect_data_error([&] { load(p); }, {p, "malformed npy header"});
  p = write("");
  ntk_test::expect_data_error([&] { load(p); }, {p, "empty"});
  ntk_test::expect_data_error([&] { load(dir.file("none.npy")); }, {"none.npy", "cannot open"});
}

BOOST_AUTO_TEST_CASE(non_finite_values_with_positions) {
  ntk_test::scratch_dir dir;
  std::vector<double> v = {1, 2, 3, 4, 5, std::nan("")};
  std::string p = dir.write("n.npy", npy_bytes(1, "<f8", false, "(2, 3)", raw(v)));
  ntk_test::expect_data_error([&] { load(p); }, {p, "row 2, column 3", "NaN"});
  BOOST_TEST(load(p, 0, 1).n == 1u);  // the bad value lies outside the selection
  v[5] = 6;
  v[1] = -std::numeric_limits<double>::infinity();
  p = dir.write("i.npy", npy_bytes(2, "<f8", false, "(2, 3)", raw(v)));
  ntk_test::expect_data_error([&] { load(p); }, {p, "row 1, column 2", "infinity"});
  std::vector<float> f = {1, 2, 3, std::numeric_limits<float>::infinity()};
  p = dir.write("f.npy", npy_bytes(1, "<f4", false, "(2, 2)", raw(f)));
  ntk_test::expect_data_error([&] { load(p); }, {p, "row 2, column 2", "infinity"});
}

BOOST_AUTO_TEST_SUITE_END()
