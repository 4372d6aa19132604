// The MPFR tier's building blocks (lambda_min_mpfr.cpp): packed MPFR storage, the symmetric
// midpoint enclosure at precision p, the MPFR Cholesky test, Rayleigh quotients and the MPFI
// Rayleigh upper bound. Internal to lib/linalg (not installed).
//
// The theorem of verified_cholesky.hpp holds for any round-to-nearest arithmetic with unit roundoff
// u and correctly rounded +, -, *, /, sqrt: here MPFR at precision p, u = 2^-p. MPFR has no gradual
// underflow, so the factorisation is rejected when MPFR raises its underflow (or overflow, NaN,
// range) flag; otherwise every operation satisfied fl(x) = x(1 + d), |d| <= u, exactly, and the
// eta term (kept with binary64's eta, harmless) is not even needed.
//
// Storage: packed lower triangles of mpfr_t whose significands live in one contiguous buffer
// (MPFR's custom interface): about 3x faster than separately allocated values, and no per-entry
// allocation.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "interval/interval.hpp"
#include "linalg/dense.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/midrad.hpp"

namespace ntk::mp_detail {


// A fixed-size array of mpfr_t at one precision, significands in one buffer. Never mpfr_clear'd
// (custom-interface values must not be); moving keeps the buffers in place.
class mp_array {
 public:
  mp_array() = default;
  mp_array(std::size_t count, mpfr_prec_t prec) : prec_(prec), vals_(count) {
    const std::size_t bytes = mpfr_custom_get_size(prec);
    stride_ = (bytes + sizeof(mp_limb_t) - 1) / sizeof(mp_limb_t);
    limbs_.assign(count * stride_, 0);
    for (std::size_t k = 0; k < count; ++k) {
      void* sig = limbs_.data() + k * stride_;
      mpfr_custom_init(sig, prec);
      mpfr_custom_init_set(&vals_[k], MPFR_ZERO_KIND, 0, prec, sig);
    }
  }
  mp_array(const mp_array&) = delete;
  mp_array& operator=(const mp_array&) = delete;
  mp_array(mp_array&&) = default;
  mp_array& operator=(mp_array&&) = default;

  mpfr_ptr operator[](std::size_t k) { return &vals_[k]; }
  mpfr_srcptr operator[](std::size_t k) const { return &vals_[k]; }
  std::size_t size() const { return vals_.size(); }
  mpfr_prec_t precision() const { return prec_; }
  void copy_from(const mp_array& o) {
    for (std::size_t k = 0; k < vals_.size(); ++k) mpfr_set(&vals_[k], &o.vals_[k], MPFR_RNDN);
  }

