// PATH.npz: numpy savez / savez_compressed archives of W1..WL and optional b1..bL.
#include <zip.h>

#include <bit>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/npy.hpp"
#include "data/readers.hpp"
#include "data/sha256.hpp"
#include "network/float16.hpp"
#include "network/readers.hpp"

namespace ntk::detail {

static_assert(std::endian::native == std::endian::little, "npz reader assumes a little-endian host");

namespace {

// "W12" -> 12 for prefix 'W'; 0 when name is not prefix followed by a positive decimal without
// leading zeros.
std::size_t layer_index(const std::string& name, char prefix) {
  if (name.size() < 2 || name[0] != prefix || name[1] == '0' || name.size() > 10) return 0;
  std::size_t v = 0;
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    v = v * 10 + std::size_t(name[i] - '0');
  }
  return v;
}

std::string indexed(char c, std::size_t l) {
  std::string s(1, c);
  s += std::to_string(l);
  return s;
}

struct zip_closer {
  void operator()(zip_t* z) const { zip_discard(z); }
};

std::string zip_message(zip_error_t* err) {
  std::string s = zip_error_strerror(err);
  zip_error_fini(err);
  return s;
}

// The decoded array of one .npy member: shape and values in C order.
struct npy_array {
  std::vector<std::size_t> shape;
  std::vector<double> values;
};

npy_array decode_npy(const std::string& bytes, const std::string& name) {
  const npy_header h = parse_npy_header(bytes, name);
  const std::string& d = h.descr;
  if (d.size() != 3 || (d[0] != '<' && d[0] != '>' && d[0] != '=' && d[0] != '|') || d[1] != 'f' ||
      (d[2] != '2' && d[2] != '4' && d[2] != '8'))
    throw data_error(name + ": unsupported dtype '" + d +
                     "' (expected a floating-point array: float64, float32 or float16)");
  const std::size_t item = std::size_t(d[2] - '0');
  const bool swap = d[0] == '>';
  std::size_t count = 1;
  for (std::size_t n : h.shape) {
    if (n != 0 && count > std::numeric_limits<std::size_t>::max() / 8 / n)
      throw data_error(name + ": array of shape " + npy_shape_text(h.shape) + " is too large");
    count *= n;
  }
  const std::size_t present = bytes.size() - h.data_offset;
  if (present < count * item)
    throw data_error(name + ": truncated data: shape " + npy_shape_text(h.shape) + " needs " +
                     std::to_string(count * item) + " bytes, the member has " + std::to_string(present));
  if (present != count * item)
    throw data_error(name + ": " + std::to_string(present - count * item) +
                     " bytes after the array data");
  npy_array a;
  a.shape = h.shape;
  a.values.resize(count);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data()) + h.data_offset;
  // Index in the file of C-order element k (Fortran order reverses the index order).
  std::vector<std::size_t> idx(h.shape.size(), 0);
  for (std::size_t k = 0; k < count; ++k) {
    std::size_t src = k;
    if (h.fortran_order && h.shape.size() > 1) {
      // k in C order -> multi-index -> Fortran linear index.
      std::size_t rem = k, f = 0, stride = 1;
      for (std::size_t t = h.shape.size(); t-- > 0;) {
        idx[t] = rem % h.shape[t];
        rem /= h.shape[t];
      }
      for (std::size_t t = 0; t < h.shape.size(); ++t) {
        f += idx[t] * stride;
        stride *= h.shape[t];
      }
      src = f;
    }
    unsigned char b[8];
    for (std::size_t i = 0; i < item; ++i) b[i] = p[src * item + (swap ? item - 1 - i : i)];
    double v;
    if (item == 8) {
      std::memcpy(&v, b, 8);
    } else if (item == 4) {
      float f;
      std::memcpy(&f, b, 4);
      v = static_cast<double>(f);  // exact
    } else {
      v = half_to_double(std::uint16_t(b[0] | (unsigned(b[1]) << 8)));
    }
    a.values[k] = v;
  }
  return a;
}

}  // namespace

