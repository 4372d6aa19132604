// Concrete ReLU networks from where users keep them (docs/cli.md "Networks: --network SPEC").
//
// SPEC is one of
//   random:widths=n0,n1,...,nL&init=he|lecun|normal&seed=S
//       Gaussian weights W_l[i][j] = beta_l * z with z standard normal, no biases;
//       beta_l = sqrt(2 / n_{l-1}) (he, the default), sqrt(1 / n_{l-1}) (lecun), 1 (normal);
//       seed defaults to 0; widths is required (at least two entries, each >= 1).
//       Generation, bit-reproducible on every IEEE 754 machine (basic operations only, no libm):
//         for layer l = 1..L, one stream detail::normal_stream(S, l - 1, network_stream_domain)
//         (lib/data/synthetic.hpp: splitmix64 -> xoshiro256** -> Marsaglia's polar method with
//         detail::deterministic_log); its normals z_0, z_1, ... fill W_l in row-major (out x in)
//         order: W_l[i][j] = beta_l * z_{i * n_{l-1} + j}, one rounding, where
//         beta_l = sqrt(c / double(n_{l-1})) with c = 2.0 (he) or 1.0 (lecun), and beta_l = 1
//         exactly (normal: W_l[i][j] = z). The spare normal of the last polar pair of a layer is
//         dropped. sha256 is the SHA-256 of the spec text.
//   PATH.npz          numpy savez / savez_compressed: W1..WL (float64, float32 or float16, widened
//                     exactly; C or Fortran order), optional b1..bL.
//   PATH.safetensors  tensors <prefix>.weight / <prefix>.bias (F64, F32, F16, BF16, widened
//                     exactly), layers ordered by the numbers in their prefixes ("0", "2", ...,
//                     "net.0", "fc1", ...), as torch nn.Sequential of Linear layers saves them.
//   PATH.mat          MATLAB v5/v7/v7.3 file with a cell array `weights` and optionally `biases`
//                     (double or single), as LipSDP stores networks.
// For files, sha256 is the SHA-256 of the file bytes. A bias that a file leaves out (safetensors:
// Linear(bias=False); npz/mat: a missing b_l while others are present) is the zero vector.
//
// Layout: out_in reads each stored matrix as W_l (n_l x n_{l-1}, PyTorch), in_out as W_l^T
// (scikit-learn's coefs_). detect: the orientation in which the shapes chain and the biases have the
// right lengths; refused (data_error) when both orientations are consistent (e.g. all matrices
// square, or a single layer without biases) or neither is.
//
// Every malformed input (unreadable or truncated file, unsupported dtype, missing or unexpected
// array, zero-size array, shapes that do not chain, bias of wrong length, NaN or infinite entry)
// throws ntk::data_error whose message names the file and the array, e.g.
//   "net.npz: array W2: shape (3, 5) does not chain with W1 of shape (4, 2)".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/errors.hpp"
#include "network/network.hpp"

namespace ntk {

// The network of SPEC (see above). The result holds exactly the doubles the file stores (widened
// exactly from narrower formats) or the generator produces; source = spec.
network network_load(const std::string& spec, weight_layout layout = weight_layout::detect);

// Writes W1..WL (float64, out x in, C order) and, when net.has_biases, b1..bL (float64, 1-D) as an
// uncompressed numpy .npz archive, atomically (temporary file in the same directory + rename):
// numpy.load(path)["W1"] holds exactly net.W(1). Throws ntk::io_error (certificate/io.hpp) when the
// file cannot be written, std::invalid_argument for an inconsistent network.
void network_save_npz(const network& net, const std::string& path);

// For 1 <= k <= depth: the map g_k = W_k relu(... relu(W_1 x + b_1) ...) + b_k (layers 1..k, the
// last one linear; docs/math.md §6), or with apply_relu_output the map f_k = relu(g_k), realised as layers
// 1..k followed by the identity layer I_{n_k} (zero bias when the network has biases), so that
// every layer-wise method (LipSDP) handles it. The weights are copies of the exact doubles; source
// and sha256 are those of net. Throws std::invalid_argument for k outside [1, depth].
network network_truncate(const network& net, std::size_t k, bool apply_relu_output);

// The network's output at x (length n_0) in plain binary64 arithmetic (sums left to right, ReLU
// between layers). No guarantee: for diagnostics and candidate search only.
std::vector<double> network_forward_float(const network& net, const double* x);

// A one-line summary, e.g. "784-500-200-50-10, biases" or "10-20-1, no biases".
std::string network_describe(const network& net);

// Throws std::invalid_argument unless widths/weights/biases have consistent sizes (depth >= 1,
// every width >= 1). Does not look at the values.
void network_check_consistent(const network& net);

enum class random_init { he, lecun, normal };

struct random_network_spec {
  std::vector<std::size_t> widths;
  random_init init = random_init::he;
  std::uint64_t seed = 0;
};

// Parses "random:widths=...&init=...&seed=S" (parameters in any order, each at most once). Throws
// data_error naming the spec when malformed.
random_network_spec parse_random_network_spec(const std::string& spec);

// The random network of the spec (generation order above); source and sha256 are left empty.
network random_network(const random_network_spec& p);

// The domain constant that separates the network streams from the synthetic data rows.
inline constexpr std::uint64_t network_stream_domain = 0x6E6574776F726B31ull;  // "network1"

}  // namespace ntk
