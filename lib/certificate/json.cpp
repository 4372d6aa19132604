#include "certificate/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_set>

namespace ntk::json {

namespace {

constexpr double two53 = 9007199254740992.0;  // 2^53: every integer up to here is a double

template <class Int>
double exact_integer(Int x) {
  // Compare in the integer type: converting first could round 2^53 + 1 down to 2^53.
  constexpr unsigned long long lim = 9007199254740992ULL;
  bool ok;
  if constexpr (std::is_signed_v<Int>)
    ok = x >= 0 ? static_cast<unsigned long long>(x) <= lim
                : static_cast<unsigned long long>(-(x + 1)) + 1ULL <= lim;
  else
    ok = static_cast<unsigned long long>(x) <= lim;
  if (!ok) throw type_error("integer " + std::to_string(x) + " exceeds 2^53 and has no exact JSON number");
  return static_cast<double>(x);
}

[[noreturn]] void wrong_kind(kind expected, kind found) {
  throw type_error(std::string("expected ") + (expected == kind::array || expected == kind::object ? "an " : "a ") +
                   kind_name(expected) + ", found " + (found == kind::array || found == kind::object ? "an " : "a ") +
                   kind_name(found));
}

}  // namespace

parse_error::parse_error(const std::string& what, std::size_t line_, std::size_t column_)
    : error("line " + std::to_string(line_) + ", column " + std::to_string(column_) + ": " + what),
      line(line_),
      column(column_) {}

const char* kind_name(kind k) {
  switch (k) {
    case kind::null: return "null";
    case kind::boolean: return "boolean";
    case kind::number: return "number";
    case kind::string: return "string";
    case kind::array: return "array";
    case kind::object: return "object";
  }
  return "?";
}

value::value(bool b) : kind_(kind::boolean), bool_(b) {}
value::value(int x) : kind_(kind::number), number_(exact_integer(x)) {}
value::value(long x) : kind_(kind::number), number_(exact_integer(x)) {}
value::value(long long x) : kind_(kind::number), number_(exact_integer(x)) {}
value::value(unsigned x) : kind_(kind::number), number_(exact_integer(x)) {}
value::value(unsigned long x) : kind_(kind::number), number_(exact_integer(x)) {}
value::value(unsigned long long x) : kind_(kind::number), number_(exact_integer(x)) {}
value::value(double x) : kind_(kind::number), number_(x) {}
value::value(const char* s) : kind_(kind::string), string_(s) {}
value::value(std::string s) : kind_(kind::string), string_(std::move(s)) {}
value::value(std::string_view s) : kind_(kind::string), string_(s) {}

value::value(const value&) = default;
value::value(value&&) noexcept = default;
value& value::operator=(const value&) = default;
value& value::operator=(value&&) noexcept = default;
value::~value() = default;

value value::object() {
  value v;
  v.kind_ = kind::object;
  return v;
}

value value::array() {
  value v;
  v.kind_ = kind::array;
  return v;
}

bool value::as_bool() const {
  if (kind_ != kind::boolean) wrong_kind(kind::boolean, kind_);
  return bool_;
}

double value::as_number() const {
  if (kind_ != kind::number) wrong_kind(kind::number, kind_);
  return number_;
}

long long value::as_integer() const {
  double x = as_number();
  if (!(std::fabs(x) <= two53) || std::trunc(x) != x)
    throw type_error("expected an integer, found the number " + dump(*this));
  return static_cast<long long>(x);
}

const std::string& value::as_string() const {
  if (kind_ != kind::string) wrong_kind(kind::string, kind_);
  return string_;
}

const value::array_type& value::as_array() const {
  if (kind_ != kind::array) wrong_kind(kind::array, kind_);
  return array_;
}

value::array_type& value::as_array() {
  if (kind_ != kind::array) wrong_kind(kind::array, kind_);
  return array_;
}

const value::object_type& value::as_object() const {
  if (kind_ != kind::object) wrong_kind(kind::object, kind_);
  return object_;
}

value::object_type& value::as_object() {
  if (kind_ != kind::object) wrong_kind(kind::object, kind_);
  return object_;
}

value& value::operator[](const std::string& key) {
  if (kind_ == kind::null) kind_ = kind::object;
  if (value* v = find(key)) return *v;
  object_.emplace_back(key, value());
  return object_.back().second;
}

const value* value::find(const std::string& key) const {
  for (const auto& [k, v] : as_object())
    if (k == key) return &v;
  return nullptr;
}

value* value::find(const std::string& key) {
  for (auto& [k, v] : as_object())
    if (k == key) return &v;
  return nullptr;
}

const value& value::at(const std::string& key) const {
  if (const value* v = find(key)) return *v;
  throw type_error("missing member '" + key + "'");
}

void value::push_back(value v) {
  if (kind_ == kind::null) kind_ = kind::array;
  as_array().push_back(std::move(v));
}

const value& value::operator[](std::size_t i) const {
  const auto& a = as_array();
  if (i >= a.size())
    throw type_error("index " + std::to_string(i) + " out of range for an array of " + std::to_string(a.size()));
  return a[i];
}

value& value::operator[](std::size_t i) {
  auto& a = as_array();
  if (i >= a.size())
    throw type_error("index " + std::to_string(i) + " out of range for an array of " + std::to_string(a.size()));
  return a[i];
}

std::size_t value::size() const {
  if (kind_ == kind::array) return array_.size();
  if (kind_ == kind::object) return object_.size();
  return 0;
}

bool operator==(const value& a, const value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case kind::null: return true;
    case kind::boolean: return a.bool_ == b.bool_;
    case kind::number: return a.number_ == b.number_;
    case kind::string: return a.string_ == b.string_;
    case kind::array: return a.array_ == b.array_;
    case kind::object: return a.object_ == b.object_;
  }
  return false;
}

