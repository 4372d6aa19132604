// Internal to lib/lipschitz (not installed): the LipSDP problem in the SDP coordinates, its SDPA
// form, and the two untrusted solvers (SDPA in lipsdp_sdpa.cpp, the structured interior-point
// method in lipsdp_ipm.cpp). lipsdp.cpp builds the problem, calls a solver and proves the result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "interval/dinterval.hpp"
#include "lipschitz/lipsdp.hpp"

namespace ntk::lipsdp_detail {

// A linear form in the SDP coordinates z: sorted (index, coefficient enclosure) pairs.
struct zentry {
  std::uint32_t idx;
  dinterval v;
};
using zvec = std::vector<zentry>;

struct free_neuron {
  std::uint32_t z;       // its coordinate in z
  std::size_t hidden;    // index among all hidden neurons, network order
  std::size_t layer;     // 1-based layer
  double alpha, beta;
  zvec a;                // its pre-activation as a linear form in z (indices < z)
};

// The network rewritten in the SDP coordinates z = (x_0, free hidden neurons), weights scaled by
// powers of two: W'_l = 2^-e_l W_l exactly. With sigma_l = 2^-(e_1 + ... + e_l), a certificate
// (rho', t') of the scaled network gives rho = rho' 2^(2 E_L) and t_i = t'_i 2^(2(E_L - E_l)) for
// the original one (E_l = e_1 + ... + e_l), because x'_l = sigma_l x_l.
struct problem {
  std::size_t n0 = 0, N = 0, L = 0, n_hidden = 0;
  std::vector<free_neuron> neurons;
  std::vector<zvec> C;       // output rows (n_L of them)
  std::vector<int> E;        // E[l] = e_1 + ... + e_l, E[0] = 0
  std::vector<std::size_t> layer_free;  // free neurons per layer (index l)
};

// The scaled network in the SDP coordinates (throws std::invalid_argument on malformed input).
problem build_problem(const network& net, const neuron_slopes* slopes);

// Exact midpoint of an enclosure (a double: only used to feed the untrusted solvers).
double midpoint(const dinterval& x);

// ---------------------------------------------------------------------------------------------
// The SDP in SDPA's form: minimise sum c_k x_k subject to sum_k F_k x_k - F_0 >= 0, with x_1 = rho
// and x_2.. the multipliers (one per free neuron, or one per layer with free neurons), blocks:
// 1 = the N x N LMI -M(rho, T) = rho E_0 - C'C + sum t_i G_i, 2 = LP block t >= 0.
// G_i = 2 alpha beta a a' - (alpha + beta)(a e_k' + e_k a') + 2 e_k e_k'.
struct sdp_entry {
  int k, block, i, j;  // 1-based i <= j
  double v;
};

struct sdp_data {
  int m = 0;         // number of variables
  int N = 0, nlp = 0;
  std::vector<int> group;  // free neuron -> variable index (2..m)
  std::vector<sdp_entry> entries;
};

// The variables of the SDP (and with_entries: its entries in SDPA's sparse form).
sdp_data build_sdp(const problem& P, lipsdp_variant v, bool with_entries);

// ---- the SDPA solver (lipsdp_sdpa.cpp) --------------------------------------------------------

struct solve_outcome {
  double rho = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> x;  // variables 2..m
  std::string phase;
  std::string warnings;  // what SDPA printed besides its iteration display
  int iterations = 0;
};

// The SDP in SDPA's sparse text format (throws std::runtime_error on a write error).
void write_sdpa_file(const sdp_data& D, const std::string& path);
// "sdpa <version>" as the library reports it.
std::string sdpa_version();
solve_outcome solve_sdpa(const sdp_data& D, const lipsdp_options& opt, progress_sink& progress);

// ---- the structured interior-point method (lipsdp_ipm.cpp) -------------------------------------

// ---------------------------------------------------------------------------------------------
// A primal-dual interior-point method (HKM direction, Mehrotra predictor-corrector, infeasible
// start) specialised to LipSDP's structure: every multiplier's constraint matrix has rank 2,
//     A_i = -G_i = [a_i e_z] [[-2 alpha beta, alpha + beta], [alpha + beta, -2]] [a_i e_z]',
// with a_i supported on the previous layer's block, so the Schur complement
//     H_ij = tr(A_i X A_j S^-1) = tr(Q_i (U_i' X U_j) Q_j (U_j' S^-1 U_i))
// needs only U'XU and U'S^-1U (dense products of the size of the weight matrices), where a generic
// sparse SDP code spends O(m N nnz) per iteration. Untrusted like any solver: only its (rho, T)
// are used, and the proof decides.
//   (P) min <C, X>  s.t. <A_k, X> + <A_k^lp, x> = b_k,  X >= 0, x >= 0
//   (D) max b'y     s.t. sum_k y_k A_k + S = C, S >= 0, s = y_t >= 0,
// y = (rho, t_groups), b = (-1, 0, ..., 0), C = -C_out'C_out, A_rho = -E_0, A_g = sum_{i in g} A_i.
struct ipm_block {
  std::size_t i0, i1, lo, hi;  // neurons [i0, i1) (one layer), columns [lo, hi) of their a_i
  std::vector<double> A;       // (i1 - i0) x (hi - lo), row-major
  bool has_q11 = false;
};

struct ipm_data {
  std::size_t N = 0, n0 = 0, nf = 0, mt = 0;
  std::vector<std::uint32_t> z;
  std::vector<double> q11, q12, q22;
  std::vector<int> grp;  // neuron -> group (0..mt-1)
  std::vector<ipm_block> blocks;
  std::vector<double> C;  // N x N
};

ipm_data make_ipm_data(const problem& P, const sdp_data& D);
solve_outcome solve_structured(const ipm_data& d, double eps, progress_sink& progress, bool echo);

}  // namespace ntk::lipsdp_detail
