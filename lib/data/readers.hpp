// The individual readers behind dataset_load (data/load.hpp), and what they share. Each has the
// contract of dataset_load for its kind of source; `name` is the file name used in messages.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "data/errors.hpp"

namespace ntk::detail {

dataset read_csv(const std::string& path, std::size_t offset, std::optional<std::size_t> limit);
dataset read_npy(const std::string& path, std::size_t offset, std::optional<std::size_t> limit);
// Raw unsigned bytes as values, scale 1. gzip-compressed or plain (zlib reads both).
dataset read_idx(const std::string& path, std::size_t offset, std::optional<std::size_t> limit);

// The number of rows selected from `total` by offset/limit (>= 1). Throws data_error naming
// `name` when the selection is empty.
std::size_t selected_rows(const std::string& name, std::size_t total, std::size_t offset,
                          std::optional<std::size_t> limit);

// The whole content of a file. Throws data_error naming the file if it cannot be opened or read.
std::string read_file_bytes(const std::string& path);

// Reserves capacity for count values (without touching the memory) and asks the kernel for huge
// pages on it: filling tens of megabytes page by page costs more than parsing them otherwise.
void reserve_values(std::vector<double>& v, std::size_t count);

// "name: row R, column C: what" with the parts that are nonzero (line only when nonzero too):
// row/line/column are 1-based, 0 means "does not apply".
data_error data_error_at(const std::string& name, std::size_t row, std::size_t line,
                         std::size_t column, const std::string& what);

// Throws data_error (at the given position) when v is NaN or infinite.
void require_finite(double v, const std::string& name, std::size_t row, std::size_t line,
                    std::size_t column);

}  // namespace ntk::detail
