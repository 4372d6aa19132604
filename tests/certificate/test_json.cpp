// JSON value, dump and parse (nlohmann-json underneath): round trips (random doubles bit for bit,
// subnormals included), shortest number output, escapes, duplicate keys, malformed input with
// positions.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "certificate/json.hpp"

namespace json = ntk::json;

namespace {

std::uint64_t bits(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

double from_bits(std::uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

void expect_parse_error(const std::string& text, const std::string& fragment = "") {
  try {
    json::parse(text);
  } catch (const json::parse_error& e) {
    if (!fragment.empty())
      BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, "message '" << e.what() << "' lacks '" << fragment << "'");
    return;
  }
  BOOST_ERROR("no parse_error for: " << text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_value)

BOOST_AUTO_TEST_CASE(kinds_and_accessors) {
  json::value n;
  BOOST_TEST(n.is_null());
  BOOST_TEST(json::value(true).as_bool());
  BOOST_TEST(json::value(3).as_number() == 3.0);
  BOOST_TEST(json::value(-3L).as_integer() == -3);
  BOOST_TEST(json::value(7UL).as_integer() == 7);
  BOOST_TEST(json::value(0.25).as_number() == 0.25);
  BOOST_TEST(json::value("abc").as_string() == "abc");
  BOOST_TEST(json::value(std::string("xyz")).as_string() == "xyz");
  BOOST_TEST(json::value::object().is_object());
  BOOST_TEST(json::value::array().is_array());
  BOOST_CHECK_THROW(json::value(1).as_string(), json::type_error);
  BOOST_CHECK_THROW(json::value("1").as_number(), json::type_error);
  BOOST_CHECK_THROW(json::value(1.5).as_integer(), json::type_error);
  BOOST_CHECK_THROW(json::value(1e300).as_integer(), json::type_error);
  BOOST_CHECK_THROW(json::value().as_bool(), json::type_error);
  BOOST_CHECK_THROW(json::value(true).as_array(), json::type_error);
  BOOST_CHECK_THROW(json::value(true).as_object(), json::type_error);
  try {
    json::value(1).as_string();
  } catch (const json::type_error& e) {
    BOOST_TEST(std::string(e.what()) == "expected a string, found a number");
  }
  // Integers beyond 2^53 have no exact double.
  BOOST_CHECK_NO_THROW(json::value(9007199254740992ULL));
  BOOST_CHECK_THROW(json::value(9007199254740993ULL), json::type_error);
  BOOST_CHECK_NO_THROW(json::value(-9007199254740992LL));
  BOOST_CHECK_THROW(json::value(-9007199254740993LL), json::type_error);
  BOOST_CHECK_THROW(json::value(std::numeric_limits<long long>::min()), json::type_error);
}

BOOST_AUTO_TEST_CASE(object_members_keep_order) {
  json::value v;  // null becomes an object on operator[]
  v["zeta"] = 1;
  v["alpha"] = "two";
  v["mid"]["inner"] = true;
  v["zeta"] = 5;  // existing key: replaced in place
  const auto& o = v.as_object();
  BOOST_TEST(o.size() == 3u);
  BOOST_TEST(o[0].first == "zeta");
  BOOST_TEST(o[1].first == "alpha");
  BOOST_TEST(o[2].first == "mid");
  BOOST_TEST(v.find("zeta")->as_number() == 5.0);
  BOOST_TEST(v.find("nope") == nullptr);
  BOOST_TEST(v.at("mid").at("inner").as_bool());
  BOOST_CHECK_THROW(v.at("nope"), json::type_error);
  BOOST_TEST(json::dump(v, 0) == R"({"zeta":5,"alpha":"two","mid":{"inner":true}})");
  json::value num(1);
  BOOST_CHECK_THROW(num["x"], json::type_error);
  BOOST_CHECK_THROW(num.find("x"), json::type_error);
}

BOOST_AUTO_TEST_CASE(arrays) {
  json::value a;
  a.push_back(1);
  a.push_back("x");
  a.push_back(json::value::object());
  BOOST_TEST(a.is_array());
  BOOST_TEST(a.size() == 3u);
  BOOST_TEST(a[1].as_string() == "x");
  BOOST_CHECK_THROW(a[3], json::type_error);
  BOOST_CHECK_THROW(json::value("s").push_back(1), json::type_error);
  BOOST_TEST(json::dump(a, 0) == R"([1,"x",{}])");
}

BOOST_AUTO_TEST_CASE(dump_numbers) {
  BOOST_TEST(json::dump(json::value(0)) == "0");
  BOOST_TEST(json::dump(json::value(-0.0)) == "-0");
  BOOST_TEST(json::dump(json::value(42.0)) == "42");
  BOOST_TEST(json::dump(json::value(-1234567890123.0)) == "-1234567890123");
  BOOST_TEST(json::dump(json::value(9007199254740991.0)) == "9007199254740991");
  BOOST_TEST(json::dump(json::value(0.1)) == "0.1");
  BOOST_TEST(json::dump(json::value(1e300)) == "1e+300");
  BOOST_TEST(json::dump(json::value(std::nan(""))) == "null");
  BOOST_TEST(json::dump(json::value(std::numeric_limits<double>::infinity())) == "null");
  BOOST_TEST(json::dump(json::value(-std::numeric_limits<double>::infinity())) == "null");
}

BOOST_AUTO_TEST_CASE(random_doubles_round_trip_bit_for_bit) {
  std::mt19937_64 rng(20240601);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> expo(-1070, 1020);
  json::value arr = json::value::array();
  std::vector<double> xs;
  for (int k = 0; k < 20000; ++k) {
    double x;
    switch (k % 5) {
      case 0: x = from_bits(rng()); break;  // any bit pattern (NaN/inf excluded below)
      case 1: x = std::ldexp(unit(rng), expo(rng)); break;
      case 2: x = std::round(unit(rng) * 1e15); break;  // integers
      case 3: x = from_bits(rng() & 0x800FFFFFFFFFFFFFull); break;  // subnormals
      default: x = std::nextafter(std::ldexp(1.0, expo(rng)), 0.0); break;
    }
    if (!std::isfinite(x)) x = 0.5;
    xs.push_back(x);
    arr.push_back(x);
  }
  for (int indent : {0, 2}) {
    json::value back = json::parse(json::dump(arr, indent));
    BOOST_REQUIRE(back.size() == xs.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (bits(back[i].as_number()) != bits(xs[i])) ++mismatches;
    BOOST_TEST(mismatches == 0u);
  }
  // Extremes.
  for (double x : {std::numeric_limits<double>::max(), std::numeric_limits<double>::min(),
                   std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::denorm_min(), 9007199254740992.0,
                   9007199254740994.0, -0.0})
    BOOST_TEST(bits(json::parse(json::dump(json::value(x))).as_number()) == bits(x));
}

BOOST_AUTO_TEST_CASE(parse_numbers_correctly_rounded) {
  // Independent reference: these decimal strings and their nearest doubles are standard cases.
  BOOST_TEST(json::parse("0.1").as_number() == 0.1);
  BOOST_TEST(json::parse("-2.5e-3").as_number() == -2.5e-3);
  BOOST_TEST(json::parse("1E2").as_number() == 100.0);
  BOOST_TEST(json::parse("1e+2").as_number() == 100.0);
  // Halfway between 1 and 1+2^-52 rounds to even (1).
  BOOST_TEST(json::parse("1.00000000000000011102230246251565404236316680908203125").as_number() == 1.0);
  // Just above the halfway point rounds up.
  BOOST_TEST(json::parse("1.00000000000000011102230246251565404236316680908203126").as_number() ==
             std::nextafter(1.0, 2.0));
  BOOST_TEST(json::parse("4.9406564584124654e-324").as_number() == std::numeric_limits<double>::denorm_min());
  expect_parse_error("1e400", "out of the range");
  expect_parse_error("-1e400", "out of the range");
  expect_parse_error("1e-400", "out of the range");
}

BOOST_AUTO_TEST_CASE(parse_numbers_in_every_context) {
  // Negative zero keeps its sign, also where nlohmann's lexer sees an integer.
  for (const char* t : {"-0", "[-0]", "{\"z\": -0}", "-0.0", "-0e5", " -0 "}) {
    json::value v = json::parse(t);
    const json::value& x = v.is_array() ? v[0] : v.is_object() ? v.at("z") : v;
    BOOST_TEST((x.as_number() == 0.0 && std::signbit(x.as_number())), t);
  }
  BOOST_TEST(!std::signbit(json::parse("0").as_number()));
  // Integers beyond 2^53 and beyond 2^64 round to the nearest double (ties to even).
  BOOST_TEST(json::parse("9007199254740993").as_number() == 9007199254740992.0);
  BOOST_TEST(json::parse("9007199254740995").as_number() == 9007199254740996.0);
  BOOST_TEST(json::parse("-9223372036854775809").as_number() == -9223372036854775808.0);
  BOOST_TEST(json::parse("18446744073709551617").as_number() == 18446744073709551616.0);
  BOOST_TEST(json::parse("1" + std::string(308, '0')).as_number() == 1e308);
  expect_parse_error("[1, 2" + std::string(309, '0') + "]", "line 1, column 5: number 2");
  // A number at the very end of the text and before each kind of delimiter.
  json::value v = json::parse("{\"a\":[1,-2.5e-1 ,3e2\n],\"b\":4\t,\"c\":{\"d\":5}}");
  BOOST_TEST(v.at("a")[0].as_number() == 1.0);
  BOOST_TEST(v.at("a")[1].as_number() == -0.25);
  BOOST_TEST(v.at("a")[2].as_number() == 300.0);
  BOOST_TEST(v.at("b").as_number() == 4.0);
  BOOST_TEST(v.at("c").at("d").as_number() == 5.0);
  BOOST_TEST(json::parse("12").as_number() == 12.0);
  BOOST_TEST(json::parse("[12]")[0].as_number() == 12.0);
}

// Independent reference for reading: the C library's strtod (glibc rounds correctly) on the same
// decimal text, printed by snprintf with a random number of significant digits.
BOOST_AUTO_TEST_CASE(random_decimals_read_as_strtod_does) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> digits(1, 25);
  std::size_t mismatches = 0, checked = 0;
  for (int k = 0; k < 20000; ++k) {
    std::uint64_t u = rng();
    if (k % 3 == 0) u &= 0x800FFFFFFFFFFFFFull;  // subnormals (and zeros)
    double x = from_bits(u);
    if (!std::isfinite(x)) continue;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*e", digits(rng) - 1, x);
    double want = std::strtod(buf, nullptr);
    if (want == 0.0 && x != 0.0) continue;  // rounded to zero: refused as out of range
    double got = json::parse(std::string("[") + buf + "]")[0].as_number();
    ++checked;
    if (bits(got) != bits(want)) ++mismatches;
  }
  BOOST_TEST(checked > 15000u);
  BOOST_TEST(mismatches == 0u);
}

// dump writes the shortest decimal that reads back to the same double: it reads back exactly
// (strtod as the independent reader), and one significant digit fewer, correctly rounded by
// snprintf, does not (or is no shorter). Random bit patterns, subnormals and integers.
BOOST_AUTO_TEST_CASE(random_doubles_shortest_and_exact) {
  std::mt19937_64 rng(20261203);
  std::size_t not_exact = 0, not_shortest = 0;
  for (int k = 0; k < 30000; ++k) {
    std::uint64_t u = rng();
    if (k % 3 == 1) u &= 0x800FFFFFFFFFFFFFull;  // subnormals
    double x = from_bits(u);
    if (k % 3 == 2) x = std::ldexp(static_cast<double>(static_cast<std::int64_t>(u >> 11) - (1LL << 52)), -(k % 60));
    if (!std::isfinite(x)) continue;
    std::string t = json::dump(json::value(x));
    if (bits(std::strtod(t.c_str(), nullptr)) != bits(x)) ++not_exact;
    // Significant digits of t.
    std::string mant = t.substr(0, t.find_first_of("eE"));
    int sig = 0;
    bool leading = true;
    for (char c : mant) {
      if (c >= '1' && c <= '9') leading = false;
      if (c >= '0' && c <= '9' && !leading) ++sig;
    }
    // Plain integers (no '.', no exponent) print all their digits, which may be more than needed.
    if (t.find_first_of(".eE") != std::string::npos) {
      if (sig > 1) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*e", sig - 2, x);
        if (bits(std::strtod(buf, nullptr)) == bits(x)) ++not_shortest;
      }
    }
  }
  BOOST_TEST(not_exact == 0u);
  BOOST_TEST(not_shortest == 0u);
}

BOOST_AUTO_TEST_CASE(strings_escape_and_utf8) {
  std::string s = "q\"b\\s/\b\f\n\r\t";
  s += '\x01';
  s += '\x1f';
  s += '\x7f';  // DEL is not a control character in JSON (RFC 8259 §7) and is copied
  s += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  // é € 😀 as UTF-8
  std::string d = json::dump(json::value(s));
  BOOST_TEST(d == "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  BOOST_TEST(json::parse(d).as_string() == s);
  // \u escapes decode to UTF-8, surrogate pairs included.
  BOOST_TEST(json::parse(R"("\u00e9\u20AC\ud83d\ude00\/")").as_string() == "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/");
  BOOST_TEST(json::parse(R"("\u0000")").as_string() == std::string(1, '\0'));
  std::string with_nul("a\0b", 3);
  BOOST_TEST(json::parse(json::dump(json::value(with_nul))).as_string() == with_nul);
  // JSON text is UTF-8 (RFC 8259 §8.1): bytes that are not are refused on output and on input.
  BOOST_CHECK_THROW(json::dump(json::value("caf\xe9")), json::error);
  BOOST_CHECK_THROW(json::dump(json::value("\xc3")), json::error);
  expect_parse_error("\"caf\xe9\"", "UTF-8");
  expect_parse_error("{\"\xff\": 1}", "UTF-8");
}

BOOST_AUTO_TEST_CASE(nested_round_trip_and_layout) {
  json::value v;
  v["format"]["name"] = "ntkcert-certificate";
  v["format"]["version"] = 1;
  v["list"] = json::value::array();
  v["list"].push_back(1.5);
  v["list"].push_back(json::value());
  v["list"].push_back(false);
  v["nested"] = json::value::array();
  v["nested"].push_back(json::value::object());
  v["nested"].push_back(json::value::array());
  v["nested"][0]["k"] = "v";
  std::string pretty = json::dump(v);
  BOOST_TEST(pretty ==
             "{\n"
             "  \"format\": {\n"
             "    \"name\": \"ntkcert-certificate\",\n"
             "    \"version\": 1\n"
             "  },\n"
             "  \"list\": [1.5, null, false],\n"
             "  \"nested\": [\n"
             "    {\n"
             "      \"k\": \"v\"\n"
             "    },\n"
             "    []\n"
             "  ]\n"
             "}");
  BOOST_TEST((json::parse(pretty) == v));
  BOOST_TEST((json::parse(json::dump(v, 0)) == v));
  BOOST_TEST((json::parse(json::dump(v, 4)) == v));
  BOOST_TEST((json::parse(" \r\n\t" + json::dump(v, 0) + " \n") == v));
}

BOOST_AUTO_TEST_CASE(malformed_inputs) {
  // The wording is nlohmann-json's; the position ("line L, column C: ") is ours.
  expect_parse_error("", "line 1, column 1: ");
  expect_parse_error("   ", "unexpected end of input");
  expect_parse_error("{", "unexpected end of input");
  expect_parse_error("[1,]", "line 1, column 4: ");
  expect_parse_error("[1 2]", "expected ']'");
  expect_parse_error("{\"a\" 1}", "expected ':'");
  expect_parse_error("{\"a\":1,}", "expected string literal");
  expect_parse_error("{a:1}", "expected string literal");
  expect_parse_error("{\"a\":1}x", "expected end of input");
  expect_parse_error("{\"a\":1} {}", "line 1, column 9: ");
  expect_parse_error("tru", "invalid literal");
  expect_parse_error("nul", "invalid literal");
  expect_parse_error("True", "invalid literal");
  expect_parse_error("01", "line 1, column 2: ");  // a second number after "0"
  expect_parse_error("-0.", "invalid number");
  expect_parse_error("-", "digit");
  expect_parse_error("1.", "digit after '.'");
  expect_parse_error(".5", "invalid literal");
  expect_parse_error("1e", "exponent");
  expect_parse_error("+1", "invalid literal");
  expect_parse_error("NaN", "invalid literal");
  expect_parse_error("Infinity", "invalid literal");
  expect_parse_error("[1, null, -inf]", "line 1, column 12: ");
  expect_parse_error("\"abc", "missing closing quote");
  expect_parse_error("\"a\\x\"", "after backslash");
  expect_parse_error("\"\\u12g4\"", "4 hex digits");
  expect_parse_error("\"\\u12\"", "4 hex digits");
  expect_parse_error("\"\\ud800\"", "surrogate");
  expect_parse_error("\"\\udc00\"", "surrogate");
  expect_parse_error("\"\\ud800\\u0041\"", "surrogate");
  expect_parse_error("\"a\nb\"", "control character");
  expect_parse_error("{\"a\":1,\"a\":2}", "line 1, column 8: duplicate member 'a'");
  expect_parse_error("{\"x\": {\"a\\\"b\": 1,\n \"a\\\"b\": 2}}", "line 2, column 2: duplicate member 'a\"b'");
  // The position is the key's opening quote, found past escaped quotes and backslashes.
  expect_parse_error(R"([{"p": 1, "\\\"q": 2, "\\\"q": 3}])", R"(line 1, column 23: duplicate member '\"q')");
  BOOST_CHECK_NO_THROW(json::parse(R"({"a": {"a": 1}, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]})"));
  expect_parse_error(std::string(600, '[') + std::string(600, ']'), "nesting");
  BOOST_CHECK_NO_THROW(json::parse(std::string(500, '[') + std::string(500, ']')));
  // Line and column of the error.
  try {
    json::parse("{\n  \"a\": 1,\n  \"b\": tx\n}");
    BOOST_ERROR("no error");
  } catch (const json::parse_error& e) {
    // The byte where the lexer stopped: the 'x' of "tx".
    BOOST_TEST(e.line == 3u);
    BOOST_TEST(e.column == 9u);
    BOOST_TEST(std::string(e.what()).rfind("line 3, column 9: ", 0) == 0);
  }
}

BOOST_AUTO_TEST_SUITE_END()
