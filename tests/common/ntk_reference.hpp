// The input stage shared by the independent NTK references of the test suites: raw MPFI balls at a
// fixed precision, the preprocessed rows x̃_i = T(s·x_i - mean_j s·x_j) (docs/math.md §2; mean only with
// centring; T: √d·y/‖y‖, y/‖y‖ or y) and their Gram matrix X̃X̃ᵀ. Written without any code of lib/
// (only the dataset / preprocessing structs are read). Header-only:
// #include "../common/ntk_reference.hpp".
#pragma once

#include <mpfi.h>
#include <mpfr.h>

#include <cstddef>
#include <vector>

#include "data/dataset.hpp"

namespace ntk_reference {

// mpfi_t at Bits bits, with RAII.
template <long Bits>
class ball {
 public:
  ball() { mpfi_init2(v_, Bits); }
  explicit ball(double t) : ball() { mpfi_set_d(v_, t); }
  ball(const ball& o) : ball() { mpfi_set(v_, o.v_); }
  ball& operator=(const ball& o) {
    mpfi_set(v_, o.v_);
    return *this;
  }
  ~ball() { mpfi_clear(v_); }
  mpfi_ptr get() { return v_; }
  mpfi_srcptr get() const { return v_; }
  // The endpoints rounded outward to double.
  double lo() const { return mpfr_get_d(&v_->left, MPFR_RNDD); }
  double hi() const { return mpfr_get_d(&v_->right, MPFR_RNDU); }

 private:
  mpfi_t v_;
};

// A square matrix of balls, row-major.
template <long Bits>
struct ball_matrix {
  std::size_t n = 0;
  std::vector<ball<Bits>> v;
  ball_matrix() = default;
  explicit ball_matrix(std::size_t n_) : n(n_), v(n_ * n_) {}
  ball<Bits>& operator()(std::size_t i, std::size_t j) { return v[i * n + j]; }
  const ball<Bits>& operator()(std::size_t i, std::size_t j) const { return v[i * n + j]; }
};

// The rows x̃_i (row-major, n × d): each contains the exact preprocessed row of ds under pre.
template <long Bits>
std::vector<ball<Bits>> preprocessed_rows(const ntk::dataset& ds, const ntk::preprocessing& pre) {
  using B = ball<Bits>;
  const std::size_t n = ds.n, d = ds.d;
  std::vector<B> x(n * d);
  for (std::size_t t = 0; t < n * d; ++t) {
    mpfi_set_d(x[t].get(), ds.x[t]);
    mpfi_mul_d(x[t].get(), x[t].get(), ds.scale_num);
    mpfi_div_d(x[t].get(), x[t].get(), ds.scale_den);
  }
  if (pre.center) {
    for (std::size_t k = 0; k < d; ++k) {
      B m(0.0);
      for (std::size_t i = 0; i < n; ++i) mpfi_add(m.get(), m.get(), x[i * d + k].get());
      mpfi_div_ui(m.get(), m.get(), static_cast<unsigned long>(n));
      for (std::size_t i = 0; i < n; ++i) mpfi_sub(x[i * d + k].get(), x[i * d + k].get(), m.get());
    }
  }
  if (pre.normalize != ntk::normalization::none) {
    for (std::size_t i = 0; i < n; ++i) {
      B s(0.0), t;
      for (std::size_t k = 0; k < d; ++k) {
        mpfi_sqr(t.get(), x[i * d + k].get());
        mpfi_add(s.get(), s.get(), t.get());
      }
      mpfi_sqrt(s.get(), s.get());
      B f(1.0);
      if (pre.normalize == ntk::normalization::sphere) {
        mpfi_set_ui(f.get(), static_cast<unsigned long>(d));
        mpfi_sqrt(f.get(), f.get());
      }
      mpfi_div(f.get(), f.get(), s.get());
      for (std::size_t k = 0; k < d; ++k) mpfi_mul(x[i * d + k].get(), x[i * d + k].get(), f.get());
    }
  }
  return x;
}

// G = X̃X̃ᵀ for the n × d rows x: each entry contains the exact inner product of the balls' points.
// The upper triangle is copied from the lower one (interval products are commutative exactly).
template <long Bits>
ball_matrix<Bits> gram(const std::vector<ball<Bits>>& x, std::size_t n, std::size_t d) {
  ball_matrix<Bits> G(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      ball<Bits> s(0.0), t;
      for (std::size_t k = 0; k < d; ++k) {
        mpfi_mul(t.get(), x[i * d + k].get(), x[j * d + k].get());
        mpfi_add(s.get(), s.get(), t.get());
      }
      G(i, j) = s;
      G(j, i) = s;
    }
  return G;
}

}  // namespace ntk_reference