// ------------------------------------------------------------------------------------------ dump

namespace {

void dump_number(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out += "null";
    return;
  }
  char buf[64];
  if (std::fabs(x) < two53 && std::trunc(x) == x) {
    // Exact integer: print all digits, never in exponent form.
    long long i = static_cast<long long>(x);
    if (i == 0 && std::signbit(x)) {
      out += "-0";
      return;
    }
    auto r = std::to_chars(buf, buf + sizeof buf, i);
    out.append(buf, r.ptr);
    return;
  }
  // Shortest representation that reads back to x (round-trip guarantee of to_chars).
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

void dump_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

bool scalar(const value& v) { return !v.is_array() && !v.is_object(); }

void dump_value(std::string& out, const value& v, int indent, int level) {
  auto newline = [&](int lvl) {
    out += '\n';
    out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(lvl), ' ');
  };
  switch (v.type()) {
    case kind::null: out += "null"; return;
    case kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case kind::number: dump_number(out, v.as_number()); return;
    case kind::string: dump_string(out, v.as_string()); return;
    case kind::array: {
      const auto& a = v.as_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      bool flat = indent <= 0;
      bool inline_scalars = !flat;
      for (const auto& e : a) inline_scalars = inline_scalars && scalar(e);
      out += '[';
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out += inline_scalars ? ", " : ",";
        if (!flat && !inline_scalars) newline(level + 1);
        dump_value(out, a[i], indent, level + 1);
      }
      if (!flat && !inline_scalars) newline(level);
      out += ']';
      return;
    }
    case kind::object: {
      const auto& o = v.as_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      bool flat = indent <= 0;
      out += '{';
      for (std::size_t i = 0; i < o.size(); ++i) {
        if (i) out += ',';
        if (!flat) newline(level + 1);
        dump_string(out, o[i].first);
        out += flat ? ":" : ": ";
        dump_value(out, o[i].second, indent, level + 1);
      }
      if (!flat) newline(level);
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string dump(const value& v, int indent) {
  std::string out;
  dump_value(out, v, indent, 0);
  return out;
}

// ----------------------------------------------------------------------------------------- parse

namespace {

class parser {
 public:
  explicit parser(std::string_view t) : text_(t) {}

  value run() {
    skip_ws();
    value v = parse_value(0);
    skip_ws();
    if (pos_ != text_.size()) fail("unexpected '" + show(text_[pos_]) + "' after the JSON value");
    return v;
  }

 private:
  static constexpr int max_depth = 512;
  std::string_view text_;
  std::size_t pos_ = 0;

  static std::string show(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      return buf;
    }
    return std::string(1, c);
  }

  [[noreturn]] void fail_at(std::size_t at, const std::string& what) const {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw parse_error(what, line, col);
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }

  void expect(char c) {
    if (at_end()) fail(std::string("expected '") + c + "', found the end of the text");
    if (peek() != c) fail(std::string("expected '") + c + "', found '" + show(peek()) + "'");
    ++pos_;
  }

  value parse_value(int depth) {
    if (at_end()) fail("expected a value, found the end of the text");
    char c = peek();
    switch (c) {
      case '{': return parse_object(depth + 1);
      case '[': return parse_array(depth + 1);
      case '"': return value(parse_string());
      case 't': literal("true"); return value(true);
      case 'f': literal("false"); return value(false);
      case 'n': literal("null"); return value();
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
        fail("expected a value, found '" + show(c) + "'");
    }
  }

  void literal(const char* word) {
    std::size_t n = std::strlen(word);
    if (text_.substr(pos_, n) != word) fail(std::string("invalid literal (expected '") + word + "')");
    pos_ += n;
  }

  value parse_object(int depth) {
    if (depth > max_depth) fail("nesting deeper than 512 levels");
    ++pos_;  // '{'
    value obj = value::object();
    auto& members = obj.as_object();
    std::unordered_set<std::string> seen;
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return obj;
    }
    for (;;) {
      skip_ws();
      if (at_end() || peek() != '"') fail(at_end() ? "expected a member name, found the end of the text"
                                                   : "expected a member name in double quotes, found '" + show(peek()) + "'");
      std::size_t key_pos = pos_;
      std::string key = parse_string();
      if (!seen.insert(key).second) fail_at(key_pos, "duplicate member '" + key + "'");
      skip_ws();
      expect(':');
      skip_ws();
      value v = parse_value(depth);
      members.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (at_end()) fail("expected ',' or '}', found the end of the text");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return obj;
      }
      fail("expected ',' or '}', found '" + show(peek()) + "'");
    }
  }

