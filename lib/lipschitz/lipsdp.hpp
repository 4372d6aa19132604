// Certified LipSDP upper bounds of the l2 Lipschitz constant of a feed-forward network with
// slope-restricted activations (ReLU: slopes [0, 1]); docs/math.md §6 (LipSDP, Fazlyab et al. 2019,
// Thm 2) and §7 / docs/numerics.md (verified Cholesky).
//
// Method. The semidefinite program "minimise rho subject to M(rho, T) <= 0, T >= 0 diagonal" is
// solved in floating point (untrusted) by an interior-point method specialised to its rank-2
// multiplier matrices (lipsdp.cpp; SDPA 7's library on request, lipsdp_options::solver, much slower
// beyond a few hundred neurons: see README). Its multipliers T (clipped to >= 0) are then used
// to build -M(rho', T) for a rho' slightly above the solver's rho as an interval matrix (every
// product of the binary64 weights and multipliers rounded outward) and the verified Cholesky test
// of lib/linalg/lambda_min.hpp proves lambda_min(-M(rho', T)) > 0. LipSDP's theorem then gives
// ||f||_Lip <= sqrt(rho'), rounded up.
//
// Stable neurons (alpha_i = beta_i) are eliminated before the solve: a neuron with slopes [0, 0]
// outputs 0 and is dropped, one with [g, g] outputs g times its pre-activation and is substituted
// into the next layer (its coefficients carried as intervals). This is LipSDP applied to the
// network rewritten with skip connections; the theorem's proof (a sum of valid quadratic
// constraints) holds unchanged for it, and it is the limit of LipSDP with t_i -> infinity.
// Each layer is scaled by a power of two (exact) so that the solver sees ||W_l|| ~ 1.
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "network/network.hpp"

namespace ntk {

enum class lipsdp_variant { layer, neuron };

// Per hidden neuron slopes, layers 1..L-1 concatenated in network order (layer 1's n_1 neurons
// first). Empty vectors mean ReLU's [0, 1] everywhere. Each alpha_i <= beta_i, finite. A neuron with
// alpha_i = beta_i is "stable" (e.g. [0,0] inactive or [1,1] active on the input set of a local bound).
struct neuron_slopes {
  std::vector<double> alpha, beta;
};

struct lipsdp_result {
  bool certified = false;  // upper is a proven bound of the l2 Lipschitz constant
  double upper = std::numeric_limits<double>::infinity();  // certified: ||f||_Lip <= upper (rounded up)
  double solver_value = std::numeric_limits<double>::quiet_NaN();  // sqrt(rho) as the solver reported it (not a bound)
  double rho_proved = std::numeric_limits<double>::quiet_NaN();    // the rho' for which -M(rho', T) >= 0 was proven
  int attempts = 0;        // proof attempts (verified Cholesky runs)
  double seconds = 0;      // wall time of the whole call
  double solve_seconds = 0;  // wall time of the SDP solver alone
  std::string solver;      // "structured interior point (...)" or "sdpa 7"; "none" when no SDP was needed
  std::string note;        // why not certified / what was done
  // The multipliers t_i of the proof (or of the last attempt), per hidden neuron in network order
  // (0 for eliminated stable neurons), in the units of the original network.
  std::vector<double> multipliers;
  std::size_t free_neurons = 0;  // hidden neurons left in the SDP after eliminating stable ones
};

struct lipsdp_options {
  // "structured" (default): the interior-point method of lipsdp.cpp that exploits the rank-2
  // multipliers (if its multipliers cannot be certified and N <= 400, SDPA is tried next);
  // "sdpa": SDPA 7's C++ library only (generic sparse SDP code, slow beyond ~200 neurons).
  std::string solver = "structured";
  double solver_epsilon = 1e-7;      // relative gap / infeasibility tolerance (SDPA: epsilonStar/Dash)
  int solver_threads = 0;            // SDPA threads (0: its default)
  // The proof accepts rho' <= rho_solver * (1 + max_relative_increase) only: a solver that lies
  // (or is inaccurate beyond this) yields certified = false rather than a weaker bound.
  double max_relative_increase = 1e-3;
  // Test hook: applied to the solver's (rho, t) (scaled units, t per free neuron) before the proof.
  std::function<void(double& rho, std::vector<double>& t)> tamper;
  // If not empty: the SDP is also written to this path in SDPA sparse format (.dat-s), e.g. for CSDP.
  std::string dump_sdpa;
  // If true: only dump (needs dump_sdpa) and return without solving.
  bool dump_only = false;
};

// The result's `upper`, when `certified`, is >= the l2 Lipschitz constant of
//     x -> W_L s_{L-1}(W_{L-1} ... s_1(W_1 x) ...)
// for EVERY choice of per-neuron scalar functions s with slopes in [alpha_i, beta_i] (ReLU by
// default), W_l the exact binary64 weights of `net` (biases are ignored: they do not change the
// constant). Not certified: upper = +inf and `note` says why. L = 1 (no hidden neuron) is the
// spectral norm ||W_1||, certified by the same test (no solver needed), likewise when every hidden
// neuron is stable. Throws std::invalid_argument on malformed networks or slopes.
lipsdp_result lipsdp_certify(const network& net, lipsdp_variant v, const neuron_slopes* slopes,
                             progress_sink& progress);
lipsdp_result lipsdp_certify(const network& net, lipsdp_variant v, const neuron_slopes* slopes,
                             progress_sink& progress, const lipsdp_options& options);

// "lipsdp-layer" / "lipsdp-neuron".
const char* lipsdp_variant_name(lipsdp_variant v);

}  // namespace ntk
