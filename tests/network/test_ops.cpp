// network_truncate, network_forward_float (against an independent long double evaluation),
// network_describe.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "network/load.hpp"
#include "network_test_util.hpp"

using namespace ntk_net_test;

namespace {

// Layers 1..k of net at x in long double, ReLU after every layer but the k-th (and after it too
// when relu_last).
std::vector<long double> reference_forward(const ntk::network& net, const std::vector<double>& x,
                                           std::size_t k, bool relu_last) {
  std::vector<long double> a(x.begin(), x.end());
  for (std::size_t l = 1; l <= k; ++l) {
    std::vector<long double> z(net.rows(l), 0.0L);
    for (std::size_t i = 0; i < net.rows(l); ++i) {
      for (std::size_t j = 0; j < net.cols(l); ++j)
        z[i] += static_cast<long double>(net.W(l)[i * net.cols(l) + j]) * a[j];
      if (net.has_biases) z[i] += net.biases[l - 1][i];
      if ((l < k || relu_last) && z[i] < 0) z[i] = 0;
    }
    a = z;
  }
  return a;
}

ntk::network with_biases(ntk::network net, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  net.has_biases = true;
  for (std::size_t l = 1; l <= net.depth(); ++l) {
    std::vector<double> b(net.rows(l));
    for (double& v : b) v = g(rng);
    net.biases.push_back(b);
  }
  return net;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ops)

BOOST_AUTO_TEST_CASE(forward_and_truncate) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g;
  for (bool biases : {false, true}) {
    ntk::network net = ntk::network_load("random:widths=6,9,7,5,3&seed=11");
    if (biases) net = with_biases(net, 12);
    BOOST_TEST(ntk::network_describe(net) == std::string("6-9-7-5-3, ") + (biases ? "biases" : "no biases"));
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<double> x(6);
      for (double& v : x) v = g(rng);
      const std::vector<double> y = ntk::network_forward_float(net, x.data());
      const auto ref = reference_forward(net, x, net.depth(), false);
      BOOST_REQUIRE(y.size() == 3u);
      long double scale = 1;
      for (long double v : ref) scale += std::fabs(v);
      for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(std::fabs(y[i] - ref[i]) < 1e-12L * scale);
      for (std::size_t k = 1; k <= net.depth(); ++k) {
        const ntk::network gk = ntk::network_truncate(net, k, false);
        const ntk::network fk = ntk::network_truncate(net, k, true);
        BOOST_TEST(gk.depth() == k);
        BOOST_TEST(fk.depth() == k + 1);
        BOOST_TEST(fk.widths.back() == net.widths[k]);
        BOOST_TEST(gk.source == net.source);
        BOOST_TEST(gk.has_biases == biases);
        const std::vector<double> gy = ntk::network_forward_float(gk, x.data());
        const std::vector<double> fy = ntk::network_forward_float(fk, x.data());
        const auto gref = reference_forward(net, x, k, false);
        BOOST_REQUIRE(gy.size() == net.widths[k]);
        BOOST_REQUIRE(fy.size() == net.widths[k]);
        long double s = 1;
        for (long double v : gref) s += std::fabs(v);
        for (std::size_t i = 0; i < gy.size(); ++i) {
          BOOST_TEST(std::fabs(gy[i] - gref[i]) < 1e-12L * s);
          // The identity layer reproduces relu(g_k) exactly.
          BOOST_TEST(fy[i] == (gy[i] > 0 ? gy[i] : 0.0));
        }
        for (std::size_t l = 1; l <= k; ++l) BOOST_TEST(same_bits(gk.W(l), net.W(l)));
        const std::vector<double>& I = fk.W(k + 1);
        for (std::size_t i = 0; i < net.widths[k]; ++i)
          for (std::size_t j = 0; j < net.widths[k]; ++j) BOOST_TEST(I[i * net.widths[k] + j] == (i == j ? 1.0 : 0.0));
        if (biases) {
          for (double v : fk.biases[k]) BOOST_TEST(v == 0.0);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(truncate_range) {
  const ntk::network net = ntk::network_load("random:widths=3,4,2&seed=1");
  BOOST_CHECK_THROW(ntk::network_truncate(net, 0, false), std::invalid_argument);
  BOOST_CHECK_THROW(ntk::network_truncate(net, 3, true), std::invalid_argument);
  const ntk::network whole = ntk::network_truncate(net, 2, false);
  BOOST_TEST(whole.widths == net.widths);
}

BOOST_AUTO_TEST_SUITE_END()