  value parse_array(int depth) {
    if (depth > max_depth) fail("nesting deeper than 512 levels");
    ++pos_;  // '['
    value arr = value::array();
    auto& elems = arr.as_array();
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return arr;
    }
    for (;;) {
      skip_ws();
      elems.push_back(parse_value(depth));
      skip_ws();
      if (at_end()) fail("expected ',' or ']', found the end of the text");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return arr;
      }
      fail("expected ',' or ']', found '" + show(peek()) + "'");
    }
  }

  unsigned hex4() {
    if (pos_ + 4 > text_.size()) fail("truncated \\u escape");
    unsigned u = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text_[pos_ + k];
      u <<= 4;
      if (c >= '0' && c <= '9') u |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') u |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') u |= static_cast<unsigned>(c - 'A' + 10);
      else fail_at(pos_ + k, "invalid hexadecimal digit '" + show(c) + "' in \\u escape");
    }
    pos_ += 4;
    return u;
  }

  static void append_utf8(std::string& s, unsigned cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string parse_string() {
    std::size_t start = pos_;
    ++pos_;  // opening quote
    std::string s;
    for (;;) {
      if (at_end()) fail_at(start, "unterminated string");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return s;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("raw control character " + show(c) + " in a string (must be escaped)");
      if (c != '\\') {
        s += c;
        ++pos_;
        continue;
      }
      std::size_t esc = pos_;
      ++pos_;
      if (at_end()) fail_at(start, "unterminated string");
      char e = text_[pos_++];
      switch (e) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail_at(esc, "lone low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") fail_at(esc, "high surrogate not followed by a low surrogate");
            pos_ += 2;
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail_at(esc, "high surrogate not followed by a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(s, cp);
          break;
        }
        default: fail_at(esc, "invalid escape '\\" + show(e) + "'");
      }
    }
  }

  value parse_number() {
    std::size_t start = pos_;
    auto digit = [&] { return !at_end() && peek() >= '0' && peek() <= '9'; };
    if (peek() == '-') ++pos_;
    if (!digit()) fail("expected a digit");
    if (peek() == '0') {
      ++pos_;
      if (digit()) fail_at(start, "leading zero in a number");
    } else {
      while (digit()) ++pos_;
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (!digit()) fail("expected a digit after the decimal point");
      while (digit()) ++pos_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!digit()) fail("expected a digit in the exponent");
      while (digit()) ++pos_;
    }
    // from_chars is locale-independent and correctly rounded; it does not accept a leading '+',
    // which the grammar above excludes anyway.
    double x = 0.0;
    const char* b = text_.data() + start;
    const char* e = text_.data() + pos_;
    auto r = std::from_chars(b, e, x);
    if (r.ec == std::errc::result_out_of_range)
      fail_at(start, "number " + std::string(b, e) + " is out of the range of a double");
    if (r.ec != std::errc() || r.ptr != e) fail_at(start, "malformed number");
    return value(x);
  }
};

}  // namespace

value parse(std::string_view text) { return parser(text).run(); }

}  // namespace ntk::json
