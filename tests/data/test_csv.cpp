#include <mpfr.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "data/load.hpp"
#include "test_util.hpp"

namespace {

// The correctly rounded double of a decimal string, by MPFR (independent of strtod).
double mpfr_decimal_to_double(const std::string& s) {
  mpfr_t m;
  mpfr_init2(m, 53);
  BOOST_REQUIRE(mpfr_set_str(m, s.c_str(), 10, MPFR_RNDN) == 0);
  const double v = mpfr_get_d(m, MPFR_RNDN);  // exact: m has 53 bits and is in the normal range
  mpfr_clear(m);
  return v;
}

ntk::dataset load(const std::string& path, std::size_t offset = 0,
                  std::optional<std::size_t> limit = std::nullopt) {
  return ntk::dataset_load(path, offset, limit);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(csv)

BOOST_AUTO_TEST_CASE(header_whitespace_crlf_trailing_blank_lines) {
  ntk_test::scratch_dir dir;
  const std::string p = dir.write("a.csv",
                                  "x, y ,z\r\n"
                                  " 1.5 ,-2,\t3e2\r\n"
                                  "0.1,+7,-0\r\n"
                                  "\r\n  \n\n");
  const ntk::dataset ds = load(p);
  BOOST_TEST(ds.n == 2u);
  BOOST_TEST(ds.d == 3u);
  BOOST_TEST(ds.source == p);
  BOOST_TEST(ds.first_row == 0u);
  BOOST_TEST(ds.scale_num == 1.0);
  BOOST_TEST(ds.scale_den == 1.0);
  const std::vector<double> want = {1.5, -2, 300, 0.1, 7, 0};
  BOOST_TEST(ds.x == want, boost::test_tools::per_element());
  BOOST_TEST(std::signbit(ds.x[5]));  // "-0" is -0.0, equal to 0 anyway
}

BOOST_AUTO_TEST_CASE(no_header_and_numeric_spellings) {
  ntk_test::scratch_dir dir;
  const std::string p = dir.write("b.csv", "1,2\n0x1p-3,1e-400\n4.9e-324,.5\n");
  const ntk::dataset ds = load(p);
  BOOST_TEST(ds.n == 3u);
  BOOST_TEST(ds.d == 2u);
  const std::vector<double> want = {1, 2, 0.125, 0.0, std::numeric_limits<double>::denorm_min(),
                                    0.5};
  BOOST_TEST(ds.x == want, boost::test_tools::per_element());
}

// A UTF-8 byte order mark (as some spreadsheet programs write) is not part of the first field.
BOOST_AUTO_TEST_CASE(byte_order_mark) {
  ntk_test::scratch_dir dir;
  const std::string bytes = "\xEF\xBB\xBF" "1,2\n3,4\n";
  const std::string p = dir.write("bom.csv", bytes);
  const ntk::dataset ds = load(p);
  BOOST_TEST(ds.n == 2u);
  BOOST_TEST(ds.x == (std::vector<double>{1, 2, 3, 4}), boost::test_tools::per_element());
  BOOST_TEST(ds.sha256 == ntk_test::run_command("sha256sum '" + p + "'").substr(0, 64));
}

// Random decimals with up to 25 digits: the stored double is the correctly rounded one.
BOOST_AUTO_TEST_CASE(random_decimals_correctly_rounded) {
  ntk_test::scratch_dir dir;
  std::mt19937_64 rng(7);
  std::vector<std::string> texts;
  std::string csv = "a,b,c,d\n";
  for (int r = 0; r < 200; ++r) {
    for (int c = 0; c < 4; ++c) {
      std::string digits;
      const int nd = 1 + int(rng() % 25);
      for (int k = 0; k < nd; ++k) digits += char('0' + rng() % 10);
      if (digits[0] == '0') digits[0] = '1';
      const int exp10 = int(rng() % 601) - 300;
      std::string t = rng() % 2 ? "-" : "+";
      t += digits[0];
      t += '.';
      t += digits.substr(1);
      t += 'e';
      t += std::to_string(exp10);
      texts.push_back(t);
      csv += t + (c == 3 ? "\n" : ",");
    }
  }
  const ntk::dataset ds = load(dir.write("r.csv", csv));
  BOOST_REQUIRE(ds.x.size() == texts.size());
  for (std::size_t k = 0; k < texts.size(); ++k) {
    BOOST_TEST_INFO(texts[k]);
    BOOST_TEST(ds.x[k] == mpfr_decimal_to_double(texts[k]));
  }
}

BOOST_AUTO_TEST_CASE(offset_and_limit) {
  ntk_test::scratch_dir dir;
  // Row 5 is bad, but only rows 2..3 are selected: values outside the selection are not parsed.
  const std::string p = dir.write("o.csv", "h1,h2\n1,1\n2,2\n3,3\n4,4\nnan,5\n");
  ntk::dataset ds = load(p, 1, 2);
  BOOST_TEST(ds.n == 2u);
  BOOST_TEST(ds.first_row == 1u);
  BOOST_TEST(ds.x == (std::vector<double>{2, 2, 3, 3}), boost::test_tools::per_element());
  // A limit beyond the end takes the rows up to the end, which here include the bad row 5.
  ntk_test::expect_data_error([&] { load(p, 3, 100); }, {p, "row 5 (line 6), column 1", "NaN"});
}

BOOST_AUTO_TEST_CASE(offset_limit_errors) {
  ntk_test::scratch_dir dir;
  const std::string p = dir.write("o.csv", "1,1\n2,2\n3,3\n");
  BOOST_TEST(load(p, 2).n == 1u);
  BOOST_TEST(load(p, 0, 10).n == 3u);
  ntk_test::expect_data_error([&] { load(p, 3); }, {p, "no rows selected", "offset 3", "3 data rows"});
  ntk_test::expect_data_error([&] { load(p, 0, 0); }, {p, "no rows selected", "limit is 0"});
}

BOOST_AUTO_TEST_CASE(sha256_of_file_bytes) {
  ntk_test::scratch_dir dir;
  const std::string p = dir.write("s.csv", "1,2\r\n3,4\r\n");
  const std::string want = ntk_test::run_command("sha256sum '" + p + "'").substr(0, 64);
  BOOST_TEST(load(p).sha256 == want);
  BOOST_TEST(load(p, 1).sha256 == want);  // of the file, whatever the selection
}

BOOST_AUTO_TEST_CASE(bad_files) {
  ntk_test::scratch_dir dir;
  const std::string missing = dir.file("missing.csv");
  ntk_test::expect_data_error([&] { load(missing); }, {missing, "cannot open", "No such file"});
  const std::string empty = dir.write("empty.csv", "");
  ntk_test::expect_data_error([&] { load(empty); }, {empty, "empty"});
  const std::string blank = dir.write("blank.csv", "\n \r\n\n");
  ntk_test::expect_data_error([&] { load(blank); }, {blank, "empty"});
  const std::string header = dir.write("header.csv", "a,b,c\r\n\r\n");
  ntk_test::expect_data_error([&] { load(header); }, {header, "header", "no data rows"});
  ntk_test::expect_data_error([&] { load(dir.path + "/sub.csv"); }, {"sub.csv", "cannot open"});
}

// Every bad value is reported with row (after the header), line and column.
BOOST_AUTO_TEST_CASE(bad_values_with_positions) {
  ntk_test::scratch_dir dir;
  struct bad_case {
    std::string field;
    std::vector<std::string> parts;
  };
  const std::vector<bad_case> cases = {
      {"nan", {"NaN"}},          {"NaN", {"NaN"}},         {"-nan", {"NaN"}},
      {"NAN(123)", {"NaN"}},     {"inf", {"infinity"}},    {"-Infinity", {"infinity"}},
      {"INF", {"infinity"}},     {"+inf", {"infinity"}},   {"1e999", {"overflows", "1e999"}},
      {"-1.8e308", {"overflows"}}, {"abc", {"not a number", "\"abc\""}},
      {"1.2.3", {"not a number"}}, {"0x", {"not a number"}}, {"1 2", {"not a number"}},
      {"\"4\"", {"not a number"}}, {"", {"empty field"}},   {"1e", {"not a number"}},
  };
  for (const auto& c : cases) {
    // Header, two good rows, then the bad field in row 3 (line 4), column 2.
    const std::string p =
        dir.write("v.csv", "c1,c2,c3\n1,2,3\n4,5,6\n7," + c.field + ",9\n10,11,12\n");
    BOOST_TEST_INFO("field '" << c.field << "'");
    ntk_test::expect_data_error([&] { load(p); }, {p, "row 3 (line 4), column 2"});
    for (const auto& part : c.parts)
      ntk_test::expect_data_error([&] { load(p); }, {part});
  }
  // Without a header the row number equals the line number.
  const std::string p = dir.write("w.csv", "1,2\n3,-inf\n");
  ntk_test::expect_data_error([&] { load(p); }, {p, "row 2 (line 2), column 2", "infinity"});
  // A first line whose non-numbers are all NaN/Inf spellings is data, not a header.
  const std::string q = dir.write("q.csv", "1,nan,3\n4,5,6\n");
  ntk_test::expect_data_error([&] { load(q); }, {q, "row 1 (line 1), column 2", "NaN"});
}

BOOST_AUTO_TEST_CASE(ragged_and_blank_rows) {
  ntk_test::scratch_dir dir;
  const std::string more = dir.write("m.csv", "a,b\n1,2\n3,4,5\n");
  ntk_test::expect_data_error([&] { load(more); },
                              {more, "row 2 (line 3)", "has 3 columns, expected 2"});
  const std::string fewer = dir.write("f.csv", "1,2,3\n4,5\n");
  ntk_test::expect_data_error([&] { load(fewer); },
                              {fewer, "row 2 (line 2)", "has 2 columns, expected 3"});
  const std::string trailing_comma = dir.write("t.csv", "1,2\n3,4,\n");
  ntk_test::expect_data_error([&] { load(trailing_comma); },
                              {trailing_comma, "row 2 (line 2)", "has 3 columns, expected 2"});
  const std::string blank_middle = dir.write("b.csv", "1,2\n\n3,4\n");
  ntk_test::expect_data_error([&] { load(blank_middle); },
                              {blank_middle, "row 2 (line 2)", "blank line"});
}

BOOST_AUTO_TEST_SUITE_END()
