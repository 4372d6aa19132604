// Internal to the λ_min checker (not installed): GMP/MPFR/MPFI holders and the exact integer data.
// Written directly on GMP: nothing here is shared with the prover (see checker.hpp for the method).
#pragma once

#include <gmp.h>
#include <mpfi.h>
#include <mpfr.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"

namespace ntk::check_detail {

// ------------------------------------------------------------------------------ RAII wrappers

struct zint {
  mpz_t v;
  zint() { mpz_init(v); }
  zint(const zint& o) { mpz_init_set(v, o.v); }
  zint(zint&& o) noexcept {
    mpz_init(v);
    mpz_swap(v, o.v);
  }
  zint& operator=(const zint& o) {
    mpz_set(v, o.v);
    return *this;
  }
  zint& operator=(zint&& o) noexcept {
    mpz_swap(v, o.v);
    return *this;
  }
  ~zint() { mpz_clear(v); }
};

struct qrat {
  mpq_t v;
  qrat() { mpq_init(v); }
  qrat(const qrat& o) {
    mpq_init(v);
    mpq_set(v, o.v);
  }
  qrat& operator=(const qrat& o) {
    mpq_set(v, o.v);
    return *this;
  }
  ~qrat() { mpq_clear(v); }
};

struct real {
  mpfr_t v;
  explicit real(mpfr_prec_t p) { mpfr_init2(v, p); }
  real(const real& o) {
    mpfr_init2(v, mpfr_get_prec(o.v));
    mpfr_set(v, o.v, MPFR_RNDN);  // same precision: exact
  }
  real(real&& o) noexcept {
    mpfr_init2(v, mpfr_get_prec(o.v));
    mpfr_swap(v, o.v);
  }
  real& operator=(const real&) = delete;
  ~real() { mpfr_clear(v); }
};

struct ival {
  mpfi_t v;
  explicit ival(mpfr_prec_t p) { mpfi_init2(v, p); }
  ival(const ival& o) {
    mpfi_init2(v, mpfi_get_prec(o.v));
    mpfi_set(v, o.v);
  }
  ival(ival&& o) noexcept {
    mpfi_init2(v, mpfi_get_prec(o.v));
    mpfi_swap(v, o.v);
  }
  ival& operator=(const ival&) = delete;
  ~ival() { mpfi_clear(v); }
};

// Packed upper triangle, i <= j.
inline std::size_t tri(std::size_t i, std::size_t j) { return j * (j + 1) / 2 + i; }
inline std::size_t tri_sym(std::size_t i, std::size_t j) { return i <= j ? tri(i, j) : tri(j, i); }

// The exact value of a string accepted by is_exact_decimal.
void decimal_to_q(mpq_t out, const std::string& s);

// Exact integer rows Y with the data rows Z = c0·Y (c0 > 0 rational), centring included.
struct integer_rows {
  std::size_t n = 0, d = 0;
  std::vector<zint> y;  // row-major
  qrat c0;
};

// The rows of ds as integers times a common power of two (and the reader's exact scale); with
// center, y_i = n·x_i − Σ_l x_l. The result satisfies Z = c0·Y exactly.
integer_rows make_integer_rows(const dataset& ds, bool center);

// The exact Gram matrix YYᵀ, packed upper triangle (entry (i, j), i <= j, at tri(i, j)).
std::vector<zint> exact_gram(const integer_rows& r);

// True when rows i and j are exactly positively proportional (y_i = α·y_j, α > 0), both nonzero.
bool positively_proportional(const integer_rows& r, std::size_t i, std::size_t j);

}  // namespace ntk::check_detail