network read_network_npz(const std::string& path, weight_layout layout) {
  const std::string bytes = read_file_bytes(path);
  if (bytes.empty()) throw data_error(path + ": file is empty");
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (!src) throw data_error(path + ": cannot read as a zip archive: " + zip_message(&err));
  std::unique_ptr<zip_t, zip_closer> za(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!za) {
    zip_source_free(src);
    throw data_error(path + ": not a readable .npz (zip) archive: " + zip_message(&err));
  }
  zip_error_fini(&err);

  std::map<std::size_t, npy_array> W, b;
  const zip_int64_t entries = zip_get_num_entries(za.get(), 0);
  for (zip_int64_t e = 0; e < entries; ++e) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za.get(), zip_uint64_t(e), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
        !(st.valid & ZIP_STAT_SIZE))
      throw data_error(path + ": cannot read zip entry " + std::to_string(e) + ": " +
                       zip_strerror(za.get()));
    const std::string member = st.name;
    if (member.size() < 5 || member.compare(member.size() - 4, 4, ".npy") != 0)
      throw data_error(path + ": unexpected member '" + member +
                       "' (expected the .npy arrays W1..WL and optional b1..bL)");
    const std::string key = member.substr(0, member.size() - 4);
    std::size_t lw = layer_index(key, 'W'), lb = layer_index(key, 'b');
    if (!lw && !lb)
      throw data_error(path + ": unexpected array '" + key +
                       "' (expected W1..WL and optional b1..bL)");
    const std::string name = path + ": array " + key;
    if ((lw ? W : b).count(lw ? lw : lb)) throw data_error(name + ": stored twice");
    if (st.size > (zip_uint64_t(1) << 36)) throw data_error(name + ": member too large");
    zip_file_t* zf = zip_fopen_index(za.get(), zip_uint64_t(e), 0);
    if (!zf) throw data_error(name + ": cannot open the member: " + zip_strerror(za.get()));
    std::string data(std::size_t(st.size), '\0');
    std::size_t got = 0;
    for (;;) {
      char buf[1 << 16];
      const zip_int64_t r = zip_fread(zf, buf, sizeof buf);
      if (r < 0) {
        const std::string why = zip_file_strerror(zf);
        zip_fclose(zf);
        throw data_error(name + ": cannot read the member (truncated or corrupt archive): " + why);
      }
      if (r == 0) break;
      if (got + std::size_t(r) > data.size()) {
        zip_fclose(zf);
        throw data_error(name + ": member longer than its directory entry says");
      }
      std::memcpy(data.data() + got, buf, std::size_t(r));
      got += std::size_t(r);
    }
    zip_fclose(zf);
    if (got != data.size())
      throw data_error(name + ": truncated member (" + std::to_string(got) + " of " +
                       std::to_string(data.size()) + " bytes)");
    (lw ? W : b)[lw ? lw : lb] = decode_npy(data, name);
  }

  if (W.empty()) throw data_error(path + ": no weight arrays (expected W1..WL)");
  const std::size_t L = W.rbegin()->first;
  for (std::size_t l = 1; l <= L; ++l)
    if (!W.count(l))
      throw data_error(path + ": array W" + std::to_string(l) + " is missing (the archive has W" +
                       std::to_string(L) + ")");
  for (const auto& [l, a] : b)
    if (l > L)
      throw data_error(path + ": array b" + std::to_string(l) + ": no weight matrix W" +
                       std::to_string(l) + " (the archive has W1..W" + std::to_string(L) + ")");

  std::vector<stored_matrix> mats;
  for (auto& [l, a] : W) {
    const std::string key = indexed('W', l);
    if (a.shape.size() != 2)
      throw data_error(path + ": array " + key + ": shape " + npy_shape_text(a.shape) +
                       " (expected a 2-D matrix)");
    mats.push_back(stored_matrix{key, a.shape[0], a.shape[1], std::move(a.values)});
  }
  std::vector<stored_bias> biases;
  if (!b.empty()) {
    biases.resize(L);
    for (std::size_t l = 1; l <= L; ++l) biases[l - 1].name = indexed('b', l);
    for (auto& [l, a] : b) {
      const std::string key = indexed('b', l);
      const bool ok = a.shape.size() == 1 ||
                      (a.shape.size() == 2 && (a.shape[0] == 1 || a.shape[1] == 1));
      if (!ok)
        throw data_error(path + ": array " + key + ": shape " + npy_shape_text(a.shape) +
                         " (expected a vector)");
      biases[l - 1].present = true;
      biases[l - 1].shape = npy_shape_text(a.shape);
      biases[l - 1].values = std::move(a.values);
    }
  }
  network net = assemble_network(path, std::move(mats), std::move(biases), layout);
  net.sha256 = sha256_hex(bytes);
  return net;
}

}  // namespace ntk::detail
