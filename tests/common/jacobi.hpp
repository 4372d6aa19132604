// Independent reference for symmetric eigenvalues: cyclic Jacobi over MPFR with an a-posteriori
// error bound. Written separately from lib/linalg (no shared numerical code); header-only, for any
// test suite: #include "../common/jacobi.hpp".
//
// What the reference guarantees. For the exact symmetric input A (doubles or MPFR values, taken as
// exact), jacobi_eigenvalues() returns values d_1 <= ... <= d_n and a bound e such that the exact
// eigenvalues lambda_1 <= ... <= lambda_n of A satisfy |lambda_i - d_i| <= e for every i.
// Proof. Let V be the computed eigenvector matrix (whatever its accuracy) and D = diag(d).
// With R = AV - VD and G = I - V'V, beta = ||G||_2 < 1, write V = UP (polar, U orthogonal,
// P = (V'V)^(1/2), ||P^-1|| <= 1/sqrt(1-beta), ||P - I|| <= beta). Then
//   U'AU - D = U'R P^-1 + (PD - DP) P^-1,   ||PD - DP|| = ||(P-I)D - D(P-I)|| <= 2 beta ||D||,
// and U'AU - D is symmetric, so Weyl's theorem gives
//   |lambda_i - d_i| <= (||R||_2 + 2 beta ||D||_2) / sqrt(1 - beta) <= (||R||_F + 2 ||G||_F max|d|) / sqrt(1 - ||G||_F).
// R and G are enclosed with directed-rounding MPFR (each dot product accumulated once rounding
// down and once rounding up), so e is rigorous; the Jacobi iteration itself need not be.
// The iteration: a binary64 cyclic Jacobi as a warm start, its eigenvectors re-orthonormalised at
// the working precision (modified Gram-Schmidt, twice), then cyclic Jacobi sweeps at the working
// precision on Q'AQ until the off-diagonal part is negligible.
#pragma once

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <boost/multiprecision/mpfr.hpp>

namespace ntk_test {

using ref_real = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<0>,
                                               boost::multiprecision::et_off>;

// A ref_real holding x at `bits` bits, rounded in direction rnd.
inline ref_real ref_value(mpfr_srcptr x, long bits, mpfr_rnd_t rnd = MPFR_RNDN) {
  ref_real r;
  mpfr_set_prec(r.backend().data(), bits);
  mpfr_set(r.backend().data(), x, rnd);
  return r;
}

namespace jacobi_detail {

// Owning array of mpfr_t at one precision.
class mp_vec {
 public:
  mp_vec(std::size_t n, long bits) : v_(n) {
    for (auto& x : v_) {
      mpfr_init2(&x, bits);
      mpfr_set_zero(&x, 1);
    }
  }
  ~mp_vec() {
    for (auto& x : v_) mpfr_clear(&x);
  }
  mp_vec(const mp_vec&) = delete;
  mp_vec& operator=(const mp_vec&) = delete;
  mpfr_ptr operator[](std::size_t k) { return &v_[k]; }
  mpfr_srcptr operator[](std::size_t k) const { return &v_[k]; }
  std::size_t size() const { return v_.size(); }

