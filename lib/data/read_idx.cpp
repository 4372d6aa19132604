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

#include "data/idx_known.hpp"
#include "data/readers.hpp"
#include "data/sha256.hpp"

// Two routes read the same IDX layout:
//   full:  every byte of the (possibly gzip-compressed) file is decompressed, so that a truncated
//          or corrupt file is reported whatever rows are selected;
//   known: the compressed file is read once, every byte of it hashed (SHA-256) on the way, and
//          only the gzip stream up to the end of the selected rows is inflated. If the digest of the
//          whole file is one of idx_known.hpp (files checked once in full), the selection is
//          returned; otherwise the result is thrown away and the full route runs. The decoded rows
//          come from the very bytes that were hashed (one read), so a file changed between two
//          reads cannot slip through.
// Both give the same rows and the same hash; they differ only in the work spent on the rest of a
// file that is known to be intact.

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

// The shape of an IDX file and the selected rows.
struct idx_layout {
  std::size_t total = 0;         // items announced (dimension 1)
  std::size_t d = 0;             // bytes per item
  std::size_t header_bytes = 0;  // 4 + 4 rank
  std::size_t count = 0;         // items selected
};

// Parses the IDX header from read(dst, len) (returns the bytes read, fewer only at the end) and
// checks the selection. Throws data_error naming path.
template <class Read>
idx_layout read_header(const std::string& path, Read&& read, std::size_t offset, std::optional<std::size_t> limit) {
  unsigned char magic[4];
  std::size_t got = read(magic, 4);
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
    throw data_error(path + ": unsupported IDX element type " + hex + " (only unsigned byte, 0x08)");
  }
  const unsigned rank = magic[3];
  if (rank == 0) throw data_error(path + ": IDX rank 0 (expected rank >= 1)");
  std::vector<unsigned char> dims_raw(4 * std::size_t(rank));
  if (read(dims_raw.data(), dims_raw.size()) < dims_raw.size()) throw data_error(path + ": truncated IDX header");
  std::vector<std::size_t> dims(rank);
  for (unsigned i = 0; i < rank; ++i)
    dims[i] = (std::size_t(dims_raw[4 * i]) << 24) | (std::size_t(dims_raw[4 * i + 1]) << 16) |
              (std::size_t(dims_raw[4 * i + 2]) << 8) | std::size_t(dims_raw[4 * i + 3]);
  idx_layout L;
  L.total = dims[0];
  L.d = 1;
  for (unsigned i = 1; i < rank; ++i) {
    if (dims[i] == 0) throw data_error(path + ": IDX dimension " + std::to_string(i + 1) + " is 0");
    if (L.d > (std::size_t(1) << 40) / dims[i]) throw data_error(path + ": IDX items too large");
    L.d *= dims[i];
  }
  if (L.total == 0) throw data_error(path + ": IDX file has no items (dimension 1 is 0)");
  L.count = selected_rows(path, L.total, offset, limit);
  // total <= 2^32 - 1 and d <= 2^40: the product fits in 64 bits.
  L.header_bytes = 4 + 4 * std::size_t(rank);
  return L;
}

// Refuses sizes the file cannot hold before allocating for them: a plain file must contain the
// data, and deflate expands by at most 1032:1.
void check_capacity(const std::string& path, const idx_layout& L, bool plain) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;
  const std::size_t file_size = std::size_t(st.st_size);
  const std::size_t capacity =
      plain ? (file_size > L.header_bytes ? file_size - L.header_bytes : 0) : 1100 * file_size;
  if (L.total * L.d > capacity)
    throw data_error(path + ": truncated IDX data: " + std::to_string(L.total) + " items of " +
                     std::to_string(L.d) + " bytes announced, the " + (plain ? "file" : "compressed file") +
                     " has " + std::to_string(file_size) + " bytes");
}

dataset empty_selection(const std::string& path, const idx_layout& L, std::size_t offset) {
  dataset ds;
  ds.source = path;
  ds.n = L.count;
  ds.d = L.d;
  ds.first_row = offset;
  reserve_values(ds.x, L.count * L.d);
  return ds;
}

// ---- the known route ------------------------------------------------------------------------

// Thrown inside the known route when it does not apply (not a single gzip stream, a zlib or read
// error, a short stream); the full route then reads the file and reports whatever is wrong.
struct not_known {};

