// LipSDP, certified (lib/lipschitz/lipsdp.hpp): against an independent cvxopt solve of the same SDP
// (tests/lipschitz/lipsdp_cvxopt.py, dense formulation written from docs/math.md §6), against exact
// Lipschitz constants (single layer; one hidden layer by enumerating activation patterns; all
// neurons stable), against Jacobians of admissible slope choices, and with a lying solver.
#include <boost/test/unit_test.hpp>

#include <mpfr.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../common/jacobi.hpp"
#include "lipschitz/lipsdp.hpp"
#include "network/network.hpp"

namespace {

using ntk::lipsdp_certify;
using ntk::lipsdp_variant;

ntk::network random_net(const std::vector<std::size_t>& widths, std::uint64_t seed, double gain = 1.0) {
  ntk::network net;
  net.source = "test";
  net.widths = widths;
  std::mt19937_64 rng(seed);
  for (std::size_t l = 1; l < widths.size(); ++l) {
    std::normal_distribution<double> nd(0.0, gain * std::sqrt(2.0 / widths[l - 1]));
    std::vector<double> W(widths[l] * widths[l - 1]);
    for (double& w : W) w = nd(rng);
    net.weights.push_back(W);
  }
  return net;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ntk_lipsdp_" + std::to_string(::getpid()) + "_" + name)).string();
}

struct cvx_result {
  double primal = NAN, dual = NAN;
  std::string status;
};

cvx_result run_cvxopt(const ntk::network& net, const char* variant, const ntk::neuron_slopes* s = nullptr) {
  const std::string path = temp_path("net.txt");
  {
    std::ofstream f(path);
    f.precision(17);
    for (std::size_t w : net.widths) f << w << " ";
    f << "\n";
    for (const auto& W : net.weights) {
      for (double x : W) f << x << " ";
      f << "\n";
    }
    if (s) {
      f << "alpha";
      for (double a : s->alpha) f << " " << a;
      f << "\nbeta";
      for (double b : s->beta) f << " " << b;
      f << "\n";
    }
  }
  const std::string cmd = std::string("/usr/bin/python3 '") + NTK_TEST_DATA_DIR + "/lipsdp_cvxopt.py' '" + path + "' " + variant;
  FILE* p = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p);
  char buf[512] = {0};
  cvx_result r;
  if (std::fgets(buf, sizeof buf, p)) {
    char st[64] = {0};
    if (std::sscanf(buf, "primal %lf dual %lf status %63s", &r.primal, &r.dual, st) == 3) r.status = st;
  }
  pclose(p);
  std::filesystem::remove(path);
  BOOST_REQUIRE_MESSAGE(std::isfinite(r.primal) && std::isfinite(r.dual), "cvxopt output: " << buf);
  return r;
}

// ---- MPFR reference of ||W_L D_{L-1} W_{L-1} ... D_1 W_1|| (d empty = identity everywhere) ----
struct mpmat {
  std::size_t r = 0, c = 0;
  std::vector<ntk_test::ref_real> v;
  mpmat(std::size_t r_, std::size_t c_, long bits) : r(r_), c(c_), v(r_ * c_) {
    for (auto& x : v) {
      mpfr_set_prec(x.backend().data(), bits);
      mpfr_set_zero(x.backend().data(), 1);
    }
  }
  mpfr_ptr at(std::size_t i, std::size_t j) { return v[i * c + j].backend().data(); }
};

mpmat mp_mul(mpmat& A, mpmat& B, long bits) {  // A * B
  mpmat C(A.r, B.c, bits);
  mpfr_t t;
  mpfr_init2(t, bits);
  for (std::size_t i = 0; i < A.r; ++i)
    for (std::size_t j = 0; j < B.c; ++j)
      for (std::size_t k = 0; k < A.c; ++k) {
        mpfr_mul(t, A.at(i, k), B.at(k, j), MPFR_RNDN);
        mpfr_add(C.at(i, j), C.at(i, j), t, MPFR_RNDN);
      }
  mpfr_clear(t);
  return C;
}

