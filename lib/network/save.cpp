// network_save_npz: an uncompressed numpy .npz archive of W1..WL (and b1..bL), float64.
#include <zip.h>

#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "certificate/io.hpp"
#include "network/load.hpp"

namespace ntk {

static_assert(std::endian::native == std::endian::little, "npz writer assumes a little-endian host");

namespace {

// A version 1.0 .npy file of a float64 C-order array (numpy's format: header padded with spaces
// and a final newline so that the data starts at a multiple of 64 bytes).
std::string npy_bytes(const std::vector<std::size_t>& shape, const std::vector<double>& values) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  dict += shape.size() == 1 ? ",), }" : "), }";
  std::size_t hlen = dict.size() + 1;
  const std::size_t pad = (64 - (10 + hlen) % 64) % 64;
  dict.append(pad, ' ');
  dict += '\n';
  hlen = dict.size();
  if (hlen > 65535) throw std::invalid_argument("npy header too long");
  std::string out("\x93NUMPY\x01\x00", 8);
  out += char(hlen & 0xFF);
  out += char(hlen >> 8);
  out += dict;
  const std::size_t at = out.size();
  out.resize(at + 8 * values.size());
  if (!values.empty()) std::memcpy(out.data() + at, values.data(), 8 * values.size());
  return out;
}

std::string zip_error_text(zip_error_t* e) {
  std::string s = zip_error_strerror(e);
  return s;
}

}  // namespace

void network_save_npz(const network& net, const std::string& path) {
  network_check_consistent(net);
  std::vector<std::pair<std::string, std::string>> members;
  for (std::size_t l = 1; l <= net.depth(); ++l) {
    std::string name = "W";
    name += std::to_string(l);
    members.emplace_back(name + ".npy", npy_bytes({net.rows(l), net.cols(l)}, net.W(l)));
  }
  if (net.has_biases)
    for (std::size_t l = 1; l <= net.depth(); ++l) {
      std::string name = "b";
      name += std::to_string(l);
      members.emplace_back(name + ".npy", npy_bytes({net.rows(l)}, net.biases[l - 1]));
    }

  // Build the archive in memory (libzip's buffer source), then write it atomically.
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (!src) throw io_error("cannot write '" + path + "': " + zip_error_text(&err));
  zip_source_keep(src);
  zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  if (!za) {
    zip_source_free(src);
    throw io_error("cannot write '" + path + "': " + zip_error_text(&err));
  }
  auto fail = [&](const std::string& what) {
    const std::string msg = "cannot write '" + path + "': " + what;
    if (za) zip_discard(za);
    zip_source_free(src);
    throw io_error(msg);
  };
  for (const auto& [name, bytes] : members) {
    zip_source_t* m = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
    if (!m) fail(zip_strerror(za));
    const zip_int64_t idx = zip_file_add(za, name.c_str(), m, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(m);
      fail(zip_strerror(za));
    }
    if (zip_set_file_compression(za, zip_uint64_t(idx), ZIP_CM_STORE, 0) != 0) fail(zip_strerror(za));
  }
  if (zip_close(za) != 0) fail(zip_strerror(za));
  za = nullptr;
  std::string archive;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src) != 0)
    fail("cannot read back the archive");
  archive.resize(std::size_t(st.size));
  const zip_int64_t got = zip_source_read(src, archive.data(), st.size);
  zip_source_close(src);
  if (got < 0 || zip_uint64_t(got) != st.size) fail("cannot read back the archive");
  zip_source_free(src);
  write_file_atomic(path, archive);
}

}  // namespace ntk
