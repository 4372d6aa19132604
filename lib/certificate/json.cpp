#include "certificate/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <unordered_set>

#include <nlohmann/json.hpp>

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

// Numbers: std::to_chars, whose plain overload gives the shortest decimal that reads back to the
// same double (C++17 [charconv.to.chars]). nlohmann's own number printer (Grisu2) is not used: it is
// not always the shortest and writes 1e-04 as 0.0001 and 3 as 3.0, so certificates would change.
void dump_number(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out += "null";  // JSON has no NaN or infinity; see dump() in json.hpp
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
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

// Strings are quoted and escaped by nlohmann-json's serializer, which also rejects bytes that are
// not UTF-8 (RFC 8259 §8.1: JSON text exchanged between systems is UTF-8).
void dump_string(std::string& out, const std::string& s) {
  try {
    out += nlohmann::ordered_json(s).dump();
  } catch (const nlohmann::json::type_error& e) {
    throw error("string \"" + nlohmann::ordered_json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(1) +
                " is not valid UTF-8, which JSON requires");
  }
}

bool scalar(const value& v) { return !v.is_array() && !v.is_object(); }

// The layout is the project's own (arrays of scalars on one line, so a certificate's eigenvector
// is one line, not n); nlohmann's pretty printer puts every array element on a line of its own.
void dump_value(std::string& out, const value& v, int indent, int level) {
  const bool flat = indent <= 0;
  auto newline = [&](int lvl) {
    if (flat) return;
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
      bool one_line = flat || std::all_of(a.begin(), a.end(), scalar);
      out += '[';
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out += one_line && !flat ? ", " : ",";
        if (!one_line) newline(level + 1);
        dump_value(out, a[i], indent, level + 1);
      }
      if (!one_line) newline(level);
      out += ']';
      return;
    }
    case kind::object: {
      const auto& o = v.as_object();
      out += '{';
      for (std::size_t i = 0; i < o.size(); ++i) {
        if (i) out += ',';
        newline(level + 1);
        dump_string(out, o[i].first);
        out += flat ? ":" : ": ";
        dump_value(out, o[i].second, indent, level + 1);
      }
      if (!o.empty()) newline(level);
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

// An input iterator over the text that records how far nlohmann's lexer has read, so that errors
// found by the handler below (duplicate keys, numbers, nesting) get a position. The lexer reads
// one byte at a time and looks at most one byte past a number.
struct tracking_iterator {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;
  const char* p;
  const char** read_to;  // one past the last byte read
  reference operator*() const { return *p; }
  tracking_iterator& operator++() {
    ++p;
    if (p > *read_to) *read_to = p;
    return *this;
  }
  tracking_iterator operator++(int) {
    tracking_iterator t = *this;
    ++*this;
    return t;
  }
  bool operator==(const tracking_iterator& o) const { return p == o.p; }
  bool operator!=(const tracking_iterator& o) const { return p != o.p; }
};

// Builds the value from nlohmann's SAX events, rejecting what nlohmann would accept silently:
// duplicate keys (nlohmann keeps the last), numbers out of the range of a double, nesting deeper
// than 512 levels. Numbers are converted from their text by std::from_chars (correctly rounded,
// locale-independent; "-0" stays negative zero).
class builder final : public nlohmann::json_sax<nlohmann::ordered_json> {
 public:
  static constexpr std::size_t max_depth = 512;

  builder(std::string_view text, const char** read_to) : text_(text), read_to_(read_to) {}

  value root;
  std::string message;     // the error, when a handler returned false
  std::size_t offset = 0;  // its byte offset in the text

  bool null() override { return add(value()); }
  bool boolean(bool b) override { return add(value(b)); }
  bool number_integer(number_integer_t) override { return number(); }
  bool number_unsigned(number_unsigned_t) override { return number(); }
  bool number_float(number_float_t, const string_t&) override { return number(); }
  bool string(string_t& s) override { return add(value(std::move(s))); }
  bool binary(binary_t&) override { return fail(read(), "binary values are not JSON"); }
  bool start_object(std::size_t) override { return open(value::object()); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(value::array()); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    // The lexer has just read the closing quote of the key; its opening quote is the last
    // unescaped '"' before that.
    std::size_t close_quote = read() - 1, open_quote = close_quote;
    while (open_quote > 0) {
      --open_quote;
      if (text_[open_quote] != '"') continue;
      std::size_t backslashes = 0;
      while (open_quote - backslashes > 0 && text_[open_quote - backslashes - 1] == '\\') ++backslashes;
      if (backslashes % 2 == 0) break;
    }
    if (!frames_.back().keys.insert(k).second) return fail(open_quote, "duplicate member '" + k + "'");
    key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    // position counts the bytes read including the offending one (1-based); strip nlohmann's
    // "[json.exception...] parse error at line L, column C: " since we report the position.
    std::size_t at = position > 0 ? position - 1 : 0;
    std::string what = ex.what();
    if (auto b = what.find("] "); what.rfind("[json.exception.", 0) == 0 && b != std::string::npos) what.erase(0, b + 2);
    if (what.rfind("parse error", 0) == 0)
      if (auto c = what.find(": "); c != std::string::npos) what.erase(0, c + 2);
    if (ex.id == 406) {  // out_of_range.406: a number that overflows a double
      auto [start, end] = number_token();
      return fail(start, "number " + std::string(text_.substr(start, end - start)) + " is out of the range of a double");
    }
    return fail(at, what);
  }

 private:
  struct frame {
    value* container;
    std::unordered_set<std::string> keys;
  };
  std::string_view text_;
  const char** read_to_;
  std::vector<frame> frames_;
  std::string key_;

  std::size_t read() const { return static_cast<std::size_t>(*read_to_ - text_.data()); }

  bool fail(std::size_t at, std::string what) {
    message = std::move(what);
    offset = at;
    return false;
  }

  static bool number_char(char c) { return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'; }

  // [start, end) of the number token the lexer has just read. A number ends with a digit, and the
  // lexer has read one byte past it unless the text ended there; the byte before a number is not
  // part of one (whitespace, '[', ',', ':' or the start of the text).
  std::pair<std::size_t, std::size_t> number_token() const {
    std::size_t end = read();
    if (!(end == text_.size() && end > 0 && text_[end - 1] >= '0' && text_[end - 1] <= '9')) --end;
    std::size_t start = end;
    while (start > 0 && number_char(text_[start - 1])) --start;
    return {start, end};
  }

  bool number() {
    auto [start, end] = number_token();
    const char* b = text_.data() + start;
    const char* e = text_.data() + end;
    double x = 0.0;
    auto r = std::from_chars(b, e, x);
    if (r.ec == std::errc::result_out_of_range)
      return fail(start, "number " + std::string(b, e) + " is out of the range of a double");
    if (r.ec != std::errc() || r.ptr != e) return fail(start, "malformed number " + std::string(b, e));
    return add(value(x));
  }

  value* slot() {
    if (frames_.empty()) return &root;
    value& c = *frames_.back().container;
    if (c.is_array()) {
      c.push_back(value());
      return &c.as_array().back();
    }
    c.as_object().emplace_back(std::move(key_), value());
    return &c.as_object().back().second;
  }

  bool add(value v) {
    *slot() = std::move(v);
    return true;
  }

  bool open(value container) {
    if (frames_.size() >= max_depth) return fail(read() - 1, "nesting deeper than 512 levels");
    value* s = slot();
    *s = std::move(container);
    frames_.push_back({s, {}});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }
};

}  // namespace

value parse(std::string_view text) {
  const char* read_to = text.data();
  builder b(text, &read_to);
  tracking_iterator first{text.data(), &read_to}, last{text.data() + text.size(), &read_to};
  if (nlohmann::ordered_json::sax_parse(first, last, &b)) return std::move(b.root);
  std::size_t at = std::min(b.offset, text.size()), line = 1, col = 1;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  throw parse_error(b.message, line, col);
}

}  // namespace ntk::json
