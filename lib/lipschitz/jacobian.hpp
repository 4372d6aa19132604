// Certified lower bounds of the l2 Lipschitz constant of a ReLU network (docs/math.md §6, Lemma 6.1),
// and the interval forward pass they (and the local bounds of local.hpp) are built on.
//
// At a point x where no pre-activation is zero the network is differentiable with
// J(x) = W_L D_{L-1}(x) W_{L-1} ... D_1(x) W_1 (D_l the 0/1 masks of the signs), and
// ||J(x) v|| / ||v|| <= ||J(x)||_2 <= ||f||_Lip for every v != 0. The signs are proven by an
// interval forward pass (biases included), refined by an exact rational forward pass (GMP) where an
// interval straddles zero; a point with a pre-activation exactly zero is skipped. v is a float
// estimate of the top right singular vector of J(x); ||J v|| is enclosed by propagating v through
// the layers in interval arithmetic (J is never formed in float for the bound). Pair ratios
// ||f(x) - f(y)|| / ||x - y|| are certified the same way, from interval forward passes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "interval/dinterval.hpp"
#include "network/network.hpp"

namespace ntk {

// ---------------------------------------------------------------------------------------------
// Interval building blocks.

// Midpoint-radius matrix product. C = op(A) op(B), row-major, op(A) m x k, op(B) k x n. Each
// operand is mid (+ optional rad >= 0, nullptr = exact). abs_mid may hold |mid| (else computed).
// Guarantee: for every A' with |A' - A.mid| <= A.rad and B' likewise (entrywise), the exact product
// satisfies |op(A') op(B') - C_mid| <= C_rad entrywise. C_rad is +inf (and C_mid NaN-free) where
// an input is not finite.
struct midrad_operand {
  const double* mid = nullptr;
  const double* rad = nullptr;      // nullable
  const double* abs_mid = nullptr;  // nullable
  bool trans = false;               // op(X) = X' (X stored row-major with the transposed shape)
};
void midrad_gemm(std::size_t m, std::size_t n, std::size_t k, const midrad_operand& A,
                 const midrad_operand& B, double* C_mid, double* C_rad);

// Midpoint-radius form of [x.lo, x.hi]: |t - mid| <= rad for every t in x (rad = +inf, mid = 0
// when x is not finite), and back: the result contains [mid - rad, mid + rad].
void midrad_from_interval(const dinterval& x, double& mid, double& rad);
dinterval interval_from_midrad(double mid, double rad);

// One layer: for every a in the box `a` (length n_{l-1}), the result contains W_l a + b_l.
// abs_w: |W_l| (entrywise) if the caller has it, else nullptr.
std::vector<dinterval> layer_enclose(const network& net, std::size_t l, const std::vector<dinterval>& a,
                                     const double* abs_w = nullptr);

// |W_l| for every layer, computed once for callers that run many interval passes.
struct network_abs {
  std::vector<std::vector<double>> w;  // w[l-1] = |W_l|
  network_abs() = default;
  explicit network_abs(const network& net);
  const double* layer(std::size_t l) const { return w.empty() ? nullptr : w[l - 1].data(); }
};

// The exact input point x = (num / den) * v (num, den > 0 exact doubles, as in data/dataset.hpp;
// num = den = 1 for a plain double point).
struct scaled_point {
  std::vector<double> v;
  double num = 1.0;
  double den = 1.0;
  bool is_plain() const { return num == den; }
};

// Contains every coordinate of the scaled point.
std::vector<dinterval> enclose_point(const scaled_point& x);

// Interval forward pass. For every input a_0 in the box `input` (length n_0), pre[l - 1] contains
// z_l = W_l a_{l-1} + b_l for l = 1..L, where a_l = relu(z_l). pre[L - 1] encloses the output.
struct forward_bounds {
  std::vector<std::vector<dinterval>> pre;
};
forward_bounds forward_enclose(const network& net, const std::vector<dinterval>& input,
                               const network_abs* abs_w = nullptr);

// Sign of each hidden pre-activation (layers 1..L-1, concatenated): +1 proven > 0, -1 proven < 0,
// 0 undecided by the intervals.
std::vector<int> hidden_signs(const network& net, const forward_bounds& fb);

// Exact signs at the point by rational arithmetic (GMP mpq): +1, -1, or 0 for a pre-activation
// that is exactly zero. Empty when the work would exceed max_ops multiply-adds (not attempted).
std::vector<int> exact_hidden_signs(const network& net, const scaled_point& x, std::size_t max_ops);

// ---------------------------------------------------------------------------------------------
// Jacobians.

// W_l a + b_l in plain float (no guarantee).
std::vector<double> layer_float(const network& net, std::size_t l, const std::vector<double>& a);

// The float Jacobian of the masked network, J = W_L D_{L-1} ... D_1 W_1 (n_L x n_0, row-major),
// mask = hidden 0/1 activity (layers 1..L-1 concatenated). Plain float: no guarantee.
std::vector<double> jacobian_float(const network& net, const std::vector<char>& mask);

// The float top singular value and right singular vector of the n_L x n_0 matrix J (no guarantee).
double top_singular_float(const std::vector<double>& J, std::size_t rows, std::size_t cols,
                          std::vector<double>* right_vector);

// Certified ||J v|| / ||v|| rounded down, for J the masked Jacobian of `mask` (exact doubles, exact
// 0/1 masks): interval propagation of v through the layers. 0 when v is zero or not finite.
double masked_jacobian_lower(const network& net, const std::vector<char>& mask,
                             const std::vector<double>& v, const network_abs* abs_w = nullptr);

enum class point_status { certified, zero_preactivation, undecided };

struct point_lower {
  point_status status = point_status::undecided;
  double lower = 0;  // certified: ||J(x)||_2 >= lower (0 unless status == certified)
  double float_norm = std::numeric_limits<double>::quiet_NaN();  // float ||J(x)||_2, no guarantee
  bool refined_exactly = false;  // the signs needed the rational pass
  std::vector<char> mask;        // the proven activation pattern (certified only)
};

// Lemma 6.1 at the exact point x: status certified when every hidden sign is proven non-zero
// (intervals, then rationals when an interval straddles 0 and the rational pass costs at most
// max_exact_ops); then lower <= ||J(x)||_2 <= ||net||_Lip.
point_lower jacobian_lower_at(const network& net, const scaled_point& x,
                              std::size_t max_exact_ops = 4000000, const network_abs* abs_w = nullptr);

// Certified ||f(x) - f(y)|| / ||x - y|| rounded down (0 if x and y are not provably distinct):
// a lower bound of ||net||_Lip. Interval forward passes of both points.
double pair_ratio_lower(const network& net, const scaled_point& x, const scaled_point& y);

// ---------------------------------------------------------------------------------------------
// The search for a large certified lower bound of ||net||_Lip.

struct jacobian_search_options {
  std::size_t random_points = 64;  // Gaussian points N(0, s^2 I), s from the data (1 without)
  double time_limit = 5.0;         // seconds for the climbing search (0: no climbing)
  std::uint64_t seed = 0;
  std::size_t certify_top = 8;     // certify this many best float candidates
  std::size_t max_exact_ops = 4000000;
  std::size_t max_data_rows = 2000;
};

struct jacobian_search_result {
  double lower = 0;  // certified: ||net||_Lip >= lower
  double float_at_best = std::numeric_limits<double>::quiet_NaN();  // float ||J|| at the best certified point
  double float_best = std::numeric_limits<double>::quiet_NaN();     // largest float ||J|| seen anywhere
  std::string best_origin;  // "data row i", "random", "search", "pair"
  std::size_t evaluated = 0, certified = 0, skipped_zero = 0, skipped_undecided = 0, exact_refinements = 0;
  double pair_lower = 0;    // best certified pair ratio
  double seconds = 0;
};

// Candidates: the data rows (rows of `data`, each scaled by num/den, when data is non-null),
// random points, and a climbing search across activation regions (random steps and jumps across
// the nearest first-layer hyperplanes, accepted when the float ||J|| grows). The best float
// candidates are certified with jacobian_lower_at; pair ratios with a nearby point along the top
// singular vector back up points whose signs cannot be proven. lower is the largest certified value.
jacobian_search_result jacobian_lower_search(const network& net, const std::vector<double>* data,
                                             std::size_t data_rows, double num, double den,
                                             const jacobian_search_options& opt);

}  // namespace ntk