// A lower bound (rounded down) of ||W_L D_{L-1} ... D_1 W_1||_2, d concatenating the diagonals.
double chain_norm_lower(const ntk::network& net, const std::vector<double>& d) {
  const long bits = 1024;
  const std::size_t L = net.depth();
  mpmat P(net.widths[0], net.widths[0], bits);
  for (std::size_t i = 0; i < net.widths[0]; ++i) mpfr_set_ui(P.at(i, i), 1, MPFR_RNDN);
  std::size_t h = 0;
  for (std::size_t l = 1; l <= L; ++l) {
    mpmat W(net.widths[l], net.widths[l - 1], bits);
    for (std::size_t i = 0; i < W.r; ++i) {
      const double di = (l < L && !d.empty()) ? d[h + i] : 1.0;
      for (std::size_t j = 0; j < W.c; ++j) mpfr_set_d(W.at(i, j), net.W(l)[i * W.c + j] * 1.0, MPFR_RNDN),
                                              mpfr_mul_d(W.at(i, j), W.at(i, j), di, MPFR_RNDN);
    }
    if (l < L) h += net.widths[l];
    P = mp_mul(W, P, bits);
  }
  // Gram matrix on the smaller side.
  const bool rows_small = P.r <= P.c;
  const std::size_t n = rows_small ? P.r : P.c;
  mpmat G(n, n, 2 * bits + 64);
  mpfr_t t;
  mpfr_init2(t, 2 * bits + 64);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t K = rows_small ? P.c : P.r;
      for (std::size_t k = 0; k < K; ++k) {
        if (rows_small) mpfr_mul(t, P.at(i, k), P.at(j, k), MPFR_RNDN);
        else mpfr_mul(t, P.at(k, i), P.at(k, j), MPFR_RNDN);
        mpfr_add(G.at(i, j), G.at(i, j), t, MPFR_RNDN);
      }
    }
  mpfr_clear(t);
  std::vector<mpfr_srcptr> ptrs(n * n);
  for (std::size_t k = 0; k < n * n; ++k) ptrs[k] = G.v[k].backend().data();
  const auto spec = ntk_test::jacobi_eigenvalues(ptrs, n, 256);
  ntk_test::ref_real lo = ntk_test::reference_lower(spec, n - 1);
  if (mpfr_sgn(lo.backend().data()) <= 0) return 0.0;
  mpfr_sqrt(lo.backend().data(), lo.backend().data(), MPFR_RNDD);
  return mpfr_get_d(lo.backend().data(), MPFR_RNDD);
}

ntk::null_progress quiet;

std::size_t hidden_count(const ntk::network& net) {
  std::size_t n = 0;
  for (std::size_t l = 1; l + 1 < net.widths.size(); ++l) n += net.widths[l];
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lipsdp)

BOOST_AUTO_TEST_CASE(matches_cvxopt_2_10_30_20_2) {
  for (std::uint64_t seed : {1u, 2u}) {
    const ntk::network net = random_net({2, 10, 30, 20, 2}, seed);
    double up[2];
    for (int vi = 0; vi < 2; ++vi) {
      const lipsdp_variant v = vi == 0 ? lipsdp_variant::neuron : lipsdp_variant::layer;
      const auto r = lipsdp_certify(net, v, nullptr, quiet);
      const auto c = run_cvxopt(net, vi == 0 ? "neuron" : "layer");
      BOOST_TEST_MESSAGE(ntk::lipsdp_variant_name(v) << " seed " << seed << ": certified " << r.upper << " solver "
                                                     << r.solver_value << " cvxopt sqrt(primal) " << std::sqrt(c.primal)
                                                     << " [" << c.status << "] " << r.note);
      BOOST_REQUIRE_MESSAGE(r.certified, r.note);
      // The certified bound is a feasible value of the same SDP: not below cvxopt's dual bound.
      BOOST_TEST(r.upper * r.upper >= c.dual * (1 - 1e-7));
      BOOST_TEST(r.upper <= std::sqrt(c.primal) * (1 + 1e-3));
      BOOST_TEST(r.rho_proved >= r.solver_value * r.solver_value * (1 - 1e-6));
      up[vi] = r.upper;
    }
    BOOST_TEST(up[0] <= up[1] * (1 + 1e-6));  // neuron multipliers include the layer ones
    // SDPA (generic sparse SDP code) on the same problem: the same optimum.
    for (int vi = 0; vi < 2; ++vi) {
      ntk::lipsdp_options o;
      o.solver = "sdpa";
      const auto r = lipsdp_certify(net, vi == 0 ? lipsdp_variant::neuron : lipsdp_variant::layer, nullptr, quiet, o);
      BOOST_REQUIRE_MESSAGE(r.certified, r.note);
      BOOST_TEST(std::fabs(r.upper / up[vi] - 1) < 1e-5, "sdpa " << r.upper << " vs structured " << up[vi]);
    }
    // Sound in any case: at least every Jacobian of a slope choice in {0, 1} (random patterns).
    std::mt19937_64 rng(seed + 100);
    for (int k = 0; k < 5; ++k) {
      std::vector<double> d(hidden_count(net));
      for (double& x : d) x = (double)(rng() & 1);
      BOOST_TEST(up[0] >= chain_norm_lower(net, d));
    }
  }
}