 private:
  std::vector<__mpfr_struct> v_;
};

struct mp_tmp {
  mpfr_t x;
  explicit mp_tmp(long bits) { mpfr_init2(x, bits); }
  ~mp_tmp() { mpfr_clear(x); }
  mp_tmp(const mp_tmp&) = delete;
  mp_tmp& operator=(const mp_tmp&) = delete;
  operator mpfr_ptr() { return x; }
};

// Binary64 cyclic Jacobi on a (row-major, destroyed); returns the eigenvector matrix (columns).
inline std::vector<double> jacobi_double(std::vector<double> a, std::size_t n) {
  std::vector<double> v(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0, tot = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        tot += a[i * n + j] * a[i * n + j];
        if (i != j) off += a[i * n + j] * a[i * n + j];
      }
    if (!(off > 1e-34 * tot)) break;
    for (std::size_t p = 0; p + 1 < n; ++p) {
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0.0) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return v;
}

// Cyclic Jacobi sweeps at the precision of a (row-major n x n, symmetric), accumulating the
// rotations into w (initially anything; w <- w J). Stops when the off-diagonal Frobenius norm is
// below 2^-(bits+8) times the total, or after max_sweeps.
inline int jacobi_mp(mp_vec& a, mp_vec& w, std::size_t n, long bits, int max_sweeps) {
  mp_tmp theta(bits), t(bits), c(bits), s(bits), tmp(bits), x(bits), y(bits), off(bits), tot(bits),
      tiny(bits);
  int sweep = 0;
  for (; sweep < max_sweeps; ++sweep) {
    mpfr_set_zero(off, 1);
    mpfr_set_zero(tot, 1);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        mpfr_fma(tot, a[i * n + j], a[i * n + j], tot, MPFR_RNDN);
        if (i != j) mpfr_fma(off, a[i * n + j], a[i * n + j], off, MPFR_RNDN);
      }
    mpfr_mul_2si(tmp, tot, -2 * (bits + 8), MPFR_RNDN);
    if (mpfr_cmp(off, tmp) <= 0) break;
    // Rotations smaller than this cannot change anything at this precision.
    mpfr_sqrt(tiny, tot, MPFR_RNDN);
    mpfr_mul_2si(tiny, tiny, -(bits + 16), MPFR_RNDN);
    for (std::size_t p = 0; p + 1 < n; ++p) {
      for (std::size_t q = p + 1; q < n; ++q) {
        mpfr_srcptr apq = a[p * n + q];
        if (mpfr_cmpabs(apq, tiny) <= 0) continue;
        mpfr_sub(theta, a[q * n + q], a[p * n + p], MPFR_RNDN);
        mpfr_div(theta, theta, apq, MPFR_RNDN);
        mpfr_div_2ui(theta, theta, 1, MPFR_RNDN);
        mpfr_sqr(tmp, theta, MPFR_RNDN);
        mpfr_add_ui(tmp, tmp, 1, MPFR_RNDN);
        mpfr_sqrt(tmp, tmp, MPFR_RNDN);
        mpfr_abs(t, theta, MPFR_RNDN);
        mpfr_add(tmp, tmp, t, MPFR_RNDN);
        mpfr_ui_div(t, 1, tmp, MPFR_RNDN);
        if (mpfr_sgn(theta.x) < 0) mpfr_neg(t, t, MPFR_RNDN);
        mpfr_sqr(tmp, t, MPFR_RNDN);
        mpfr_add_ui(tmp, tmp, 1, MPFR_RNDN);
        mpfr_rec_sqrt(c, tmp, MPFR_RNDN);
        mpfr_mul(s, t, c, MPFR_RNDN);
        // Columns p, q (k != p, q) and, by symmetry, rows p, q; then the 2x2 block in closed form.
        for (std::size_t k = 0; k < n; ++k) {
          if (k == p || k == q) continue;
          mpfr_fmms(x, c, a[k * n + p], s, a[k * n + q], MPFR_RNDN);
          mpfr_fmma(y, s, a[k * n + p], c, a[k * n + q], MPFR_RNDN);
          mpfr_swap(a[k * n + p], x);
          mpfr_swap(a[k * n + q], y);
          mpfr_set(a[p * n + k], a[k * n + p], MPFR_RNDN);
          mpfr_set(a[q * n + k], a[k * n + q], MPFR_RNDN);
        }
        mpfr_mul(tmp, t, a[p * n + q], MPFR_RNDN);
        mpfr_sub(a[p * n + p], a[p * n + p], tmp, MPFR_RNDN);
        mpfr_add(a[q * n + q], a[q * n + q], tmp, MPFR_RNDN);
        mpfr_set_zero(a[p * n + q], 1);
        mpfr_set_zero(a[q * n + p], 1);
        for (std::size_t k = 0; k < n; ++k) {
          mpfr_fmms(x, c, w[k * n + p], s, w[k * n + q], MPFR_RNDN);
          mpfr_fmma(y, s, w[k * n + p], c, w[k * n + q], MPFR_RNDN);
          mpfr_swap(w[k * n + p], x);
          mpfr_swap(w[k * n + q], y);
        }
      }
    }
  }
  return sweep;
}

// Modified Gram-Schmidt on the columns of q (row-major n x n), in place.
inline void orthonormalise_columns(mp_vec& q, std::size_t n, long bits) {
  mp_tmp dot(bits), tmp(bits);
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      mpfr_set_zero(dot, 1);
      for (std::size_t k = 0; k < n; ++k) mpfr_fma(dot, q[k * n + i], q[k * n + j], dot, MPFR_RNDN);
      for (std::size_t k = 0; k < n; ++k) {
        mpfr_mul(tmp, dot, q[k * n + i], MPFR_RNDN);
        mpfr_sub(q[k * n + j], q[k * n + j], tmp, MPFR_RNDN);
      }
    }
    mpfr_set_zero(dot, 1);
    for (std::size_t k = 0; k < n; ++k) mpfr_fma(dot, q[k * n + j], q[k * n + j], dot, MPFR_RNDN);
    mpfr_sqrt(dot, dot, MPFR_RNDN);
    for (std::size_t k = 0; k < n; ++k) mpfr_div(q[k * n + j], q[k * n + j], dot, MPFR_RNDN);
  }
}

