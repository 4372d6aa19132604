#include "hermite/coefficients.hpp"

#include <gmp.h>

#include <stdexcept>
#include <utility>

namespace ntk::hermite {

const char* activation_name(activation a) { return a == activation::relu ? "relu" : "step"; }

std::optional<activation> parse_activation(std::string_view s) {
  if (s == "relu") return activation::relu;
  if (s == "step") return activation::step;
  return std::nullopt;
}

namespace {

std::string mpz_string(mpz_srcptr z) {
  char* s = mpz_get_str(nullptr, 10, z);
  std::string out(s);
  void (*free_fn)(void*, size_t);
  mp_get_memory_functions(nullptr, nullptr, &free_fn);
  free_fn(s, out.size() + 1);
  return out;
}

void check_precision(long bits) {
  if (bits < min_precision_bits || bits > max_precision_bits)
    throw std::invalid_argument("hermite: precision " + std::to_string(bits) + " bits is outside [" +
                                std::to_string(min_precision_bits) + ", " +
                                std::to_string(max_precision_bits) + "]");
}

// Bits of an unsigned number (0 for 0).
long bit_length(unsigned long n) {
  long b = 0;
  while (n) {
    ++b;
    n >>= 1;
  }
  return b;
}

// Sets out to sign·√(c/2) (all at out's precision, outward). c ≥ 0.
void mu_from_c(mpfi_ptr out, mpfi_srcptr c, int sign) {
  if (sign == 0) {
    mpfi_set_ui(out, 0);
    return;
  }
  mpfi_div_2ui(out, c, 1);
  mpfi_sqrt(out, out);
  if (sign < 0) mpfi_neg(out, out);
}

}  // namespace

std::string to_string(const pi_rational& x) {
  mpq_srcptr q = x.value.backend().data();
  if (mpq_sgn(q) == 0) return "0";
  const std::string num = mpz_string(mpq_numref(q));
  const bool unit_den = mpz_cmp_ui(mpq_denref(q), 1) == 0;
  const std::string den = unit_den ? std::string() : mpz_string(mpq_denref(q));
  if (x.pi_power == 0) return unit_den ? num : num + "/" + den;
  if (unit_den) return num + "/pi";
  return num + "/(" + den + "*pi)";
}

std::string to_string(const signed_root& x) {
  if (x.sign == 0) return "0";
  const std::string sign = x.sign < 0 ? "-" : "";
  mpq_srcptr q = x.square.value.backend().data();
  if (x.square.pi_power == 0 && mpz_perfect_square_p(mpq_numref(q)) && mpz_perfect_square_p(mpq_denref(q))) {
    pi_rational root;
    mpq_ptr r = root.value.backend().data();
    mpz_sqrt(mpq_numref(r), mpq_numref(q));
    mpz_sqrt(mpq_denref(r), mpq_denref(q));  // a root of a reduced fraction is reduced
    return sign + to_string(root);
  }
  return sign + "sqrt(" + to_string(x.square) + ")";
}

bool is_zero_order(activation a, unsigned r) {
  return a == activation::relu ? (r >= 3 && r % 2 == 1) : (r >= 2 && r % 2 == 0);
}

int mu_sign(activation a, unsigned r) {
  if (is_zero_order(a, r)) return 0;
  if (r <= 1) return 1;
  // ReLU even r: (-1)^(r/2+1); step odd r: (-1)^((r-1)/2).
  const unsigned e = a == activation::relu ? r / 2 + 1 : (r - 1) / 2;
  return e % 2 == 0 ? 1 : -1;
}

pi_rational exact_c(activation a, unsigned r) {
  pi_rational out;
  mpq_ptr q = out.value.backend().data();
  if (is_zero_order(a, r)) return out;
  const bool plain = (a == activation::relu && r == 1) || (a == activation::step && r == 0);
  if (plain) {
    mpq_set_ui(q, 1, 2);
    return out;
  }
  out.pi_power = -1;
  if (r == 0) {  // ReLU c_0 = 1/π
    mpq_set_ui(q, 1, 1);
    return out;
  }
  // ((r-s)!!)² / r! with s = 3 (ReLU, even r ≥ 2) or 2 (step, odd r ≥ 1); (-1)!! = 1.
  const unsigned s = a == activation::relu ? 3 : 2;
  if (r >= s)
    mpz_2fac_ui(mpq_numref(q), r - s);
  else
    mpz_set_ui(mpq_numref(q), 1);
  mpz_mul(mpq_numref(q), mpq_numref(q), mpq_numref(q));
  mpz_fac_ui(mpq_denref(q), r);
  mpq_canonicalize(q);
  return out;
}

signed_root exact_mu(activation a, unsigned r) {
  signed_root out;
  out.sign = mu_sign(a, r);
  out.square = exact_c(a, r);
  mpq_ptr q = out.square.value.backend().data();
  mpq_div_2exp(q, q, 1);
  return out;
}

std::vector<pi_rational> exact_c_table(activation a, unsigned max_order) {
  std::vector<pi_rational> out(static_cast<std::size_t>(max_order) + 1);
  // The chain of nonzero π^-1 orders: ReLU 2, 4, 6, ...; step 1, 3, 5, ...
  const unsigned first = a == activation::relu ? 2 : 1;
  const unsigned shift = a == activation::relu ? 3 : 2;
  rational chain;
  mpq_t ratio;
  mpq_init(ratio);
  for (unsigned r = 0; r <= max_order; ++r) {
    if (r < first || is_zero_order(a, r)) {
      out[r] = exact_c(a, r);
      continue;
    }
    mpq_ptr c = chain.backend().data();
    if (r == first) {
      mpq_set_ui(c, 1, a == activation::relu ? 2 : 1);
    } else {
      // c_r / c_{r-2} = (r-s)² / ((r-1) r); mpq_mul cancels crosswise against the small factors.
      const unsigned long m = r - shift;
      mpq_set_ui(ratio, m * m, static_cast<unsigned long>(r - 1) * r);
      mpq_canonicalize(ratio);
      mpq_mul(c, c, ratio);
    }
    out[r].value = chain;
    out[r].pi_power = -1;
  }
  mpq_clear(ratio);
  return out;
}

// ---- mpfi_value -------------------------------------------------------------------------------

mpfi_value::mpfi_value(long precision_bits) {
  mpfi_init2(&v_, static_cast<mpfr_prec_t>(precision_bits));
  owns_ = true;
}

mpfi_value::mpfi_value(const mpfi_value& other) {
  mpfi_init2(&v_, mpfi_get_prec(other.get()));
  mpfi_set(&v_, other.get());
  owns_ = true;
}

mpfi_value::mpfi_value(mpfi_value&& other) noexcept : v_(other.v_), owns_(other.owns_) {
  other.owns_ = false;
}

mpfi_value& mpfi_value::operator=(const mpfi_value& other) {
  if (this != &other) {
    mpfi_value copy(other);
    *this = std::move(copy);
  }
  return *this;
}

mpfi_value& mpfi_value::operator=(mpfi_value&& other) noexcept {
  std::swap(v_, other.v_);
  std::swap(owns_, other.owns_);
  return *this;
}

mpfi_value::~mpfi_value() {
  if (owns_) mpfi_clear(&v_);
}

// ---- coefficient_walker -----------------------------------------------------------------------

namespace {
// Each order costs at most four outward roundings of relative size 2^(1-p) on the chain value and
// the sums, so bit_length(max_order) + 8 guard bits keep the accumulated widening below about
// 2^-4 ulp of the output precision before the final outward rounding.
// Validates the arguments first, since the members' MPFR initialisation needs a valid precision.
long working_bits(long out_bits, unsigned max_order) {
  check_precision(out_bits);
  if (max_order > max_supported_order)
    throw std::invalid_argument("hermite: order " + std::to_string(max_order) + " exceeds " +
                                std::to_string(max_supported_order));
  return out_bits + bit_length(static_cast<unsigned long>(max_order) + 2) + 8;
}
}  // namespace

coefficient_walker::coefficient_walker(activation a, unsigned max_order, long precision_bits)
    : act_(a),
      max_order_(max_order),
      out_prec_(precision_bits),
      work_prec_(working_bits(precision_bits, max_order)),  // validates both arguments
      pi_inv_(work_prec_),
      chain_q_(work_prec_),
      plain_sum_(work_prec_),
      pi_sum_(work_prec_),
      tmp_(work_prec_),
      c_(precision_bits),
      mu_(precision_bits),
      sum_(precision_bits),
      tail_(precision_bits) {
  mpfi_const_pi(pi_inv_.get());
  mpfi_inv(pi_inv_.get(), pi_inv_.get());
  mpfi_set_ui(plain_sum_.get(), 0);
  mpfi_set_ui(pi_sum_.get(), 0);
  mpfi_set_ui(chain_q_.get(), 0);
  publish();
}

void coefficient_walker::advance() {
  if (at_end()) throw std::out_of_range("hermite: coefficient_walker advanced past its last order");
  ++r_;
  publish();
}

// Computes the enclosures for order r_, extending the chain and the sums.
void coefficient_walker::publish() {
  const unsigned r = r_;
  const bool relu = act_ == activation::relu;
  const int sign = mu_sign(act_, r);
  mpfi_ptr t = tmp_.get();  // enclosure of c_r at working precision
  if (sign == 0) {
    mpfi_set_ui(t, 0);
  } else if ((relu && r == 1) || (!relu && r == 0)) {
    mpfi_set_d(t, 0.5);  // the plain rational coefficient, exact
    mpfi_add(plain_sum_.get(), plain_sum_.get(), t);
  } else {
    // Rational part q of c_r = q/π.
    const unsigned first = relu ? 2 : 1;
    if (r == 0) {
      mpfi_set_ui(t, 1);  // ReLU c_0 = 1/π
    } else {
      if (r == first) {
        mpfi_set_d(chain_q_.get(), relu ? 0.5 : 1.0);
      } else {
        const unsigned long m = r - (relu ? 3u : 2u);
        mpfi_mul_ui(chain_q_.get(), chain_q_.get(), m * m);
        mpfi_div_ui(chain_q_.get(), chain_q_.get(), static_cast<unsigned long>(r - 1) * r);
      }
      mpfi_set(t, chain_q_.get());
    }
    mpfi_add(pi_sum_.get(), pi_sum_.get(), t);
    mpfi_mul(t, t, pi_inv_.get());
  }
  mpfi_set(c_.get(), t);  // outward to the output precision

  // μ_r = sign·√(c_r/2), from the working-precision c_r.
  mpfi_value m(work_prec_);
  mu_from_c(m.get(), t, sign);
  mpfi_set(mu_.get(), m.get());

  // S_r = plain + (Σ q)/π, inside [0, 1]; tail = 1 - S_r, inside [0, 1].
  mpfi_mul(t, pi_sum_.get(), pi_inv_.get());
  mpfi_add(t, t, plain_sum_.get());
  mpfi_value one_minus(work_prec_);
  mpfi_ui_sub(one_minus.get(), 1, t);
  if (mpfr_cmp_ui(&t->right, 1) > 0) mpfr_set_ui(&t->right, 1, MPFR_RNDU);
  if (mpfr_sgn(&one_minus.get()->left) < 0) mpfr_set_zero(&one_minus.get()->left, 1);
  mpfi_set(sum_.get(), t);
  mpfi_set(tail_.get(), one_minus.get());
}

// ---- coefficient_table ------------------------------------------------------------------------

coefficient_table::coefficient_table(activation a, unsigned max_order, long precision_bits)
    : act_(a), max_order_(max_order), prec_(precision_bits) {
  coefficient_walker w(a, max_order, precision_bits);
  rows_.reserve(static_cast<std::size_t>(max_order) + 1);
  for (;;) {
    row x{mpfi_value(prec_), mpfi_value(prec_), mpfi_value(prec_), mpfi_value(prec_)};
    mpfi_set(x.c.get(), w.c());
    mpfi_set(x.mu.get(), w.mu());
    mpfi_set(x.sum.get(), w.partial_sum());
    mpfi_set(x.tail.get(), w.tail_mass());
    rows_.push_back(std::move(x));
    if (w.at_end()) break;
    w.advance();
  }
}

const coefficient_table::row& coefficient_table::entry(unsigned r) const {
  if (r > max_order_)
    throw std::out_of_range("hermite: order " + std::to_string(r) + " is beyond the table's " +
                            std::to_string(max_order_));
  return rows_[r];
}

// ---- single enclosures ------------------------------------------------------------------------

mpfi_value c_enclosure(activation a, unsigned r, long precision_bits) {
  check_precision(precision_bits);
  const pi_rational x = exact_c(a, r);
  mpfi_value w(precision_bits + 8);  // two roundings: 8 guard bits keep the result within 1 ulp
  mpfi_set_q(w.get(), x.value.backend().data());
  if (x.pi_power == -1) {
    mpfi_value pi(precision_bits + 8);
    mpfi_const_pi(pi.get());
    mpfi_div(w.get(), w.get(), pi.get());
  }
  mpfi_value out(precision_bits);
  mpfi_set(out.get(), w.get());
  return out;
}

mpfi_value mu_enclosure(activation a, unsigned r, long precision_bits) {
  check_precision(precision_bits);
  mpfi_value c = c_enclosure(a, r, precision_bits + 8);
  mpfi_value m(precision_bits + 8);
  mu_from_c(m.get(), c.get(), mu_sign(a, r));
  mpfi_value out(precision_bits);
  mpfi_set(out.get(), m.get());
  return out;
}

}  // namespace ntk::hermite