BOOST_AUTO_TEST_CASE(general_slopes_match_cvxopt) {
  const ntk::network net = random_net({3, 8, 12, 2}, 7);
  ntk::neuron_slopes s;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> ua(0.0, 0.3), ub(0.6, 1.0);
  for (std::size_t i = 0; i < hidden_count(net); ++i) {
    s.alpha.push_back(ua(rng));
    s.beta.push_back(ub(rng));
  }
  for (int vi = 0; vi < 2; ++vi) {
    const lipsdp_variant v = vi == 0 ? lipsdp_variant::neuron : lipsdp_variant::layer;
    const auto r = lipsdp_certify(net, v, &s, quiet);
    const auto c = run_cvxopt(net, vi == 0 ? "neuron" : "layer", &s);
    BOOST_TEST_MESSAGE("slopes " << ntk::lipsdp_variant_name(v) << ": " << r.upper << " cvxopt " << std::sqrt(c.primal));
    BOOST_REQUIRE_MESSAGE(r.certified, r.note);
    BOOST_TEST(r.upper * r.upper >= c.dual * (1 - 1e-7));
    BOOST_TEST(r.upper <= std::sqrt(c.primal) * (1 + 1e-3));
    // Linear activations with slope alpha_i or beta_i are admissible: their Jacobians are lower bounds.
    for (int k = 0; k < 5; ++k) {
      std::vector<double> d(s.alpha.size());
      for (std::size_t i = 0; i < d.size(); ++i) d[i] = (rng() & 1) ? s.alpha[i] : s.beta[i];
      BOOST_TEST(r.upper >= chain_norm_lower(net, d));
    }
  }
}

BOOST_AUTO_TEST_CASE(single_linear_layer_is_the_spectral_norm) {
  for (auto [r, c] : {std::pair<std::size_t, std::size_t>{5, 7}, {7, 3}, {1, 4}, {30, 30}}) {
    const ntk::network net = random_net({c, r}, 31 + r * c);
    const double ref = chain_norm_lower(net, {});
    for (auto v : {lipsdp_variant::neuron, lipsdp_variant::layer}) {
      const auto res = lipsdp_certify(net, v, nullptr, quiet);
      BOOST_REQUIRE_MESSAGE(res.certified, res.note);
      BOOST_TEST(res.upper >= ref);
      BOOST_TEST(res.upper <= ref * (1 + 1e-6));
      BOOST_TEST(res.solver == "none");
    }
  }
}

