// random: networks: bit reproducibility, an independent Python transcription, moments, spec errors.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "data/sha256.hpp"
#include "data/synthetic.hpp"
#include "network/load.hpp"
#include "network_test_util.hpp"

using namespace ntk_net_test;

BOOST_AUTO_TEST_SUITE(random_networks)

BOOST_AUTO_TEST_CASE(same_bits_twice_and_seeds_differ) {
  const std::string spec = "random:widths=7,11,5,1&init=he&seed=3";
  const ntk::network a = ntk::network_load(spec);
  const ntk::network b = ntk::network_load(spec);
  const ntk::network c = ntk::network_load("random:seed=3&init=he&widths=7,11,5,1");
  const ntk::network d = ntk::network_load("random:widths=7,11,5,1&init=he&seed=4");
  const ntk::network dflt = ntk::network_load("random:widths=7,11,5,1");
  const ntk::network zero = ntk::network_load("random:widths=7,11,5,1&seed=0&init=he");
  BOOST_TEST(a.source == spec);
  BOOST_TEST(a.sha256 == ntk::sha256_hex(spec));
  BOOST_TEST(a.sha256 == run_command("printf '%s' '" + spec + "' | sha256sum").substr(0, 64));
  BOOST_TEST(a.sha256 != c.sha256);  // the hash names the spec text
  BOOST_TEST((a.widths == std::vector<std::size_t>{7, 11, 5, 1}));
  BOOST_TEST(!a.has_biases);
  BOOST_TEST(a.biases.empty());
  BOOST_TEST(ntk::network_describe(a) == "7-11-5-1, no biases");
  for (std::size_t l = 1; l <= 3; ++l) {
    BOOST_TEST(a.W(l).size() == a.rows(l) * a.cols(l));
    BOOST_TEST(same_bits(a.W(l), b.W(l)));
    BOOST_TEST(same_bits(a.W(l), c.W(l)));
    BOOST_TEST(same_bits(dflt.W(l), zero.W(l)));
    BOOST_TEST(!same_bits(a.W(l), d.W(l)));
    BOOST_TEST(a.b(l) == nullptr);
  }
  // Layers come from separate streams: W2 depends on (seed, n1, n2) only.
  const ntk::network e = ntk::network_load("random:widths=2,11,5&init=he&seed=3");
  BOOST_TEST(same_bits(a.W(2), e.W(2)));
  BOOST_TEST(!same_bits(a.W(1), a.W(2)));
  // he = sqrt(2) * lecun up to one rounding each, normal = the bare normals.
  const ntk::network le = ntk::network_load("random:widths=7,11,5,1&init=lecun&seed=3");
  const ntk::network no = ntk::network_load("random:widths=7,11,5,1&init=normal&seed=3");
  for (std::size_t l = 1; l <= 3; ++l)
    for (std::size_t k = 0; k < a.W(l).size(); ++k) {
      const double z = no.W(l)[k], n = double(a.cols(l));
      BOOST_TEST(le.W(l)[k] == std::sqrt(1.0 / n) * z);
      BOOST_TEST(a.W(l)[k] == std::sqrt(2.0 / n) * z);
    }
}

// The weights agree bit for bit with random_reference.py, written from the documentation.
BOOST_AUTO_TEST_CASE(matches_python_transcription) {
  struct c { std::string widths, init; unsigned long long seed; };
  for (const c& t : {c{"3,4,2", "he", 0}, c{"5,1", "lecun", 17}, c{"2,3,3,1", "normal", 123456789},
                     c{"9,7,5", "he", 18446744073709551615ull}}) {
    const std::string spec = "random:widths=" + t.widths + "&init=" + t.init + "&seed=" + std::to_string(t.seed);
    const ntk::network net = ntk::network_load(spec);
    const std::string out = run_command(python() + " '" NTK_TEST_DATA_DIR "/random_reference.py' " +
                                        t.widths + " " + t.init + " " + std::to_string(t.seed));
    std::istringstream in(out);
    std::size_t l = 0;
    for (std::string line; std::getline(in, line);) {
      ++l;
      BOOST_REQUIRE(l <= net.depth());
      BOOST_TEST_INFO(spec << " layer " << l);
      BOOST_TEST(same_bits(net.W(l), parse_hex_list(line)));
    }
    BOOST_TEST(l == net.depth());
  }
}

// Loose statistical check with fixed seeds: mean 0, variance beta^2, fourth moment 3 beta^4.
BOOST_AUTO_TEST_CASE(moments) {
  for (const char* init : {"he", "lecun", "normal"}) {
    for (unsigned seed : {1u, 2u}) {
      const std::string spec = std::string("random:widths=150,400,300&init=") + init + "&seed=" + std::to_string(seed);
      const ntk::network net = ntk::network_load(spec);
      for (std::size_t l = 1; l <= 2; ++l) {
        const double n = double(net.cols(l));
        const double beta2 = std::string(init) == "he" ? 2 / n : std::string(init) == "lecun" ? 1 / n : 1.0;
        const std::vector<double>& W = net.W(l);
        const double N = double(W.size());
        double m1 = 0, m2 = 0, m4 = 0;
        for (double w : W) {
          m1 += w;
          m2 += w * w;
          m4 += w * w * w * w;
        }
        m1 /= N;
        m2 /= N;
        m4 /= N;
        BOOST_TEST_INFO(spec << " layer " << l << ": mean " << m1 << " var " << m2 << " m4 " << m4);
        // standard errors: mean sqrt(beta2/N), variance beta2*sqrt(2/N), m4 beta2^2*sqrt(96/N)
        BOOST_TEST(std::fabs(m1) < 6 * std::sqrt(beta2 / N));
        BOOST_TEST(std::fabs(m2 / beta2 - 1) < 6 * std::sqrt(2 / N));
        BOOST_TEST(std::fabs(m4 / (beta2 * beta2) - 3) < 6 * std::sqrt(96 / N));
      }
    }
  }
}

// The shared normal stream with domain 0 gives the synthetic sphere rows before normalisation.
BOOST_AUTO_TEST_CASE(normal_stream_matches_sphere_rows) {
  for (std::uint64_t row : {0ull, 5ull, 1000ull}) {
    const std::size_t d = 9;
    std::vector<double> z(d), x(d);
    ntk::detail::normal_stream(42, row, 0).fill(z.data(), d);
    ntk::synthetic_sphere_row(42, row, d, x.data());
    double norm2 = 0;
    for (double v : z) norm2 += v * v;
    const double r = std::sqrt(double(d) / norm2);
    for (std::size_t k = 0; k < d; ++k) BOOST_TEST(x[k] == z[k] * r);
  }
}

BOOST_AUTO_TEST_CASE(spec_errors) {
  for (const std::string spec :
       {"random:", "random:widths=3", "random:widths=3,0,2", "random:init=he", "random:widths=3,2&init=xavier",
        "random:widths=3,2&seed=-1", "random:widths=3,2&foo=1", "random:widths=3,,2", "random:widths=3,2&seed=1&seed=2",
        "random:widths=3,2&seed", "random:widths=3,2&seed=99999999999999999999", "random:widths=3,x"}) {
    BOOST_TEST_INFO("spec " << spec);
    expect_data_error([&] { ntk::network_load(spec); }, {spec});
  }
}

BOOST_AUTO_TEST_SUITE_END()
