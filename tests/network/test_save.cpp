// network_save_npz: numpy reads back exactly the doubles; network_load reads them back; atomicity.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "certificate/io.hpp"
#include "network/load.hpp"
#include "network_test_util.hpp"

using namespace ntk_net_test;

namespace {

// A network with awkward doubles: signed zeros, subnormals, extremes, random bit patterns.
ntk::network awkward_network(std::vector<std::size_t> widths, bool biases, unsigned seed) {
  std::mt19937_64 rng(seed);
  auto value = [&]() {
    for (;;) {
      const std::uint64_t bits = rng();
      double v;
      std::memcpy(&v, &bits, 8);
      if (std::isfinite(v)) return v;
    }
  };
  const double special[] = {0.0, -0.0, 0x1p-1074, -0x1p-1022, std::numeric_limits<double>::max(), 1.0 / 3};
  ntk::network net;
  net.widths = widths;
  net.has_biases = biases;
  for (std::size_t l = 1; l < widths.size(); ++l) {
    std::vector<double> W(widths[l] * widths[l - 1]);
    for (std::size_t k = 0; k < W.size(); ++k) W[k] = k < 6 && l == 1 ? special[k] : value();
    net.weights.push_back(W);
    if (biases) {
      std::vector<double> b(widths[l]);
      for (double& x : b) x = value();
      net.biases.push_back(b);
    }
  }
  return net;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(save)

BOOST_AUTO_TEST_CASE(numpy_reads_identical_arrays) {
  scratch_dir d;
  for (bool biases : {false, true}) {
    const ntk::network net = awkward_network({4, 3, 5, 1}, biases, biases ? 7 : 8);
    const std::string p = d.file(biases ? "with_b.npz" : "no_b.npz");
    ntk::network_save_npz(net, p);
    // numpy prints, per array in the archive's order: name dtype shape C-contiguous, then the values.
    const std::string out = run_command(
        python() + " -c \"import numpy as np, sys\n"
                   "z = np.load(sys.argv[1])\n"
                   "for k in z.files:\n"
                   "    a = z[k]\n"
                   "    print(k, a.dtype.str, ','.join(map(str, a.shape)), a.flags['C_CONTIGUOUS'])\n"
                   "    print(' '.join(float(x).hex() for x in a.ravel()))\" '" + p + "'");
    std::istringstream in(out);
    std::vector<std::string> names;
    for (std::string head, values; std::getline(in, head) && std::getline(in, values);) {
      std::istringstream h(head);
      std::string name, dtype, shape, contiguous;
      h >> name >> dtype >> shape >> contiguous;
      names.push_back(name);
      BOOST_TEST_CONTEXT("array " << name) {
        BOOST_TEST(dtype == "<f8");
        BOOST_TEST(contiguous == "True");
        const std::size_t l = std::stoul(name.substr(1));
        if (name[0] == 'W') {
          BOOST_TEST(shape == std::to_string(net.rows(l)) + "," + std::to_string(net.cols(l)));
          BOOST_TEST(same_bits(parse_hex_list(values), net.W(l)));
        } else {
          BOOST_TEST(shape == std::to_string(net.rows(l)));
          BOOST_TEST(same_bits(parse_hex_list(values), net.biases[l - 1]));
        }
      }
    }
    const std::vector<std::string> want = biases ? std::vector<std::string>{"W1", "W2", "W3", "b1", "b2", "b3"}
                                                 : std::vector<std::string>{"W1", "W2", "W3"};
    BOOST_TEST(names == want);
    // ... and network_load reads the same network back.
    const ntk::network back = ntk::network_load(p, ntk::weight_layout::out_in);
    BOOST_TEST(back.widths == net.widths);
    BOOST_TEST(back.has_biases == net.has_biases);
    for (std::size_t l = 1; l <= net.depth(); ++l) {
      BOOST_TEST(same_bits(back.W(l), net.W(l)));
      if (biases) BOOST_TEST(same_bits(back.biases[l - 1], net.biases[l - 1]));
    }
  }
}

BOOST_AUTO_TEST_CASE(random_round_trip_and_replace) {
  scratch_dir d;
  const std::string p = d.file("net.npz");
  const ntk::network a = ntk::network_load("random:widths=6,5,4,1&seed=9");
  ntk::network_save_npz(a, p);
  const ntk::network b = ntk::network_load("random:widths=3,7,2&seed=1");
  ntk::network_save_npz(b, p);  // replaces the file
  const ntk::network back = ntk::network_load(p);
  BOOST_TEST(back.widths == b.widths);
  for (std::size_t l = 1; l <= b.depth(); ++l) BOOST_TEST(same_bits(back.W(l), b.W(l)));
  // No temporary file is left behind.
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(d.path)) {
    (void)e;
    ++entries;
  }
  BOOST_TEST(entries == 1u);
}

BOOST_AUTO_TEST_CASE(unwritable_path_leaves_nothing) {
  scratch_dir d;
  const ntk::network a = ntk::network_load("random:widths=3,2&seed=1");
  BOOST_CHECK_THROW(ntk::network_save_npz(a, d.file("missing-dir/net.npz")), ntk::io_error);
  BOOST_TEST(!std::filesystem::exists(d.file("missing-dir")));
  ntk::network broken = a;
  broken.weights[0].pop_back();
  BOOST_CHECK_THROW(ntk::network_save_npz(broken, d.file("x.npz")), std::invalid_argument);
  BOOST_TEST(!std::filesystem::exists(d.file("x.npz")));
}

BOOST_AUTO_TEST_SUITE_END()
