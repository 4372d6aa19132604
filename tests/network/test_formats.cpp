// .npz, .safetensors and .mat files written by numpy, scipy.io.savemat and a Python safetensors
// writer (make_networks.py) are read bit for bit; every malformed file is refused with a
// data_error naming the file and the array; layout detection and refusal.
#include <matio.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "network/load.hpp"
#include "network_test_util.hpp"

using namespace ntk_net_test;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t p = 0;
  for (;;) {
    const std::size_t q = s.find(sep, p);
    out.push_back(s.substr(p, q == std::string::npos ? std::string::npos : q - p));
    if (q == std::string::npos) return out;
    p = q + 1;
  }
}

ntk::weight_layout layout_of(const std::string& s) {
  if (s == "out-in") return ntk::weight_layout::out_in;
  if (s == "in-out") return ntk::weight_layout::in_out;
  return ntk::weight_layout::detect;
}

// The files of make_networks.py, written once for the whole suite.
struct generated {
  scratch_dir dir;
  std::string manifest;
  generated() {
    manifest = run_command(python() + " '" NTK_TEST_DATA_DIR "/make_networks.py' '" + dir.path + "'");
  }
};

const generated& files() {
  static generated g;
  return g;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(formats)

BOOST_AUTO_TEST_CASE(python_written_files_bit_exact) {
  const generated& g = files();
  std::istringstream in(g.manifest);
  std::size_t good = 0;
  for (std::string line; std::getline(in, line);) {
    const auto f = split(line, '\t');
    if (f[0] != "good") continue;
    ++good;
    const std::string path = g.dir.file(f[1]);
    BOOST_TEST_CONTEXT("file " << f[1] << " layout " << f[2]) {
      const ntk::network net = ntk::network_load(path, layout_of(f[2]));
      std::vector<std::size_t> widths;
      for (const auto& w : split(f[3], ',')) widths.push_back(std::stoul(w));
      BOOST_TEST(net.widths == widths);
      BOOST_TEST(net.has_biases == (f[4] == "1"));
      BOOST_TEST(net.sha256 == f[5]);
      BOOST_TEST(net.source == path);
      std::string row;
      for (std::size_t l = 1; l <= widths.size() - 1; ++l) {
        std::getline(in, row);
        BOOST_REQUIRE(row.rfind("W\t", 0) == 0);
        BOOST_TEST_INFO("W" << l);
        BOOST_TEST(same_bits(net.W(l), parse_hex_list(row.substr(2))));
      }
      if (net.has_biases)
        for (std::size_t l = 1; l <= widths.size() - 1; ++l) {
          std::getline(in, row);
          BOOST_REQUIRE(row.rfind("b\t", 0) == 0);
          BOOST_TEST_INFO("b" << l);
          BOOST_TEST(same_bits(net.biases[l - 1], parse_hex_list(row.substr(2))));
        }
      std::getline(in, row);
      BOOST_TEST(row == "end");
    }
  }
  BOOST_TEST(good >= 20u);
}

BOOST_AUTO_TEST_CASE(malformed_files_name_file_and_array) {
  const generated& g = files();
  std::istringstream in(g.manifest);
  std::size_t bad = 0;
  for (std::string line; std::getline(in, line);) {
    const auto f = split(line, '\t');
    if (f[0] != "bad") continue;
    ++bad;
    const std::string path = g.dir.file(f[1]);
    std::vector<std::string> parts{path};
    parts.insert(parts.end(), f.begin() + 3, f.end());
    BOOST_TEST_CONTEXT("file " << f[1] << " layout " << f[2]) {
      expect_data_error([&] { ntk::network_load(path, layout_of(f[2])); }, parts);
    }
  }
  BOOST_TEST(bad >= 50u);
}

// Whatever the damage, a truncated file is refused with data_error (never a crash or a success).
BOOST_AUTO_TEST_CASE(every_truncation_refused) {
  const generated& g = files();
  scratch_dir d;
  for (const char* name : {"f64.npz", "f32c.npz", "mixed.safetensors", "lipsdp.mat", "lipsdp_z.mat"}) {
    const std::string whole = run_command("cat '" + g.dir.file(name) + "'");
    const std::string ext = std::string(name).substr(std::string(name).rfind('.'));
    // Cuts at 8k + 3: a .mat file cut exactly between two variables is a valid file (with fewer
    // variables), which no reader can tell from a complete one.
    for (std::size_t cut = 3; cut < whole.size(); cut += 8 * (1 + whole.size() / 800)) {
      const std::string p = d.file("cut" + std::to_string(cut) + ext);
      FILE* fp = std::fopen(p.c_str(), "wb");
      BOOST_REQUIRE(fp);
      std::fwrite(whole.data(), 1, cut, fp);
      std::fclose(fp);
      BOOST_TEST_INFO(name << " cut at " << cut << " of " << whole.size());
      expect_data_error([&] { ntk::network_load(p); }, {p});
    }
  }
}

// MATLAB v7.3 (HDF5) files, written here with libmatio's own writer.
BOOST_AUTO_TEST_CASE(mat_v73) {
  scratch_dir d;
  const std::string p = d.file("v73.mat");
  mat_t* mat = Mat_CreateVer(p.c_str(), nullptr, MAT_FT_MAT73);
  BOOST_REQUIRE(mat != nullptr);
  // W1 2x3, W2 1x2 (out x in); MATLAB stores columns.
  std::vector<double> w1 = {1.5, -0.25, 0x1p-1074, 3.0, -0.0, 1e300};  // column-major 2x3
  std::vector<double> w2 = {0.125, -7.0};                             // 1x2
  std::size_t cdims[2] = {1, 2};
  matvar_t* cell = Mat_VarCreate("weights", MAT_C_CELL, MAT_T_CELL, 2, cdims, nullptr, 0);
  std::size_t d1[2] = {2, 3}, d2[2] = {1, 2};
  Mat_VarSetCell(cell, 0, Mat_VarCreate(nullptr, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d1, w1.data(), 0));
  Mat_VarSetCell(cell, 1, Mat_VarCreate(nullptr, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d2, w2.data(), 0));
  BOOST_REQUIRE(Mat_VarWrite(mat, cell, MAT_COMPRESSION_NONE) == 0);
  Mat_VarFree(cell);
  Mat_Close(mat);
  const ntk::network net = ntk::network_load(p);
  BOOST_TEST((net.widths == std::vector<std::size_t>{3, 2, 1}));
  const std::vector<double> want1 = {1.5, 0x1p-1074, -0.0, -0.25, 3.0, 1e300};  // row-major
  BOOST_TEST(same_bits(net.W(1), want1));
  BOOST_TEST(same_bits(net.W(2), w2));
  BOOST_TEST(!net.has_biases);
}

BOOST_AUTO_TEST_SUITE_END()