BOOST_AUTO_TEST_CASE(one_hidden_layer_exact_by_enumeration) {
  // n0 >= m and W_1 of full row rank: W_1 x takes every sign pattern, so ||f||_Lip is the maximum
  // of ||W_2 D W_1|| over all 2^m patterns D (f is linear with that Jacobian on each open cone).
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    const std::size_t m = 2 + seed % 2;
    const ntk::network net = random_net({4, m, 3}, 500 + seed);
    double exact = 0;
    for (unsigned mask = 0; mask < (1u << m); ++mask) {
      std::vector<double> d(m);
      for (std::size_t i = 0; i < m; ++i) d[i] = (mask >> i) & 1;
      exact = std::max(exact, chain_norm_lower(net, d));
    }
    ntk::network l1 = net, l2 = net;
    l1.widths = {4, m};
    l1.weights = {net.weights[0]};
    l2.widths = {m, 3};
    l2.weights = {net.weights[1]};
    // ||W_1|| ||W_2|| (slightly rounded down): LipSDP never exceeds the naive product.
    const double naive = chain_norm_lower(l1, {}) * chain_norm_lower(l2, {});
    for (auto v : {lipsdp_variant::neuron, lipsdp_variant::layer}) {
      const auto r = lipsdp_certify(net, v, nullptr, quiet);
      BOOST_TEST_MESSAGE("m=" << m << " " << ntk::lipsdp_variant_name(v) << ": exact " << exact << " certified "
                               << r.upper << " naive " << naive);
      BOOST_REQUIRE_MESSAGE(r.certified, r.note);
      BOOST_TEST(r.upper >= exact);
      BOOST_TEST(r.upper <= naive * (1 + 1e-3));
    }
  }
}

BOOST_AUTO_TEST_CASE(stable_slopes_give_the_fixed_pattern_norm) {
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    const ntk::network net = random_net({5, 6, 7, 4, 3}, 900 + seed);
    std::mt19937_64 rng(seed);
    ntk::neuron_slopes s;
    std::vector<double> d;
    for (std::size_t i = 0; i < hidden_count(net); ++i) {
      const double g = (double)(rng() & 1);
      s.alpha.push_back(g);
      s.beta.push_back(g);
      d.push_back(g);
    }
    const double exact = chain_norm_lower(net, d);
    const auto r = lipsdp_certify(net, lipsdp_variant::neuron, &s, quiet);
    BOOST_REQUIRE_MESSAGE(r.certified, r.note);
    BOOST_TEST(r.free_neurons == 0u);
    BOOST_TEST(r.upper >= exact);
    BOOST_TEST(r.upper <= exact * (1 + 1e-3) + 1e-150);

    // Half of the neurons stable, half ReLU: between the admissible Jacobians and the all-ReLU bound.
    ntk::neuron_slopes mixed = s;
    for (std::size_t i = 0; i < d.size(); i += 2) {
      mixed.alpha[i] = 0;
      mixed.beta[i] = 1;
    }
    const auto rm = lipsdp_certify(net, lipsdp_variant::neuron, &mixed, quiet);
    const auto rr = lipsdp_certify(net, lipsdp_variant::neuron, nullptr, quiet);
    BOOST_REQUIRE_MESSAGE(rm.certified, rm.note);
    BOOST_REQUIRE_MESSAGE(rr.certified, rr.note);
    BOOST_TEST(rm.upper <= rr.upper * (1 + 1e-3));
    for (int k = 0; k < 6; ++k) {
      std::vector<double> dd(d.size());
      for (std::size_t i = 0; i < dd.size(); ++i) dd[i] = (rng() & 1) ? mixed.alpha[i] : mixed.beta[i];
      BOOST_TEST(rm.upper >= chain_norm_lower(net, dd));
    }
  }
}