// c = a * b (row-major n x n, transpose_a: a' * b), rounded to nearest.
inline void matmul(const mp_vec& a, const mp_vec& b, mp_vec& c, std::size_t n, bool transpose_a) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      mpfr_ptr s = c[i * n + j];
      mpfr_set_zero(s, 1);
      for (std::size_t k = 0; k < n; ++k)
        mpfr_fma(s, transpose_a ? a[k * n + i] : a[i * n + k], b[k * n + j], s, MPFR_RNDN);
    }
}

}  // namespace jacobi_detail

struct reference_spectrum {
  long bits = 0;
  std::vector<ref_real> values;  // ascending
  ref_real error;                // |lambda_i - values[i]| <= error for all i (rounded up)
  int sweeps = 0;                // Jacobi sweeps at the working precision
};

// Eigenvalues of the exact symmetric n x n matrix whose row-major entries are the MPFR values a[k]
// (only the lower triangle is read), computed at `bits` >= 256 bits. See the file comment for the
// guarantee. Throws std::invalid_argument if bits < 256 or sizes disagree, std::runtime_error if
// the bound cannot be established (||I - V'V||_F >= 1/2).
inline reference_spectrum jacobi_eigenvalues(const std::vector<mpfr_srcptr>& a_in, std::size_t n,
                                             long bits = 256) {
  using namespace jacobi_detail;
  if (bits < 256) throw std::invalid_argument("jacobi_eigenvalues: use at least 256 bits");
  if (a_in.size() != n * n || n == 0) throw std::invalid_argument("jacobi_eigenvalues: bad size");
  // Exact symmetric input at the working precision plus guard bits for the input's own precision.
  long in_bits = bits;
  for (mpfr_srcptr x : a_in) in_bits = std::max<long>(in_bits, mpfr_get_prec(x));
  mp_vec A(n * n, in_bits);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      mpfr_set(A[i * n + j], a_in[i * n + j], MPFR_RNDN);
      mpfr_set(A[j * n + i], a_in[i * n + j], MPFR_RNDN);
    }
  // Warm start in binary64.
  std::vector<double> ad(n * n);
  for (std::size_t k = 0; k < n * n; ++k) ad[k] = mpfr_get_d(A[k], MPFR_RNDN);
  const std::vector<double> q0 = jacobi_double(ad, n);
  mp_vec Q(n * n, bits), T(n * n, bits), B(n * n, bits), W(n * n, bits), V(n * n, bits);
  for (std::size_t k = 0; k < n * n; ++k) mpfr_set_d(Q[k], q0[k], MPFR_RNDN);
  orthonormalise_columns(Q, n, bits);
  orthonormalise_columns(Q, n, bits);
  matmul(A, Q, T, n, false);
  matmul(Q, T, B, n, true);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) {  // symmetrise
      mpfr_add(B[i * n + j], B[i * n + j], B[j * n + i], MPFR_RNDN);
      mpfr_div_2ui(B[i * n + j], B[i * n + j], 1, MPFR_RNDN);
      mpfr_set(B[j * n + i], B[i * n + j], MPFR_RNDN);
    }
    for (std::size_t j = 0; j < n; ++j) mpfr_set_ui(W[i * n + j], i == j ? 1 : 0, MPFR_RNDN);
  }
  reference_spectrum out;
  out.bits = bits;
  out.sweeps = jacobi_mp(B, W, n, bits, 40);
  matmul(Q, W, V, n, false);

  // Rigorous residual and orthogonality bounds with directed rounding.
  mp_tmp lo(bits), hi(bits), tmp(bits), rf(bits), gf(bits), dmax(bits);
  mpfr_set_zero(rf, 1);
  mpfr_set_zero(gf, 1);
  mpfr_set_zero(dmax, 1);
  for (std::size_t j = 0; j < n; ++j) {
    mpfr_srcptr dj = B[j * n + j];
    if (mpfr_cmpabs(dj, dmax) > 0) mpfr_abs(dmax, dj, MPFR_RNDU);
    for (std::size_t i = 0; i < n; ++i) {
      // R_ij = sum_k A_ik V_kj - V_ij d_j
      mpfr_set_zero(lo, 1);
      mpfr_set_zero(hi, 1);
      for (std::size_t k = 0; k < n; ++k) {
        mpfr_fma(lo, A[i * n + k], V[k * n + j], lo, MPFR_RNDD);
        mpfr_fma(hi, A[i * n + k], V[k * n + j], hi, MPFR_RNDU);
      }
      mpfr_mul(tmp, V[i * n + j], dj, MPFR_RNDU);
      mpfr_sub(lo, lo, tmp, MPFR_RNDD);
      mpfr_mul(tmp, V[i * n + j], dj, MPFR_RNDD);
      mpfr_sub(hi, hi, tmp, MPFR_RNDU);
      if (mpfr_cmpabs(lo, hi) > 0) mpfr_swap(lo, hi);
      mpfr_abs(hi, hi, MPFR_RNDU);  // |R_ij| <= max(|lo|, |hi|) = hi after the swap
      mpfr_fma(rf, hi, hi, rf, MPFR_RNDU);
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t i = 0; i <= j; ++i) {
      // G_ij = delta_ij - sum_k V_ki V_kj; G is symmetric, so off-diagonal squares count twice.
      mpfr_set_zero(lo, 1);
      mpfr_set_zero(hi, 1);
      for (std::size_t k = 0; k < n; ++k) {
        mpfr_fma(lo, V[k * n + i], V[k * n + j], lo, MPFR_RNDD);
        mpfr_fma(hi, V[k * n + i], V[k * n + j], hi, MPFR_RNDU);
      }
      if (i == j) {
        mpfr_ui_sub(lo, 1, lo, MPFR_RNDU);  // now lo = upper end of G_ii
        mpfr_ui_sub(hi, 1, hi, MPFR_RNDD);  // hi = lower end of G_ii
      } else {
        mpfr_neg(lo, lo, MPFR_RNDN);  // upper end of G_ij
        mpfr_neg(hi, hi, MPFR_RNDN);  // lower end
      }
      if (mpfr_cmpabs(hi, lo) > 0) mpfr_swap(lo, hi);
      mpfr_abs(lo, lo, MPFR_RNDU);  // |G_ij| <= lo
      mpfr_sqr(tmp, lo, MPFR_RNDU);
      if (i != j) mpfr_mul_2ui(tmp, tmp, 1, MPFR_RNDU);
      mpfr_add(gf, gf, tmp, MPFR_RNDU);
    }
  }
  mpfr_sqrt(rf, rf, MPFR_RNDU);
  mpfr_sqrt(gf, gf, MPFR_RNDU);
  if (mpfr_cmp_d(gf, 0.5) >= 0) throw std::runtime_error("jacobi_eigenvalues: V far from orthogonal");
  // e = (||R||_F + 2 ||G||_F max|d|) / sqrt(1 - ||G||_F)
  mp_tmp e(bits), den(bits);
  mpfr_mul(e, gf, dmax, MPFR_RNDU);
  mpfr_mul_2ui(e, e, 1, MPFR_RNDU);
  mpfr_add(e, e, rf, MPFR_RNDU);
  mpfr_ui_sub(den, 1, gf, MPFR_RNDD);
  mpfr_sqrt(den, den, MPFR_RNDD);
  mpfr_div(e, e, den, MPFR_RNDU);
  out.error = ref_value(e, bits, MPFR_RNDU);

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return mpfr_cmp(B[x * n + x], B[y * n + y]) < 0;
  });
  for (std::size_t k : order) out.values.push_back(ref_value(B[k * n + k], bits));
  return out;
}