 private:
  mpfr_prec_t prec_ = 0;
  std::size_t stride_ = 0;
  std::vector<__mpfr_struct> vals_;
  std::vector<mp_limb_t> limbs_;
};

inline std::size_t packed(std::size_t i, std::size_t j) { return i * (i + 1) / 2 + j; }  // j <= i

// RAII scalar at a given precision.
struct mp_scalar {
  mpfr_t x;
  explicit mp_scalar(mpfr_prec_t p) { mpfr_init2(x, p); }
  ~mp_scalar() { mpfr_clear(x); }
  mp_scalar(const mp_scalar&) = delete;
  mp_scalar& operator=(const mp_scalar&) = delete;
  operator mpfr_ptr() { return x; }
};

struct mp_interval {
  mpfi_t x;
  explicit mp_interval(mpfr_prec_t p) { mpfi_init2(x, p); }
  ~mp_interval() { mpfi_clear(x); }
  mp_interval(const mp_interval&) = delete;
  mp_interval& operator=(const mp_interval&) = delete;
  operator mpfi_ptr() { return x; }
};

mreal mreal_from(mpfr_srcptr x, mpfr_prec_t p, mpfr_rnd_t rnd);
mreal mreal_from(double x, mpfr_prec_t p);
void append_note(std::string& note, const std::string& s);

// The symmetric enclosure at precision p: M = midpoints (diagonal at the lower endpoint) packed,
// plus its binary64 image (mid rounded to nearest, radii rounded up) for estimates and for r.
struct mp_enclosure {
  std::size_t n = 0;
  mpfr_prec_t prec = 0;
  mp_array M;
  symmetric_midrad d;  // d.mid = RN(M) (an estimate only); d.rad rigorous, as in midrad.hpp
};

// Entry (i, j) of A read as a symmetric matrix: A(i,j) ∩ A(j,i), or their hull if disjoint (false).
bool symmetric_entry(const dense_matrix<minterval>& A, std::size_t i, std::size_t j, mpfi_ptr out);
mp_enclosure make_enclosure(const dense_matrix<minterval>& A, mpfr_prec_t p);

// Rump's constant at precision p (u = 2^-p), rounded up into c:
//   (n+1)u/(1-(n+1)u) trace + 4 eta n (2(n+1) + maxdiag).  False if 3(n+1)u >= 1.
bool rump_constant_mp(mpfr_ptr c, std::size_t n, mpfr_prec_t p, mpfr_srcptr trace, mpfr_srcptr maxdiag);

// In-place round-to-nearest Cholesky of the packed lower triangle L at L's precision. True iff every
// pivot is finite and > 0 and no MPFR exception flag was raised.
bool cholesky_mp(mp_array& L, std::size_t n, progress_sink& progress, const std::string& stage,
                 std::string* why);

struct mp_test_result {
  bool success = false;
  std::string note;
};

// One shifted Cholesky at precision p: on success t (precision p) receives
// min_i (M_ii - ã_ii) - c - r rounded down, and lambda_min(X) > t for every X in the enclosure.
mp_test_result shifted_test_mp(const mp_enclosure& E, double r, mpfr_srcptr sigma, mp_array& work,
                               mpfr_ptr t, progress_sink& progress);

// First margin below an estimate sigma (no guarantee needed), for a factorisation whose unit
// roundoff is 2^-bits.
double first_margin(const mp_enclosure& E, double sigma, double residual, long bits);

struct mp_rayleigh {
  double residual = std::numeric_limits<double>::infinity();  // ||Mv - rho v|| / ||v||
};

// rho = v'Mv / v'v (precision p) and the residual norm; v is normalised to unit length first.
mp_rayleigh rayleigh_mp(const mp_enclosure& E, mp_array& v, mpfr_ptr rho, std::vector<double>* r_out = nullptr);

// x <- (L L')^{-1} x with L packed lower (estimate only).
void cholesky_solve_mp(const mp_array& L, std::size_t n, mp_array& x);

// For every symmetric X with X_ij in A(i,j) ∩ A(j,i): v'Xv / v'v <= result, evaluated in MPFI over
// the entries themselves (point v at precision p). Written to `up` rounded up; false if unbounded.
bool rayleigh_upper_mp(const dense_matrix<minterval>& A, const mp_array& v, mpfr_ptr up);

struct binary64_estimate {
  std::vector<double> vector;
  double value = std::numeric_limits<double>::quiet_NaN();
  double gap = std::numeric_limits<double>::quiet_NaN();  // lambda_2 - lambda_1 estimate
};

// LAPACK dsyevr on the binary64 image: the two smallest eigenvalues and the first eigenvector;
// the unit vector of the smallest diagonal entry if LAPACK fails.
binary64_estimate lapack_estimate(const symmetric_midrad& d);

// Inverse iteration in correction form with residuals at precision p and corrections from a
// binary64 Cholesky (estimate only). False if the binary64 factorisation fails.
bool refine_with_binary64_factor(const mp_enclosure& E, mp_array& v, mpfr_ptr rho, mp_rayleigh& ray,
                                 double gap, progress_sink& progress);

void clamp_psd(lambda_min_bounds& out, bool known_psd, mpfr_prec_t p);
std::vector<double> to_double(const mp_array& v);

}  // namespace ntk::mp_detail
