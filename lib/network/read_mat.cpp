// PATH.mat: MATLAB v5/v7 (and v7.3 through HDF5 when libmatio has it) with a cell array `weights`
// and optionally `biases`, as LipSDP stores networks.
#include <matio.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "data/readers.hpp"
#include "data/sha256.hpp"
#include "network/readers.hpp"

namespace ntk::detail {

namespace {

// libmatio reports problems through a global log function (stderr by default): keep the last
// message for our error text instead.
std::mutex mat_mutex;
std::string mat_last_message;

void mat_log(int /*level*/, char* message) {
  if (message) mat_last_message = message;
}

struct mat_closer {
  void operator()(mat_t* m) const { Mat_Close(m); }
};
struct var_freer {
  void operator()(matvar_t* v) const { Mat_VarFree(v); }
};

std::string dims_text(const matvar_t* v) {
  std::string s = "(";
  for (int i = 0; i < v->rank; ++i) {
    if (i) s += ", ";
    s += std::to_string(v->dims[i]);
  }
  s += ")";
  return s;
}

std::size_t numel(const matvar_t* v) {
  std::size_t n = 1;
  for (int i = 0; i < v->rank; ++i) n *= v->dims[i];
  return n;
}

// A numeric real double/single 2-D matrix, as rows x cols row-major values (MATLAB stores columns).
void read_numeric(const matvar_t* v, const std::string& where, std::size_t& rows, std::size_t& cols,
                  std::vector<double>& values) {
  if (v->class_type != MAT_C_DOUBLE && v->class_type != MAT_C_SINGLE)
    throw data_error(where + ": not a double or single matrix (MATLAB class " +
                     std::to_string(int(v->class_type)) + ")");
  if (v->isComplex) throw data_error(where + ": complex matrix (expected real)");
  if (v->isLogical) throw data_error(where + ": logical matrix (expected double or single)");
  if (v->rank != 2) throw data_error(where + ": array of shape " + dims_text(v) + " (expected 2-D)");
  rows = v->dims[0];
  cols = v->dims[1];
  values.assign(rows * cols, 0.0);
  if (rows * cols == 0) return;
  if (!v->data) throw data_error(where + ": no data (truncated file?)");
  const bool dbl = v->class_type == MAT_C_DOUBLE;
  if ((dbl && v->data_type != MAT_T_DOUBLE) || (!dbl && v->data_type != MAT_T_SINGLE))
    throw data_error(where + ": unexpected storage type " + std::to_string(int(v->data_type)));
  for (std::size_t j = 0; j < cols; ++j)
    for (std::size_t i = 0; i < rows; ++i) {
      const std::size_t src = i + j * rows;  // column-major
      double x;
      if (dbl) {
        std::memcpy(&x, static_cast<const char*>(v->data) + 8 * src, 8);
      } else {
        float f;
        std::memcpy(&f, static_cast<const char*>(v->data) + 4 * src, 4);
        x = static_cast<double>(f);  // exact
      }
      values[i * cols + j] = x;
    }
}

// A MATLAB v5/v7 file is a 128-byte header followed by top-level data elements, each an 8-byte tag
// (type, byte count) and its data (miMATRIX padded to 8 bytes, miCOMPRESSED not), or a small element
// of 8 bytes in all. libmatio reads a truncated last element without complaint (it may return a
// partially inflated variable, or none, which would turn a cut `biases` into "no biases"), so the
// elements must tile the file exactly.
void check_v5_elements(const std::string& bytes, const std::string& path) {
  if (bytes.size() < 128) throw data_error(path + ": truncated MATLAB file (header of 128 bytes incomplete)");
  const bool swap = bytes[126] == 'M' && bytes[127] == 'I';
  if (!swap && !(bytes[126] == 'I' && bytes[127] == 'M'))
    return;  // not a v5 file: libmatio decides (v4 files have no cell arrays anyway)
  auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const std::uint32_t b = static_cast<unsigned char>(bytes[at + std::size_t(i)]);
      v |= swap ? b << (8 * (3 - i)) : b << (8 * i);
    }
    return v;
  };
  std::size_t p = 128;
  std::size_t index = 0;
  while (p < bytes.size()) {
    ++index;
    if (bytes.size() - p < 8)
      throw data_error(path + ": truncated MATLAB file (data element " + std::to_string(index) +
                       " has an incomplete tag)");
    const std::uint32_t type = u32(p);
    std::size_t next;
    if (type >> 16) {
      next = p + 8;  // small data element
    } else {
      const std::size_t n = u32(p + 4);
      next = p + 8 + n;
      if (type != 15 /* miCOMPRESSED */) next = p + 8 + ((n + 7) / 8) * 8;
      if (next > bytes.size() && !(type != 15 && p + 8 + n == bytes.size()))
        throw data_error(path + ": truncated MATLAB file (data element " + std::to_string(index) +
                         " needs " + std::to_string(8 + n) + " bytes, " +
                         std::to_string(bytes.size() - p) + " present)");
      if (next > bytes.size()) next = bytes.size();
    }
    p = next;
  }
}

}  // namespace

