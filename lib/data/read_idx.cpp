#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "data/readers.hpp"
#include "data/sha256.hpp"

namespace ntk::detail {

namespace {

struct gz_closer {
  void operator()(gzFile f) const { gzclose(f); }
};
using gz_ptr = std::unique_ptr<gzFile_s, gz_closer>;

// Reads up to len bytes; returns the number read (less than len only at the end of the data).
// Throws data_error on a zlib error (e.g. a truncated or corrupt gzip stream).
std::size_t gz_read_fully(gzFile f, void* dst, std::size_t len, const std::string& path) {
  auto* p = static_cast<unsigned char*>(dst);
  std::size_t done = 0;
  while (done < len) {
    unsigned want = static_cast<unsigned>(std::min<std::size_t>(len - done, 1u << 30));
    int got = gzread(f, p + done, want);
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      throw data_error(path + ": read error: " + (msg ? msg : "zlib error"));
    }
    if (got == 0) {
      // gzread reports a truncated gzip stream as end of data plus an error state.
      int code = Z_OK;
      const char* msg = gzerror(f, &code);
      if (code != Z_OK && code != Z_STREAM_END)
        throw data_error(path + ": read error: " + (msg ? msg : "zlib error"));
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace

dataset read_idx(const std::string& path, std::size_t offset, std::optional<std::size_t> limit) {
  errno = 0;
  gz_ptr f(gzopen(path.c_str(), "rb"));
  if (!f)
    throw data_error(path + ": cannot open: " + (errno ? std::strerror(errno) : "zlib error"));
  gzbuffer(f.get(), 1u << 20);  // big chunks: 10,000 images decompress in a few ms

  unsigned char magic[4];
  std::size_t got = gz_read_fully(f.get(), magic, 4, path);
  if (got == 0) throw data_error(path + ": file is empty");
  if (got < 4) throw data_error(path + ": truncated IDX header");
  if (magic[0] != 0 || magic[1] != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3]);
    throw data_error(path + ": bad IDX magic number " + hex + " (expected 0x0000TTRR)");
  }
  if (magic[2] != 0x08) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", magic[2]);
    throw data_error(path + ": unsupported IDX element type " + hex +
                     " (only unsigned byte, 0x08)");
  }
  const unsigned rank = magic[3];
  if (rank == 0) throw data_error(path + ": IDX rank 0 (expected rank >= 1)");
  std::vector<unsigned char> dims_raw(4 * std::size_t(rank));
  if (gz_read_fully(f.get(), dims_raw.data(), dims_raw.size(), path) < dims_raw.size())
    throw data_error(path + ": truncated IDX header");
  std::vector<std::size_t> dims(rank);
  for (unsigned i = 0; i < rank; ++i)
    dims[i] = (std::size_t(dims_raw[4 * i]) << 24) | (std::size_t(dims_raw[4 * i + 1]) << 16) |
              (std::size_t(dims_raw[4 * i + 2]) << 8) | std::size_t(dims_raw[4 * i + 3]);
  const std::size_t total = dims[0];
  std::size_t d = 1;
  for (unsigned i = 1; i < rank; ++i) {
    if (dims[i] == 0) throw data_error(path + ": IDX dimension " + std::to_string(i + 1) + " is 0");
    if (d > (std::size_t(1) << 40) / dims[i]) throw data_error(path + ": IDX items too large");
    d *= dims[i];
  }
  if (total == 0) throw data_error(path + ": IDX file has no items (dimension 1 is 0)");
  const std::size_t count = selected_rows(path, total, offset, limit);
  // total <= 2^32 - 1 and d <= 2^40: the product fits in 64 bits.
  const std::size_t header_bytes = 4 + 4 * std::size_t(rank);
  // Refuse sizes the file cannot hold before allocating for them: a plain file must contain the
  // data, and deflate expands by at most 1032:1.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    const std::size_t file_size = std::size_t(st.st_size);
    const bool plain = gzdirect(f.get()) == 1;
    const std::size_t capacity =
        plain ? (file_size > header_bytes ? file_size - header_bytes : 0) : 1100 * file_size;
    if (total * d > capacity)
      throw data_error(path + ": truncated IDX data: " + std::to_string(total) + " items of " +
                       std::to_string(d) + " bytes announced, the " +
                       (plain ? "file" : "compressed file") + " has " + std::to_string(file_size) +
                       " bytes");
  }

  // All items are streamed through one small buffer, so that a truncated or corrupt file is
  // reported whatever the selection; the selected bytes are widened to doubles on the way.
  const std::size_t data_bytes = total * d, sel_begin = offset * d, sel_end = sel_begin + count * d;
  dataset ds;
  ds.source = path;
  ds.n = count;
  ds.d = d;
  ds.first_row = offset;
  reserve_values(ds.x, count * d);
  std::vector<unsigned char> chunk(std::min(data_bytes, std::size_t(1) << 20));
  for (std::size_t pos = 0; pos < data_bytes;) {
    const std::size_t want = std::min(chunk.size(), data_bytes - pos);
    const std::size_t got_now = gz_read_fully(f.get(), chunk.data(), want, path);
    if (got_now < want)
      throw data_error(path + ": truncated IDX data: " + std::to_string(total) + " items of " +
                       std::to_string(d) + " bytes announced, " +
                       std::to_string((pos + got_now) / d) + " complete items present");
    const std::size_t lo = std::max(pos, sel_begin), hi = std::min(pos + want, sel_end);
    if (lo < hi) ds.x.insert(ds.x.end(), chunk.begin() + (lo - pos), chunk.begin() + (hi - pos));
    pos += want;
  }
  unsigned char extra;
  if (gz_read_fully(f.get(), &extra, 1, path) != 0)
    throw data_error(path + ": IDX file has data after the " + std::to_string(total) +
                     " announced items");
  f.reset();
  ds.sha256 = sha256_file_hex(path);
  return ds;
}

}  // namespace ntk::detail
