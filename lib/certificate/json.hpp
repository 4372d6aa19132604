// The JSON value type of certificates and machine-readable output (RFC 8259).
//
// The text is read and its strings are written by nlohmann-json (Debian nlohmann-json3-dev): parse()
// runs nlohmann's parser with a SAX handler that builds this value type, and dump() escapes strings
// with nlohmann's serializer. What nlohmann would accept silently is refused: duplicate keys
// (nlohmann keeps the last; a certificate with two "lower" members would be ambiguous) and numbers
// out of the range of a double. Numbers are IEEE doubles: dump() prints every finite number so that
// parse() gives back the same double bit for bit (std::to_chars / std::from_chars, not nlohmann's
// Grisu2 printer, which is not always shortest); integral values with |x| < 2^53 are printed
// without a decimal point. NaN and infinities are written as null (JSON has no such numbers;
// certificate writers refuse them before, see docs/certificates.md). Objects keep their members in
// insertion order, so dump(parse(s)) never silently drops or reorders data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ntk::json {

struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Wrong kind of value for the requested access (e.g. as_string() on a number), a missing member in
// at(), or an integer that a double cannot hold exactly.
struct type_error : error {
  using error::error;
};

// Malformed JSON text. The message reads "line L, column C: what" (1-based, columns in bytes; the
// byte where reading stopped, or the opening quote of a duplicate key); `what` is nlohmann-json's
// description, e.g. "syntax error while parsing value - invalid literal; last read: 'tru'".
struct parse_error : error {
  parse_error(const std::string& what, std::size_t line, std::size_t column);
  std::size_t line, column;
};

enum class kind { null, boolean, number, string, array, object };

const char* kind_name(kind k);  // "null", "boolean", "number", "string", "array", "object"

class value {
 public:
  using array_type = std::vector<value>;
  using object_type = std::vector<std::pair<std::string, value>>;

  value() = default;  // null
  value(std::nullptr_t) {}
  value(bool b);
  // Integers are stored as doubles; they must satisfy |x| <= 2^53 (else type_error), so that the
  // stored number is exactly the integer given.
  value(int x);
  value(long x);
  value(long long x);
  value(unsigned x);
  value(unsigned long x);
  value(unsigned long long x);
  value(double x);  // any double; NaN and infinities are kept here and dumped as null
  value(const char* s);
  value(std::string s);
  value(std::string_view s);

  static value object();  // {}
  static value array();   // []

  value(const value&);
  value(value&&) noexcept;
  value& operator=(const value&);
  value& operator=(value&&) noexcept;
  ~value();

  kind type() const { return kind_; }
  bool is_null() const { return kind_ == kind::null; }
  bool is_bool() const { return kind_ == kind::boolean; }
  bool is_number() const { return kind_ == kind::number; }
  bool is_string() const { return kind_ == kind::string; }
  bool is_array() const { return kind_ == kind::array; }
  bool is_object() const { return kind_ == kind::object; }

  // Accessors throw type_error ("expected a string, found a number") on the wrong kind.
  bool as_bool() const;
  double as_number() const;
  // The number as an integer: throws type_error unless it is integral with |x| <= 2^53.
  long long as_integer() const;
  const std::string& as_string() const;
  const array_type& as_array() const;
  array_type& as_array();
  const object_type& as_object() const;
  object_type& as_object();

  // Object member access. The non-const operator[] turns a null into an empty object and appends
  // the key (with a null value) when absent; on any other kind it throws type_error.
  value& operator[](const std::string& key);
  value& operator[](const char* key) { return (*this)[std::string(key)]; }
  // The member's value, or nullptr when absent. Throws type_error when this is not an object.
  const value* find(const std::string& key) const;
  value* find(const std::string& key);
  // The member's value; throws type_error "missing member 'key'" when absent.
  const value& at(const std::string& key) const;

  // Array access. push_back turns a null into an empty array; throws type_error on other kinds.
  void push_back(value v);
  const value& operator[](std::size_t i) const;  // throws type_error when out of range
  value& operator[](std::size_t i);
  const value& operator[](int i) const { return (*this)[static_cast<std::size_t>(i)]; }
  value& operator[](int i) { return (*this)[static_cast<std::size_t>(i)]; }
  // Number of elements (array) or members (object); 0 for the other kinds.
  std::size_t size() const;

  // Deep equality; numbers compare as doubles (so NaN != NaN), object member order matters.
  friend bool operator==(const value& a, const value& b);

 private:
  kind kind_ = kind::null;
  bool bool_ = false;
  double number_ = 0.0;
  std::string string_;
  array_type array_;
  object_type object_;
};

// JSON text for v. indent > 0: members and array elements on their own lines, indented by that
// many spaces per level, except that arrays holding only scalars go on one line; indent <= 0: one
// line without spaces. Numbers: integral with |x| < 2^53 -> plain integer ("-0" for negative zero);
// other finite values -> the shortest decimal that reads back to the same double; NaN, +-inf ->
// null. Strings (nlohmann's serializer): '"', '\\' and control characters below 0x20 escaped (\b \f \n
// \r \t, else \u00xx); everything else, UTF-8 included, copied unchanged; a string that is not valid
// UTF-8 throws error (RFC 8259 §8.1). Ends without a newline.
std::string dump(const value& v, int indent = 2);

// Parses one JSON text (surrounding whitespace and a leading UTF-8 byte order mark allowed) with
// nlohmann-json. Throws parse_error on: trailing non-whitespace, bad literals, bad escapes or lone
// surrogates in \u escapes, raw control characters in strings, bytes that are not UTF-8, leading
// zeros, numbers whose magnitude overflows a double or underflows to zero, duplicate keys in an
// object, nesting deeper than 512 levels. \uXXXX escapes (surrogate pairs included) become UTF-8.
// Numbers are correctly rounded to the nearest double ("-0" gives negative zero).
value parse(std::string_view text);

}  // namespace ntk::json
