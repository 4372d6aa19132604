// The three normalisations of the NTK in use (docs/cli.md, `certify kernel --convention`), as exact
// scalings of enclosures.
//
//   paper            K^(L) of docs/math.md §2 (He-type recursion with the factor 2 inside κ₁, κ₀).
//   neural-tangents  K^(L)/d: neural-tangents' default "ntk" parameterisation with W_std = √2 for
//                    the hidden layers (the first one included), W_std = 1 for the readout and no
//                    bias: its first layer contributes 2/d, its readout 1/2.
//   uci              K^(L)/2^(L-1): the arc-cosine recursion without the factor 2 per ReLU layer
//                    (σ_w² = 1: κ₁/2 and κ₀/2 per layer); every term G^(l)∘Ġ^(l+1)∘…∘Ġ^(L) then
//                    loses one factor 2 per ReLU layer, L - 1 in all.
//
// What is scaled: K and G are multiplied by the convention's factor f (1, 1/d, 2^-(L-1)) with L the
// network depth, at every exported layer, so that at layer L the exported K is exactly the
// convention's NTK and G is consistent with it (λ_min and every certified number scale by f).
// Ġ is left unchanged in every convention: it is the paper's κ₀ (values in [0, 1], diagonal 1);
// neural-tangents' and the UCI code's own per-layer derivative kernels are κ₀/2.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "interval/interval.hpp"
#include "kernel/detail/interval_ops.hpp"
#include "kernel/ntk.hpp"
#include "linalg/dense.hpp"

namespace ntk {

enum class kernel_convention { paper, neural_tangents, uci };

// "paper", "neural-tangents", "uci".
inline const char* kernel_convention_name(kernel_convention c) {
  switch (c) {
    case kernel_convention::neural_tangents: return "neural-tangents";
    case kernel_convention::uci: return "uci";
    default: return "paper";
  }
}

// The convention named s (exact spelling as printed above), or nullopt.
inline std::optional<kernel_convention> parse_kernel_convention(std::string_view s) {
  if (s == "paper") return kernel_convention::paper;
  if (s == "neural-tangents") return kernel_convention::neural_tangents;
  if (s == "uci") return kernel_convention::uci;
  return std::nullopt;
}

// The factor f = 1 / (divisor · 2^pow2) of a convention: divisor = d for neural-tangents, else 1;
// pow2 = depth - 1 for uci, else 0. Both parts are exact integers.
struct convention_factor {
  double divisor = 1;  // an integer < 2^53
  int pow2 = 0;
};

// Throws std::invalid_argument for depth outside [1, ntk_max_depth] or d = 0 with neural-tangents.
inline convention_factor kernel_convention_factor(kernel_convention c, std::size_t d, int depth) {
  if (depth < 1 || depth > ntk_max_depth) throw std::invalid_argument("depth out of range");
  convention_factor f;
  if (c == kernel_convention::neural_tangents) {
    if (d == 0) throw std::invalid_argument("neural-tangents convention needs d >= 1");
    f.divisor = static_cast<double>(d);
  }
  if (c == kernel_convention::uci) f.pow2 = depth - 1;
  return f;
}

// Contains f·t for every t in x (f = 1/(divisor·2^pow2)); the power of two is exact, the division
// by d rounds outward (exact when d is a power of two).
template <class I>
I apply_convention_factor(const I& x, const convention_factor& f) {
  I r = kernel_detail::times_pow2(x, -f.pow2);
  if (f.divisor != 1) r = r / f.divisor;
  return r;
}

// Scales an exported matrix in place: K and G by the convention's factor, Ġ not at all (see above).
// Guarantee: if m's entries contained the paper-convention values, they now contain the
// convention's values.
template <class I>
void apply_convention(dense_matrix<I>& m, kernel_which which, kernel_convention c, std::size_t d, int depth) {
  if (which == kernel_which::Gdot) return;
  const convention_factor f = kernel_convention_factor(c, d, depth);
  if (f.divisor == 1 && f.pow2 == 0) return;
  for (auto& x : m.data) x = apply_convention_factor(x, f);
}

}  // namespace ntk
