#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "data/readers.hpp"

namespace ntk::detail {

std::size_t selected_rows(const std::string& name, std::size_t total, std::size_t offset,
                          std::optional<std::size_t> limit) {
  if (limit && *limit == 0) throw data_error(name + ": no rows selected (limit is 0)");
  if (offset >= total)
    throw data_error(name + ": no rows selected: offset " + std::to_string(offset) +
                     " is at or beyond the end (" + std::to_string(total) + " data row" +
                     (total == 1 ? "" : "s") + ")");
  std::size_t avail = total - offset;
  return limit ? std::min(*limit, avail) : avail;
}

std::string read_file_bytes(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw data_error(path + ": cannot open: " + std::strerror(errno));
  std::string out;
  std::size_t chunk = std::size_t(1) << 20;
  for (;;) {
    std::size_t old = out.size();
    out.resize(old + chunk);
    std::size_t got = std::fread(out.data() + old, 1, chunk, f.get());
    out.resize(old + got);
    if (got < chunk) {
      if (std::ferror(f.get())) throw data_error(path + ": read error: " + std::strerror(errno));
      break;
    }
    if (chunk < (std::size_t(1) << 26)) chunk *= 2;
  }
  return out;
}

void reserve_values(std::vector<double>& v, std::size_t count) {
  v.reserve(count);
  // Advice only, on the 2 MiB-aligned interior of the fresh allocation; failure is harmless.
  constexpr std::uintptr_t huge = std::uintptr_t(1) << 21;
  const auto begin = reinterpret_cast<std::uintptr_t>(v.data());
  const std::uintptr_t lo = (begin + huge - 1) & ~(huge - 1);
  const std::uintptr_t hi = (begin + v.capacity() * sizeof(double)) & ~(huge - 1);
  if (v.empty() && hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
}

data_error data_error_at(const std::string& name, std::size_t row, std::size_t line,
                         std::size_t column, const std::string& what) {
  std::string msg = name + ":";
  if (row) {
    msg += " row " + std::to_string(row);
    if (line) msg += " (line " + std::to_string(line) + ")";
  } else if (line) {
    msg += " line " + std::to_string(line);
  }
  if (column) msg += std::string(row || line ? "," : "") + " column " + std::to_string(column);
  if (row || line || column) msg += ":";
  return data_error(msg + " " + what);
}

void require_finite(double v, const std::string& name, std::size_t row, std::size_t line,
                    std::size_t column) {
  if (std::isnan(v)) throw data_error_at(name, row, line, column, "NaN is not allowed");
  if (std::isinf(v))
    throw data_error_at(name, row, line, column,
                        std::string(v > 0 ? "+" : "-") + "infinity is not allowed");
}

}  // namespace ntk::detail