BOOST_AUTO_TEST_CASE(constant_and_unread_neurons_are_dropped) {
  ntk::network net = random_net({4, 6, 5, 3}, 77);
  for (std::size_t k = 0; k < 4; ++k) net.weights[0][2 * 4 + k] = 0;  // neuron 2 of layer 1: constant
  for (std::size_t o = 0; o < 5; ++o) net.weights[1][o * 6 + 4] = 0;  // neuron 4 of layer 1: unread
  const auto r = lipsdp_certify(net, lipsdp_variant::neuron, nullptr, quiet);
  BOOST_REQUIRE_MESSAGE(r.certified, r.note);
  BOOST_TEST(r.free_neurons == 9u);
  const auto c = run_cvxopt(net, "neuron");  // keeps every neuron: the same infimum, not attained
  BOOST_TEST_MESSAGE("dropped neurons: " << r.upper << " cvxopt " << std::sqrt(c.primal) << " [" << c.status << "]");
  if (c.status == "optimal") BOOST_TEST(r.upper * r.upper >= c.dual * (1 - 1e-7));
  BOOST_TEST(r.upper <= std::sqrt(c.primal) * (1 + 1e-3));
  std::mt19937_64 rng(5);
  for (int k = 0; k < 5; ++k) {
    std::vector<double> d(hidden_count(net));
    for (double& x : d) x = (double)(rng() & 1);
    BOOST_TEST(r.upper >= chain_norm_lower(net, d));
  }
}

BOOST_AUTO_TEST_CASE(lying_solver_is_not_certified) {
  const ntk::network net = random_net({2, 10, 30, 20, 2}, 3);
  const auto honest = lipsdp_certify(net, lipsdp_variant::neuron, nullptr, quiet);
  BOOST_REQUIRE_MESSAGE(honest.certified, honest.note);
  const auto c = run_cvxopt(net, "neuron");

  std::vector<std::pair<const char*, std::function<void(double&, std::vector<double>&)>>> lies = {
      {"rho * 0.9", [](double& rho, std::vector<double>&) { rho *= 0.9; }},
      {"t * 0.5", [](double&, std::vector<double>& t) { for (double& x : t) x *= 0.5; }},
      {"t_0 = 0", [](double&, std::vector<double>& t) { t[0] = 0; }},
      {"t negative", [](double&, std::vector<double>& t) { for (double& x : t) x = -x; }},
      {"t reversed", [](double&, std::vector<double>& t) { std::reverse(t.begin(), t.end()); }},
  };
  for (auto& [name, lie] : lies) {
    ntk::lipsdp_options o;
    o.tamper = lie;
    const auto r = lipsdp_certify(net, lipsdp_variant::neuron, nullptr, quiet, o);
    BOOST_TEST_MESSAGE("lie " << name << ": certified " << r.certified << " " << r.note);
    BOOST_TEST(!r.certified, "lie '" << name << "' was certified: " << r.upper);
    BOOST_TEST(std::isinf(r.upper));
    // Allowed to certify whatever the multipliers prove (no cap): still sound.
    o.max_relative_increase = 1e12;
    const auto r2 = lipsdp_certify(net, lipsdp_variant::neuron, nullptr, quiet, o);
    if (r2.certified) BOOST_TEST(r2.upper * r2.upper >= c.dual * (1 - 1e-7));
  }
}

BOOST_AUTO_TEST_CASE(impossible_cap_falls_back_to_sdpa_and_fails) {
  // A cap below the solver's own value cannot be met by any sound proof: both solvers are tried
  // on a small problem, and the answer is "not certified".
  const ntk::network net = random_net({3, 6, 5, 2}, 8);
  ntk::lipsdp_options o;
  o.max_relative_increase = -0.5;
  const auto r = lipsdp_certify(net, lipsdp_variant::neuron, nullptr, quiet, o);
  BOOST_TEST(!r.certified);
  BOOST_TEST(std::isinf(r.upper));
  BOOST_TEST(r.note.find("then SDPA") != std::string::npos, r.note);
}

BOOST_AUTO_TEST_CASE(rejects_malformed_input) {
  ntk::network net = random_net({3, 4, 2}, 1);
  ntk::neuron_slopes s{{0, 0, 0}, {1, 1, 1}};
  BOOST_CHECK_THROW(lipsdp_certify(net, lipsdp_variant::neuron, &s, quiet), std::invalid_argument);
  s = {{0, 0.5, 0, 0}, {1, 0.4, 1, 1}};
  BOOST_CHECK_THROW(lipsdp_certify(net, lipsdp_variant::neuron, &s, quiet), std::invalid_argument);
  net.weights[0][2] = NAN;
  BOOST_CHECK_THROW(lipsdp_certify(net, lipsdp_variant::neuron, nullptr, quiet), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