// Convenience: an exact binary64 matrix (row-major n x n, lower triangle read).
inline reference_spectrum jacobi_eigenvalues(const std::vector<double>& a, std::size_t n,
                                             long bits = 256) {
  std::vector<ref_real> vals(a.size());
  std::vector<mpfr_srcptr> ptrs(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    mpfr_set_prec(vals[k].backend().data(), 53);
    mpfr_set_d(vals[k].backend().data(), a[k], MPFR_RNDN);  // exact
    ptrs[k] = vals[k].backend().data();
  }
  return jacobi_eigenvalues(ptrs, n, bits);
}

// Lower / upper end of the reference enclosure of the k-th smallest eigenvalue, rounded outward.
inline ref_real reference_lower(const reference_spectrum& s, std::size_t k) {
  ref_real r;
  mpfr_set_prec(r.backend().data(), s.bits);
  mpfr_sub(r.backend().data(), s.values[k].backend().data(), s.error.backend().data(), MPFR_RNDD);
  return r;
}
inline ref_real reference_upper(const reference_spectrum& s, std::size_t k) {
  ref_real r;
  mpfr_set_prec(r.backend().data(), s.bits);
  mpfr_add(r.backend().data(), s.values[k].backend().data(), s.error.backend().data(), MPFR_RNDU);
  return r;
}

}  // namespace ntk_test
