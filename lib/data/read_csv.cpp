#include <locale.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "data/readers.hpp"
#include "data/sha256.hpp"

namespace ntk::detail {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  for (;;) {
    std::size_t comma = line.find(',');
    out.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return out;
    line.remove_prefix(comma + 1);
  }
}

// strtod in the "C" locale whatever the process locale is, so '.' is always the decimal point.
locale_t c_locale() {
  static locale_t loc = newlocale(LC_ALL_MASK, "C", locale_t(0));
  return loc;
}

enum class parse_status { ok, empty, not_a_number, overflow };

// Parses a trimmed field. The field is followed in memory by a delimiter (',', '\n', '\r', blank or
// the terminating NUL of the buffer), none of which strtod can consume after a number has started.
parse_status parse_field(std::string_view f, double& out) {
  if (f.empty()) return parse_status::empty;
  errno = 0;
  char* end = nullptr;
  out = strtod_l(f.data(), &end, c_locale());
  if (end != f.data() + f.size()) return parse_status::not_a_number;
  if (errno == ERANGE && std::isinf(out)) return parse_status::overflow;
  return parse_status::ok;  // underflow: the correctly rounded subnormal or zero, accepted
}

std::string quoted(std::string_view f) {
  std::string s(f.substr(0, 40));
  if (f.size() > 40) s += "...";
  return "\"" + s + "\"";
}

}  // namespace

dataset read_csv(const std::string& path, std::size_t offset, std::optional<std::size_t> limit) {
  std::string text = read_file_bytes(path);
  if (text.empty()) throw data_error(path + ": file is empty");
  const std::string sha = sha256_hex(text);
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // UTF-8 byte order mark

  // Lines up to the last non-blank one; blank lines after it are ignored.
  std::size_t end = text.size();
  while (end > 0 && (is_space(text[end - 1]) || text[end - 1] == '\n')) --end;
  if (end == 0) throw data_error(path + ": file is empty (only blank lines)");
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < end;) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos || nl > end) nl = end;
    lines.emplace_back(text.data() + pos, nl - pos);
    pos = nl + 1;
  }

  // Header: a first line with a non-empty field that is not a number.
  std::vector<std::string_view> first = split_fields(lines[0]);
  bool header = false;
  for (auto f : first) {
    double v;
    if (parse_field(f, v) == parse_status::not_a_number) header = true;
  }
  const std::size_t d = first.size();
  const std::size_t first_data_line = header ? 1 : 0;  // index into lines
  const std::size_t total = lines.size() - first_data_line;
  if (total == 0) throw data_error(path + ": has a header line but no data rows");
  const std::size_t count = selected_rows(path, total, offset, limit);

  dataset ds;
  ds.source = path;
  ds.sha256 = sha;
  ds.n = count;
  ds.d = d;
  ds.first_row = offset;
  reserve_values(ds.x, count * d);
  ds.x.resize(count * d);
  for (std::size_t r = 0; r < count; ++r) {
    const std::size_t row = offset + r + 1;                // 1-based data row
    const std::size_t line = first_data_line + offset + r;  // 0-based line index
    std::string_view text_line = lines[line];
    if (trim(text_line).empty())
      throw data_error_at(path, row, line + 1, 0,
                          "blank line (expected " + std::to_string(d) + " columns)");
    std::vector<std::string_view> fields = split_fields(text_line);
    if (fields.size() != d)
      throw data_error_at(path, row, line + 1, 0,
                          "has " + std::to_string(fields.size()) + " columns, expected " +
                              std::to_string(d) + (header ? " (from the header)" : " (from line 1)"));
    for (std::size_t c = 0; c < d; ++c) {
      double v = 0;
      switch (parse_field(fields[c], v)) {
        case parse_status::ok: break;
        case parse_status::empty:
          throw data_error_at(path, row, line + 1, c + 1, "empty field");
        case parse_status::not_a_number:
          throw data_error_at(path, row, line + 1, c + 1, "not a number: " + quoted(fields[c]));
        case parse_status::overflow:
          throw data_error_at(path, row, line + 1, c + 1,
                              quoted(fields[c]) + " overflows double (infinity is not allowed)");
      }
      require_finite(v, path, row, line + 1, c + 1);
      ds.x[r * d + c] = v;
    }
  }
  return ds;
}

}  // namespace ntk::detail
