// Hermite coefficients of ReLU and of its derivative, the step function (docs/math.md §3).
//
// With the orthonormal Hermite polynomials h_r = He_r/√(r!), σ = Σ_r μ_r h_r and
// c_r = 2μ_r² is the coefficient of ρ^r in κ₁ (σ = ReLU) or κ₀ (σ = step = 1{t>0}):
//
//   ReLU: c_0 = 1/π, c_1 = 1/2, c_r = 0 (odd r ≥ 3), c_r = ((r-3)!!)²/(π·r!) (even r ≥ 2)
//   step: c_0 = 1/2, c_r = 0 (even r ≥ 2),          c_r = ((r-2)!!)²/(π·r!) (odd r)
//   sign μ_r: ReLU (-1)^(r/2+1) for even r ≥ 2, step (-1)^((r-1)/2) for odd r, + for r ≤ 1.
//
// So every c_r is rational·π^k with k ∈ {0, -1}, held here exactly (GMP rationals), and every μ_r
// is sign·√(c_r/2). Enclosures come from the recurrence on the rational part along the nonzero
// orders, c_{r}/c_{r-2} = (r-3)²/((r-1)r) (ReLU) or (r-2)²/((r-1)r) (step), in MPFI with guard
// bits, then rounded outward to the requested precision: O(1) per order, so order 10⁶ is cheap,
// whereas the exact rationals grow like r·log r bits.
#pragma once

#include <boost/multiprecision/gmp.hpp>
#include <mpfi.h>
#include <mpfr.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interval/dinterval.hpp"
#include "interval/minterval.hpp"

namespace ntk::hermite {

enum class activation { relu, step };

// "relu" or "step".
const char* activation_name(activation a);
// The activation called s ("relu" or "step", exactly); nullopt for anything else.
std::optional<activation> parse_activation(std::string_view s);

using rational = boost::multiprecision::mpq_rational;

// The real number value·π^pi_power, value ≥ 0 in lowest terms, pi_power ∈ {0, -1}.
struct pi_rational {
  rational value;
  int pi_power = 0;
};

// Plain syntax: "0", "1/2", "3", "1/pi", "2/pi", "1/(24*pi)", "3/(40*pi)" (value reduced; a zero
// value prints as "0" whatever pi_power).
std::string to_string(const pi_rational& x);

// The real number sign·√(square); sign ∈ {-1, 0, 1}, and sign = 0 exactly when square = 0.
struct signed_root {
  int sign = 0;
  pi_rational square;
};

// "0"; the plain root when square is a rational square without π ("1/2", "-3/4"); otherwise
// "sqrt(...)" or "-sqrt(...)" around to_string(square), e.g. "-sqrt(1/(48*pi))".
std::string to_string(const signed_root& x);

// True exactly when c_r = μ_r = 0 (ReLU: odd r ≥ 3; step: even r ≥ 2).
bool is_zero_order(activation a, unsigned r);

// The sign of μ_r: -1, 0 or 1.
int mu_sign(activation a, unsigned r);

// c_r = 2μ_r², exactly, from the double-factorial formula above. Cost: GMP factorials of r,
// so about r·log₂ r bits of work space; use exact_c_table for many consecutive orders.
pi_rational exact_c(activation a, unsigned r);

// μ_r exactly, as sign·√(c_r/2).
signed_root exact_mu(activation a, unsigned r);

// c_0, ..., c_{max_order} exactly (element r is exact_c(a, r)), built by the recurrence with
// GMP's cross-cancelling rational products, O(size of c_r) per order. Throws std::bad_alloc when
// the rationals do not fit in memory (order 10⁴ takes about 0.1 MB per entry).
std::vector<pi_rational> exact_c_table(activation a, unsigned max_order);

// Largest order the enclosure code accepts: (r+1)(r+2) must fit in an unsigned long.
inline constexpr unsigned max_supported_order = 2147483647u;
// Precisions (bits) the enclosure code accepts.
inline constexpr long min_precision_bits = 2;
inline constexpr long max_precision_bits = 1L << 28;

// An MPFI interval that owns its storage (fixed precision, copyable, movable).
class mpfi_value {
 public:
  explicit mpfi_value(long precision_bits);
  mpfi_value(const mpfi_value& other);
  mpfi_value(mpfi_value&& other) noexcept;
  mpfi_value& operator=(const mpfi_value& other);  // takes other's precision; exact copy
  mpfi_value& operator=(mpfi_value&& other) noexcept;
  ~mpfi_value();
  mpfi_ptr get() { return &v_; }
  mpfi_srcptr get() const { return &v_; }

 private:
  __mpfi_struct v_;
  bool owns_ = false;
};

// Walks the orders r = 0, 1, 2, ..., max_order, keeping enclosures of c_r, μ_r, the partial sum
// S_r = Σ_{k≤r} c_k and the tail mass 1 - S_r = Σ_{k>r} c_k. Memory O(1): meant for streaming
// long listings. Every enclosure has precision_bits bits: each is computed with guard bits
// (enough for max_order steps of the recurrence) and rounded outward, so it contains the true
// value and is typically one or two ulps wide. Exact zeros (c_r = 0) are the point [0, 0]; the
// exactly representable values (ReLU c_1 = 1/2, μ_1 = 1/2; step c_0 = 1/2, μ_0 = 1/2) are points.
// S_r is clipped to ≤ 1 and the tail mass to ≥ 0 (true since Σ c_r = 1 and c_r ≥ 0).
class coefficient_walker {
 public:
  // Starts at r = 0. Throws std::invalid_argument when max_order > max_supported_order or
  // precision_bits ∉ [min_precision_bits, max_precision_bits].
  coefficient_walker(activation a, unsigned max_order, long precision_bits);

