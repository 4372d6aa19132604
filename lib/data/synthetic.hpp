// synthetic:sphere?n=N&d=D&seed=S — rows uniform on the sphere of radius sqrt(D), bit-reproducible.
//
// Only IEEE 754 basic operations (+ - * / sqrt, each correctly rounded to double: no fusion, the
// build uses -ffp-contract=off, and no extended-precision evaluation, FLT_EVAL_METHOD == 0, as on
// x86_64) and integer arithmetic are used, never libm's log/exp/cos, so every such machine produces
// the same bits. Row i (0-based) of seed S:
//   1. t = splitmix64(S) (first output of splitmix64 started at state S);
//      state = t xor (i * 0xD1B54A32D192ED03 mod 2^64);
//      xoshiro256** is seeded with the next four splitmix64 outputs from that state.
//   2. uniform u = 2 * ((next() >> 11) * 2^-53) - 1 in [-1, 1) (exact);
//   3. standard normals by Marsaglia's polar method: draw (u, v) until 0 < s = u*u + v*v < 1, then
//      u * f and v * f with f = sqrt(-2 * deterministic_log(s) / s); D normals z_1..z_D are taken
//      in order (a spare of the last pair is dropped when D is odd);
//   4. x_k = z_k * sqrt(D / (z_1^2 + ... + z_D^2)), the sum taken left to right.
// A vector of independent standard normals has a rotation-invariant law, so its normalisation is
// uniform on the sphere; deterministic_log differs from ln by a few units in the last place, which
// perturbs the law negligibly and the reproducibility not at all. Each row depends only on (S, i),
// so --offset/--limit select the same rows as slicing the whole set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "data/dataset.hpp"
#include "data/errors.hpp"

namespace ntk {

struct sphere_spec {
  std::uint64_t n = 0;
  std::uint64_t d = 0;
  std::uint64_t seed = 0;
};

// Parses "synthetic:sphere?n=N&d=D&seed=S" (parameters in any order, each at most once, decimal;
// n >= 1 and d >= 1 required, seed defaults to 0). Throws data_error naming the spec otherwise.
sphere_spec parse_sphere_spec(const std::string& spec);

// Writes row i (0-based) of the synthetic sphere data set with the given seed to out[0..d-1].
// d >= 1. The row has Euclidean norm sqrt(d) up to rounding (relative error below ~(d+4) * 2^-53).
void synthetic_sphere_row(std::uint64_t seed, std::uint64_t i, std::size_t d, double* out);

// The data set of a synthetic:sphere spec, rows [offset, offset + limit); sha256 is that of the
// spec text. Throws data_error for a malformed spec or an empty selection.
dataset synthetic_sphere_load(const std::string& spec, std::size_t offset,
                              std::optional<std::size_t> limit);

namespace detail {

// splitmix64 (Steele, Lea, Flood 2014): advances state by 0x9E3779B97F4A7C15 and returns the mix.
std::uint64_t splitmix64_next(std::uint64_t& state);

// xoshiro256** 1.0 (Blackman, Vigna 2018).
class xoshiro256ss {
 public:
  explicit xoshiro256ss(const std::uint64_t (&s)[4]) : s_{s[0], s[1], s[2], s[3]} {}
  std::uint64_t next();

 private:
  std::uint64_t s_[4];
};

// An approximation of ln(x) for finite x > 0 computed with IEEE basic operations only (frexp,
// + - * /), hence the same bits on every IEEE 754 machine. Relative error below 1e-15 (|error| below
// 4e-16 absolute near x = 1). Returns NaN for x <= 0 or non-finite x. Not a certified bound: it only
// shapes the synthetic data, whose exact doubles are what gets certified.
double deterministic_log(double x);

// A stream of standard normals, bit-reproducible on every IEEE 754 machine, built exactly as the
// rows above: t = splitmix64(seed) (first output of splitmix64 started at state seed);
// state = t xor (stream * 0xD1B54A32D192ED03 mod 2^64) xor domain; xoshiro256** seeded with the
// next four splitmix64 outputs from that state; uniforms u = 2 * ((next() >> 11) * 2^-53) - 1;
// Marsaglia's polar method: draw (u, v) until 0 < s = u*u + v*v < 1, then the pair u * f, v * f
// with f = sqrt(-2 * deterministic_log(s) / s). With domain 0, fill(out, d) yields the normals
// z_1..z_d of synthetic_sphere_row(seed, stream, d) before their normalisation.
class normal_stream {
 public:
  normal_stream(std::uint64_t seed, std::uint64_t stream, std::uint64_t domain = 0);
  // The next polar pair (a first, then b).
  void next_pair(double& a, double& b);
  // out[0..count-1] = the next count normals, taken pair by pair in order; the spare of the last
  // pair is dropped when count is odd (the next call starts with a fresh pair).
  void fill(double* out, std::size_t count);

 private:
  xoshiro256ss rng_;
};

}  // namespace detail

}  // namespace ntk