network read_network_mat(const std::string& path, weight_layout layout) {
  const std::string bytes = read_file_bytes(path);
  if (bytes.empty()) throw data_error(path + ": file is empty");
  const bool v73 = bytes.compare(0, 19, "MATLAB 7.3 MAT-file") == 0;
  if (!v73) check_v5_elements(bytes, path);
  std::lock_guard<std::mutex> lock(mat_mutex);
  Mat_LogInitFunc("ntkcert", mat_log);
  mat_last_message.clear();
  std::unique_ptr<mat_t, mat_closer> mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
  if (!mat) {
    // libmatio's public headers do not say whether it has HDF5; a v7.3 file it cannot open is the
    // symptom of a build without it.
    if (v73)
      throw data_error(path + ": MATLAB v7.3 (HDF5) file that libmatio cannot open (is libmatio "
                              "built without HDF5 support?); save it with -v7 (MATLAB) or "
                              "scipy.io.savemat" +
                       (mat_last_message.empty() ? std::string() : " (" + mat_last_message + ")"));
    throw data_error(path + ": not a readable MATLAB file" +
                     (mat_last_message.empty() ? std::string() : " (" + mat_last_message + ")"));
  }
  auto read_var = [&](const char* name) -> std::unique_ptr<matvar_t, var_freer> {
    mat_last_message.clear();
    return std::unique_ptr<matvar_t, var_freer>(Mat_VarRead(mat.get(), name));
  };
  auto W = read_var("weights");
  if (!W)
    throw data_error(path + ": array weights: missing (expected a cell array `weights` of the "
                            "weight matrices" +
                     (mat_last_message.empty() ? std::string(")") : "; " + mat_last_message + ")"));
  // biases is optional, but present and unreadable is an error (not "no biases").
  std::unique_ptr<matvar_t, var_freer> B;
  {
    mat_last_message.clear();
    std::unique_ptr<matvar_t, var_freer> info(Mat_VarReadInfo(mat.get(), "biases"));
    if (info) {
      B = read_var("biases");
      if (!B)
        throw data_error(path + ": array biases: cannot be read" +
                         (mat_last_message.empty() ? std::string() : " (" + mat_last_message + ")"));
    }
  }
  auto cells = [&](const matvar_t* v, const char* name) {
    if (v->class_type != MAT_C_CELL)
      throw data_error(path + ": array " + name + ": not a cell array (expected a 1 x L cell of matrices)");
    std::size_t big = 0;
    for (int i = 0; i < v->rank; ++i)
      if (v->dims[i] != 1) ++big;
    if (big > 1)
      throw data_error(path + ": array " + name + ": cell array of shape " + dims_text(v) +
                       " (expected a 1 x L cell of matrices)");
    return numel(v);
  };
  const std::size_t L = cells(W.get(), "weights");
  if (L == 0) throw data_error(path + ": array weights: empty cell array");
  std::vector<stored_matrix> mats(L);
  for (std::size_t l = 0; l < L; ++l) {
    const std::string key = "weights{" + std::to_string(l + 1) + "}";
    const matvar_t* c = Mat_VarGetCell(W.get(), int(l));
    if (!c) throw data_error(path + ": array " + key + ": cannot read the cell");
    mats[l].name = key;
    read_numeric(c, path + ": array " + key, mats[l].rows, mats[l].cols, mats[l].values);
  }
  std::vector<stored_bias> biases;
  if (B) {
    const std::size_t nb = cells(B.get(), "biases");
    if (nb != L)
      throw data_error(path + ": array biases: " + std::to_string(nb) + " cells for " +
                       std::to_string(L) + " weight matrices");
    biases.resize(L);
    for (std::size_t l = 0; l < L; ++l) {
      const std::string key = "biases{" + std::to_string(l + 1) + "}";
      const matvar_t* c = Mat_VarGetCell(B.get(), int(l));
      if (!c) throw data_error(path + ": array " + key + ": cannot read the cell");
      std::size_t r = 0, k = 0;
      read_numeric(c, path + ": array " + key, r, k, biases[l].values);
      if (r != 1 && k != 1)
        throw data_error(path + ": array " + key + ": shape " + shape2(r, k) + " (expected a vector)");
      biases[l].name = key;
      biases[l].present = true;
      biases[l].shape = shape2(r, k);
    }
  }
  network net = assemble_network(path, std::move(mats), std::move(biases), layout);
  net.sha256 = sha256_hex(bytes);
  return net;
}

}  // namespace ntk::detail