// A gzip stream inflated from a file whose every byte read is also hashed, in file order.
class hashed_gunzip {
 public:
  explicit hashed_gunzip(const std::string& path)
      : f_(std::fopen(path.c_str(), "rb"), &std::fclose), in_(std::size_t(1) << 20) {
    if (!f_) throw not_known{};
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) throw not_known{};  // gzip wrapper only
    live_ = true;
  }
  ~hashed_gunzip() {
    if (live_) inflateEnd(&zs_);
  }
  hashed_gunzip(const hashed_gunzip&) = delete;
  hashed_gunzip& operator=(const hashed_gunzip&) = delete;

  // Inflates up to len (<= 2^30) bytes into dst; returns the count, fewer only at the end of the
  // stream. Throws not_known on a zlib or read error.
  std::size_t read(void* dst, std::size_t len) {
    zs_.next_out = static_cast<Bytef*>(dst);
    zs_.avail_out = static_cast<uInt>(len);
    while (zs_.avail_out > 0 && !ended_) {
      if (zs_.avail_in == 0) {
        if (eof_) break;  // the stream stops short: the full route says how
        refill();
        continue;
      }
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) ended_ = true;
      else if (rc != Z_OK) throw not_known{};
    }
    return len - zs_.avail_out;
  }

  // Hashes the rest of the file (not inflated) and returns the digest of all of its bytes.
  std::string file_sha256() {
    while (!eof_) refill();
    return h_.hex_digest();
  }

 private:
  void refill() {
    const std::size_t got = std::fread(in_.data(), 1, in_.size(), f_.get());
    if (got > 0) h_.update(in_.data(), got);
    if (got < in_.size()) {
      if (std::ferror(f_.get())) throw not_known{};
      eof_ = true;
    }
    zs_.next_in = in_.data();
    zs_.avail_in = static_cast<uInt>(got);
  }

  std::unique_ptr<FILE, int (*)(FILE*)> f_;
  std::vector<unsigned char> in_;
  z_stream zs_{};
  sha256 h_;
  bool live_ = false, eof_ = false, ended_ = false;
};

// The selection from a file listed in idx_known.hpp, or nothing when the file is not one of them
// (or the known route does not apply; the full route then decides).
std::optional<dataset> read_known(const std::string& path, std::size_t offset, std::optional<std::size_t> limit) {
  try {
    hashed_gunzip z(path);
    const idx_layout L = read_header(path, [&](void* p, std::size_t n) { return z.read(p, n); }, offset, limit);
    check_capacity(path, L, false);
    dataset ds = empty_selection(path, L, offset);
    const std::size_t sel_begin = offset * L.d, sel_end = sel_begin + L.count * L.d;
    std::vector<unsigned char> chunk(std::min(sel_end, std::size_t(1) << 20));
    for (std::size_t pos = 0; pos < sel_end;) {
      const std::size_t want = std::min(chunk.size(), sel_end - pos);
      if (z.read(chunk.data(), want) < want) throw not_known{};
      const std::size_t lo = std::max(pos, sel_begin);
      if (lo < pos + want) ds.x.insert(ds.x.end(), chunk.begin() + (lo - pos), chunk.begin() + want);
      pos += want;
    }
    std::string digest = z.file_sha256();
    if (!idx_sha256_is_known(digest)) return std::nullopt;
    ds.sha256 = std::move(digest);
    return ds;
  } catch (const not_known&) {
    return std::nullopt;
  } catch (const data_error&) {
    return std::nullopt;  // the full route reports the same error, or a more precise one
  }
}

// ---- the full route ---------------------------------------------------------------------------

dataset read_full(const std::string& path, std::size_t offset, std::optional<std::size_t> limit) {
  errno = 0;
  gz_ptr f(gzopen(path.c_str(), "rb"));
  if (!f) throw data_error(path + ": cannot open: " + (errno ? std::strerror(errno) : "zlib error"));
  gzbuffer(f.get(), 1u << 20);  // big chunks: 10,000 images decompress in a few ms
  const idx_layout L = read_header(
      path, [&](void* p, std::size_t n) { return gz_read_fully(f.get(), p, n, path); }, offset, limit);
  check_capacity(path, L, gzdirect(f.get()) == 1);

  // All items are streamed through one small buffer, so that a truncated or corrupt file is
  // reported whatever the selection; the selected bytes are widened to doubles on the way.
  const std::size_t data_bytes = L.total * L.d, sel_begin = offset * L.d, sel_end = sel_begin + L.count * L.d;
  dataset ds = empty_selection(path, L, offset);
  std::vector<unsigned char> chunk(std::min(data_bytes, std::size_t(1) << 20));
  for (std::size_t pos = 0; pos < data_bytes;) {
    const std::size_t want = std::min(chunk.size(), data_bytes - pos);
    const std::size_t got_now = gz_read_fully(f.get(), chunk.data(), want, path);
    if (got_now < want)
      throw data_error(path + ": truncated IDX data: " + std::to_string(L.total) + " items of " +
                       std::to_string(L.d) + " bytes announced, " + std::to_string((pos + got_now) / L.d) +
                       " complete items present");
    const std::size_t lo = std::max(pos, sel_begin), hi = std::min(pos + want, sel_end);
    if (lo < hi) ds.x.insert(ds.x.end(), chunk.begin() + (lo - pos), chunk.begin() + (hi - pos));
    pos += want;
  }
  unsigned char extra;
  if (gz_read_fully(f.get(), &extra, 1, path) != 0)
    throw data_error(path + ": IDX file has data after the " + std::to_string(L.total) + " announced items");
  f.reset();
  ds.sha256 = sha256_file_hex(path);
  return ds;
}

}  // namespace

dataset read_idx(const std::string& path, std::size_t offset, std::optional<std::size_t> limit) {
  if (std::optional<dataset> ds = read_known(path, offset, limit)) return std::move(*ds);
  return read_full(path, offset, limit);
}

}  // namespace ntk::detail
