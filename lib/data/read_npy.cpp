#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "data/npy.hpp"
#include "data/readers.hpp"
#include "data/sha256.hpp"

namespace ntk::detail {

static_assert(std::endian::native == std::endian::little, "npy reader assumes a little-endian host");

namespace {

// A parser for the Python dict literal of the .npy header, e.g.
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
class header_parser {
 public:
  header_parser(std::string_view s, const std::string& name) : s_(s), name_(name) {}

  npy_header parse() {
    npy_header h;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{');
    for (;;) {
      skip_ws();
      if (peek() == '}') break;
      std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        h.descr = parse_string();
        seen_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = parse_bool();
        seen_order = true;
      } else if (key == "shape") {
        h.shape = parse_tuple();
        seen_shape = true;
      } else {
        fail("unexpected key '" + key + "'");
      }
      skip_ws();
      if (peek() == ',') ++pos_;
      else if (peek() != '}') fail("expected ',' or '}'");
    }
    if (!seen_descr || !seen_order || !seen_shape)
      fail("missing 'descr', 'fortran_order' or 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw data_error(name_ + ": malformed npy header (" + what + ")");
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  char peek() {
    skip_ws();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parse_string() {
    char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    std::size_t close = s_.find(q, pos_ + 1);
    if (close == std::string_view::npos) fail("unterminated string");
    std::string out(s_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
    return out;
  }
  bool parse_bool() {
    skip_ws();
    if (s_.substr(pos_, 4) == "True") { pos_ += 4; return true; }
    if (s_.substr(pos_, 5) == "False") { pos_ += 5; return false; }
    fail("expected True or False");
  }
  std::vector<std::size_t> parse_tuple() {
    std::vector<std::size_t> out;
    expect('(');
    for (;;) {
      char c = peek();
      if (c == ')') { ++pos_; return out; }
      if (c < '0' || c > '9') fail("expected a dimension");
      std::size_t v = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        unsigned digit = unsigned(s_[pos_] - '0');
        if (v > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("dimension too large");
        v = v * 10 + digit;
        ++pos_;
      }
      while (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 longs
      out.push_back(v);
      c = peek();
      if (c == ',') ++pos_;
      else if (c != ')') fail("expected ',' or ')' in shape");
    }
  }

  std::string_view s_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

std::string shape_text(const std::vector<std::size_t>& shape) { return npy_shape_text(shape); }

}  // namespace

std::string npy_shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

npy_header parse_npy_header(std::string_view bytes, const std::string& name) {
  if (bytes.empty()) throw data_error(name + ": file is empty");
  static const char magic[] = "\x93NUMPY";
  if (bytes.size() < 10 || std::memcmp(bytes.data(), magic, 6) != 0)
    throw data_error(name + ": not an npy file (bad magic string)");
  const unsigned major = static_cast<unsigned char>(bytes[6]);
  if (major < 1 || major > 3)
    throw data_error(name + ": unsupported npy format version " + std::to_string(major));
  std::size_t header_len, header_start;
  auto byte = [&](std::size_t i) { return std::size_t(static_cast<unsigned char>(bytes[i])); };
  if (major == 1) {
    header_len = byte(8) | (byte(9) << 8);
    header_start = 10;
  } else {
    if (bytes.size() < 12) throw data_error(name + ": truncated npy header");
    header_len = byte(8) | (byte(9) << 8) | (byte(10) << 16) | (byte(11) << 24);
    header_start = 12;
  }
  if (bytes.size() - header_start < header_len) throw data_error(name + ": truncated npy header");
  npy_header h = header_parser(bytes.substr(header_start, header_len), name).parse();
  h.data_offset = header_start + header_len;
  return h;
}

dataset read_npy(const std::string& path, std::size_t offset, std::optional<std::size_t> limit) {
  const std::string bytes = read_file_bytes(path);
  const npy_header h = parse_npy_header(bytes, path);
  const std::size_t header_start = 0, header_len = h.data_offset;

  std::size_t item;
  if (h.descr == "<f8") item = 8;
  else if (h.descr == "<f4") item = 4;
  else
    throw data_error(path + ": unsupported npy dtype '" + h.descr +
                     "' (expected '<f8' float64 or '<f4' float32)");
  if (h.fortran_order)
    throw data_error(path + ": npy array is in Fortran order (expected C order; save "
                            "numpy.ascontiguousarray(a))");
  if (h.shape.size() != 2)
    throw data_error(path + ": npy array has shape " + shape_text(h.shape) + " (expected 2-D)");
  const std::size_t total = h.shape[0], d = h.shape[1];
  if (total == 0) throw data_error(path + ": npy array has no rows (shape " + shape_text(h.shape) + ")");
  if (d == 0) throw data_error(path + ": npy array has no columns (shape " + shape_text(h.shape) + ")");
  const std::size_t data_start = header_start + header_len;
  const std::size_t present = bytes.size() - data_start;
  if (total > std::numeric_limits<std::size_t>::max() / d / item || present / item / d < total)
    throw data_error(path + ": truncated npy data: shape " + shape_text(h.shape) + " needs " +
                     std::to_string(total) + "*" + std::to_string(d) + "*" + std::to_string(item) +
                     " bytes, file has " + std::to_string(present));
  if (present != total * d * item)
    throw data_error(path + ": npy file has " + std::to_string(present - total * d * item) +
                     " bytes after the array data");

  const std::size_t count = selected_rows(path, total, offset, limit);
  dataset ds;
  ds.source = path;
  ds.sha256 = sha256_hex(bytes);
  ds.n = count;
  ds.d = d;
  ds.first_row = offset;
  reserve_values(ds.x, count * d);
  ds.x.resize(count * d);
  const char* p = bytes.data() + data_start + offset * d * item;
  for (std::size_t k = 0; k < count * d; ++k) {
    double v;
    if (item == 8) {
      std::memcpy(&v, p + 8 * k, 8);  // '<f8' on a little-endian IEEE machine
    } else {
      float f;
      std::memcpy(&f, p + 4 * k, 4);
      v = static_cast<double>(f);  // exact
    }
    require_finite(v, path, offset + k / d + 1, 0, k % d + 1);
    ds.x[k] = v;
  }
  return ds;
}

}  // namespace ntk::detail
