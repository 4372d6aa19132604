// Local Lipschitz brackets over a ball around each data row (docs/math.md §6, "Local bounds"): the l2
// operator norm of the Jacobians of the network over B = {x : ||x - c||_p <= eps}, p = inf or 2,
// c = (num/den) * row exactly.
//
// Interval bound propagation encloses every pre-activation over B (l_inf: the box [c - eps, c + eps];
// l2: W_1 c + b_1 +- eps ||w_i|| for the first layer, then boxes). A neuron is stable when its
// enclosure excludes 0 (its slope is fixed, 0 or 1), unstable otherwise (slope in [0, 1]).
//   upper: every Jacobian (Clarke generalised ones included) at points of B lies in the interval
//          product P = W_L S_{L-1} W_{L-1} ... S_1 W_1 (S_l diagonal, entries {0}, {1} or [0, 1]),
//          enclosed in midpoint-radius form [M +- R]; so sup ||J|| <= ||M||_2 + ||R||_2, both
//          certified by spectral_norm_enclose. Also a norm-wise split (slope 1/2 at unstable
//          neurons, the deviation bounded in operator norm: local.cpp, norm_split_upper).
//          Optionally also a caller-supplied bound from the
//          per-neuron slopes (LipSDP-Neuron), and a global upper bound; the smallest is kept.
//   lower: Lemma 6.1 at the row itself and at a few points of B (each proven to lie in B).
// A row with every neuron stable has one Jacobian on B: lower and upper agree up to rounding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "network/network.hpp"

namespace ntk {

enum class ball_norm { l2, linf };

struct local_options {
  double radius = 0;               // eps >= 0, an exact double
  ball_norm norm = ball_norm::linf;
  std::size_t extra_points = 4;    // points of B besides the row tried for the lower bound
  std::uint64_t seed = 0;
  double global_upper = std::numeric_limits<double>::infinity();  // a certified global bound, used as a cap
  // Optional: a certified upper bound of the Lipschitz constant over B given the per-neuron slope
  // ranges [alpha_i, beta_i] (hidden layers 1..L-1 concatenated; stable neurons have alpha = beta).
  // Called only for rows with at least one unstable neuron; +inf when it fails.
  std::function<double(const std::vector<double>& alpha, const std::vector<double>& beta)> slope_upper;
};

struct local_point {
  std::size_t index = 0;   // row index within the data given
  double lower = 0;        // certified: Lip(f on B) >= lower (0 when no point was certified)
  double upper = std::numeric_limits<double>::infinity();  // certified: Lip(f on B) <= upper
  bool stable = false;     // every hidden neuron stable on B
  std::size_t unstable = 0;
  std::string upper_method;  // "interval-product", "norm-split", "lipsdp-neuron" or "global"
  double interval_upper = std::numeric_limits<double>::infinity();
  double split_upper = std::numeric_limits<double>::infinity();
  double slope_upper = std::numeric_limits<double>::infinity();
  double float_at_row = std::numeric_limits<double>::quiet_NaN();  // float ||J(c)||, no guarantee
};

struct local_result {
  std::vector<local_point> points;
  std::size_t all_stable = 0;
  double seconds = 0;
};

// Per-row brackets of the Lipschitz constant of net on B(row_i, eps), rows of `x` (rows x n_0,
// row-major) scaled by num/den exactly. Guarantee: lower <= sup_{x in B} ||J(x)||_2 = Lip(net|B) <= upper
// (for B convex, the Lipschitz constant on B is the sup of the Jacobian norms where they exist).
local_result local_lipschitz(const network& net, const std::vector<double>& x, std::size_t rows, double num,
                             double den, const local_options& opt, progress_sink& progress);

// Enclosures of the hidden pre-activations over B (layers 1..L-1 concatenated): lo/hi per neuron.
// Exposed for tests.
void ball_preactivation_bounds(const network& net, const double* row, double num, double den, double eps,
                               ball_norm norm, std::vector<double>& lo, std::vector<double>& hi);

}  // namespace ntk