  activation act() const { return act_; }
  unsigned order() const { return r_; }
  unsigned max_order() const { return max_order_; }
  long precision_bits() const { return out_prec_; }
  bool at_end() const { return r_ == max_order_; }
  // Moves to order r + 1. Throws std::out_of_range when at_end().
  void advance();

  // Enclosures for the current order r (valid until the next advance()).
  mpfi_srcptr c() const { return c_.get(); }
  mpfi_srcptr mu() const { return mu_.get(); }
  mpfi_srcptr partial_sum() const { return sum_.get(); }
  mpfi_srcptr tail_mass() const { return tail_.get(); }

 private:
  void publish();

  activation act_;
  unsigned r_ = 0, max_order_;
  long out_prec_, work_prec_;
  mpfi_value pi_inv_, chain_q_, plain_sum_, pi_sum_, tmp_;  // working precision
  mpfi_value c_, mu_, sum_, tail_;                          // output precision
};

// The same enclosures stored for every order 0..max_order, for random access by the kernel and
// bound code. Four intervals per order (about 0.5 KB per order at 64 bits): for listings of
// hundreds of thousands of orders stream with coefficient_walker instead.
class coefficient_table {
 public:
  // Same contract and exceptions as coefficient_walker.
  coefficient_table(activation a, unsigned max_order, long precision_bits);

  activation act() const { return act_; }
  unsigned max_order() const { return max_order_; }
  long precision_bits() const { return prec_; }

  // Contains c_r; [0, 0] exactly when c_r = 0. Throws std::out_of_range when r > max_order().
  mpfi_srcptr c(unsigned r) const { return entry(r).c.get(); }
  // Contains μ_r (sign included); [0, 0] exactly when μ_r = 0. Same exception.
  mpfi_srcptr mu(unsigned r) const { return entry(r).mu.get(); }
  // Contains S_R = Σ_{r≤R} c_r, within [0, 1]. Same exception.
  mpfi_srcptr partial_sum(unsigned R) const { return entry(R).sum.get(); }
  // Contains 1 - S_R = Σ_{r>R} c_r, within [0, 1]. Same exception.
  mpfi_srcptr tail_mass(unsigned R) const { return entry(R).tail.get(); }

 private:
  struct row {
    mpfi_value c, mu, sum, tail;
  };
  const row& entry(unsigned r) const;

  activation act_;
  unsigned max_order_;
  long prec_;
  std::vector<row> rows_;
};

// The interval x in tier I, rounded outward: the result contains every point of x. For dinterval
// the endpoints are rounded to doubles (toward -inf / +inf); for minterval, to the working
// precision. NaN endpoints stay NaN; [0, 0] stays exact.
template <class I>
I from_mpfi(mpfi_srcptr x);

template <>
inline dinterval from_mpfi<dinterval>(mpfi_srcptr x) {
  return {mpfr_get_d(&x->left, MPFR_RNDD), mpfr_get_d(&x->right, MPFR_RNDU)};
}

template <>
inline minterval from_mpfi<minterval>(mpfi_srcptr x) {
  minterval r;
  mpfi_set(mpfi_of(r), x);
  return r;
}

// Enclosures of c_r (or μ_r) at precision bits, from the exact value (see exact_c): contains
// the true value, at most a few ulps wide, [0, 0] for exact zeros. Cost of exact_c; for many
// orders build a coefficient_table instead. Throws std::invalid_argument for precision_bits
// outside [min_precision_bits, max_precision_bits].
mpfi_value c_enclosure(activation a, unsigned r, long precision_bits);
mpfi_value mu_enclosure(activation a, unsigned r, long precision_bits);

}  // namespace ntk::hermite

namespace ntk {

// c_r = 2μ_r² of activation a in tier I (double tier: 53 bits rounded outward to doubles;
// precise tier: the working precision): the result contains c_r; [0, 0] when c_r = 0.
// One exact evaluation per call (see hermite::exact_c); tables: hermite::coefficient_table.
template <class I>
I hermite_c(hermite::activation a, unsigned r);

// μ_r of activation a in tier I, same contract as hermite_c.
template <class I>
I hermite_mu(hermite::activation a, unsigned r);

template <>
inline dinterval hermite_c<dinterval>(hermite::activation a, unsigned r) {
  return hermite::from_mpfi<dinterval>(hermite::c_enclosure(a, r, 53).get());
}
template <>
inline minterval hermite_c<minterval>(hermite::activation a, unsigned r) {
  return hermite::from_mpfi<minterval>(hermite::c_enclosure(a, r, working_precision_bits()).get());
}
template <>
inline dinterval hermite_mu<dinterval>(hermite::activation a, unsigned r) {
  return hermite::from_mpfi<dinterval>(hermite::mu_enclosure(a, r, 53).get());
}
template <>
inline minterval hermite_mu<minterval>(hermite::activation a, unsigned r) {
  return hermite::from_mpfi<minterval>(hermite::mu_enclosure(a, r, working_precision_bits()).get());
}

}  // namespace ntk
