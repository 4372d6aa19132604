// The independent checker. Written directly on GMP, MPFR and MPFI: it must not share numerical
// code with the prover (see checker.hpp for the method and why each step is rigorous).
#include "certificate/checker.hpp"

#include <gmp.h>
#include <mpfi.h>
#include <mpfr.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "certificate/io.hpp"
#include "data/load.hpp"

namespace ntk {

namespace {

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

// ------------------------------------------------------------------------------ exact numbers

// The exact value of a string accepted by is_exact_decimal.
void decimal_to_q(mpq_t out, const std::string& s) {
  std::size_t i = 0;
  bool neg = false;
  if (s[i] == '-' || s[i] == '+') neg = s[i++] == '-';
  std::string digits;
  long frac = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') digits += s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      digits += s[i++];
      ++frac;
    }
  }
  long e = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) e = std::strtol(s.c_str() + i + 1, nullptr, 10);
  zint num, pow;
  mpz_set_str(num.v, digits.c_str(), 10);
  long k = e - frac;
  mpz_ui_pow_ui(pow.v, 10, static_cast<unsigned long>(k >= 0 ? k : -k));
  if (k >= 0) {
    mpz_mul(num.v, num.v, pow.v);
    mpz_set_ui(pow.v, 1);
  }
  mpq_set_num(out, num.v);
  mpq_set_den(out, pow.v);
  mpq_canonicalize(out);
  if (neg) mpq_neg(out, out);
}

// An exact double -> (integer mantissa m, exponent e) with x = m·2^e, m odd or zero.
std::pair<long long, long> split_double(double x) {
  if (x == 0.0) return {0, 0};
  int ex = 0;
  double f = std::frexp(x, &ex);  // x = f·2^ex, 0.5 <= |f| < 1
  long long m = static_cast<long long>(std::ldexp(f, 53));  // exact: 53 bits
  long e = ex - 53;
  while ((m & 1) == 0) {
    m /= 2;
    ++e;
  }
  return {m, e};
}

// Exact integer rows Y with the data rows Z = c0·Y (c0 > 0 rational), centring included.
struct integer_rows {
  std::size_t n = 0, d = 0;
  std::vector<zint> y;  // row-major
  qrat c0;
};

integer_rows make_integer_rows(const dataset& ds, bool center) {
  integer_rows r;
  r.n = ds.n;
  r.d = ds.d;
  long emin = 0;
  bool any = false;
  for (double x : ds.x) {
    if (x == 0.0) continue;
    long e = split_double(x).second;
    emin = any ? std::min(emin, e) : e;
    any = true;
  }
  r.y.resize(ds.x.size());
  for (std::size_t k = 0; k < ds.x.size(); ++k) {
    auto [m, e] = split_double(ds.x[k]);
    mpz_set_si(r.y[k].v, m);
    mpz_mul_2exp(r.y[k].v, r.y[k].v, static_cast<mp_bitcnt_t>(e - emin));
  }
  // c0 = (scale_num / scale_den) · 2^emin (/ n when centring).
  zint sn, sd;
  mpz_set_d(sn.v, ds.scale_num);  // integral doubles: exact
  mpz_set_d(sd.v, ds.scale_den);
  mpq_set_num(r.c0.v, sn.v);
  mpq_set_den(r.c0.v, sd.v);
  mpq_canonicalize(r.c0.v);
  if (emin >= 0) mpq_mul_2exp(r.c0.v, r.c0.v, static_cast<mp_bitcnt_t>(emin));
  else mpq_div_2exp(r.c0.v, r.c0.v, static_cast<mp_bitcnt_t>(-emin));
  if (center) {
    // y_i = n·x_i − Σ_l x_l, exactly; the data row is then c0/n · y_i.
    std::vector<zint> sum(r.d);
    for (std::size_t i = 0; i < r.n; ++i)
      for (std::size_t k = 0; k < r.d; ++k) mpz_add(sum[k].v, sum[k].v, r.y[i * r.d + k].v);
    for (std::size_t i = 0; i < r.n; ++i)
      for (std::size_t k = 0; k < r.d; ++k) {
        mpz_t& v = r.y[i * r.d + k].v;
        mpz_mul_ui(v, v, static_cast<unsigned long>(r.n));
        mpz_sub(v, v, sum[k].v);
      }
    zint nn;
    mpz_set_ui(nn.v, static_cast<unsigned long>(r.n));
    qrat inv;
    mpq_set_z(inv.v, nn.v);
    mpq_inv(inv.v, inv.v);
    mpq_mul(r.c0.v, r.c0.v, inv.v);
  }
  return r;
}

void set_z_from_i128(mpz_t out, __int128 x) {
  bool neg = x < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-(x + 1)) + 1u : static_cast<unsigned __int128>(x);
  mpz_set_ui(out, static_cast<unsigned long>(u >> 64));
  mpz_mul_2exp(out, out, 64);
  mpz_add_ui(out, out, static_cast<unsigned long>(u & 0xFFFFFFFFFFFFFFFFULL));
  if (neg) mpz_neg(out, out);
}

// The exact Gram matrix YYᵀ, packed upper triangle.
std::vector<zint> exact_gram(const integer_rows& r) {
  const std::size_t n = r.n, d = r.d;
  std::vector<zint> g(n * (n + 1) / 2);
  std::size_t bits = 0;
  for (const auto& v : r.y) bits = std::max(bits, mpz_sizeinbase(v.v, 2));
  std::size_t dbits = 1;
  while ((std::size_t{1} << dbits) < d) ++dbits;
  const long long nn = static_cast<long long>(n);
  if (bits <= 62 && 2 * bits + dbits + 1 <= 126) {
    // Fast path, still exact: |products| < 2^(2·bits), d of them fit in a signed 128-bit sum.
    std::vector<long long> y(r.y.size());
    for (std::size_t k = 0; k < y.size(); ++k) y[k] = mpz_get_si(r.y[k].v);
#pragma omp parallel for schedule(dynamic, 4) if (n >= 64)
    for (long long jj = 0; jj < nn; ++jj) {
      std::size_t j = static_cast<std::size_t>(jj);
      for (std::size_t i = 0; i <= j; ++i) {
        __int128 s = 0;
        const long long* a = y.data() + i * d;
        const long long* b = y.data() + j * d;
        for (std::size_t k = 0; k < d; ++k) s += static_cast<__int128>(a[k]) * b[k];
        set_z_from_i128(g[tri(i, j)].v, s);
      }
    }
  } else {
#pragma omp parallel for schedule(dynamic, 4) if (n >= 64)
    for (long long jj = 0; jj < nn; ++jj) {
      std::size_t j = static_cast<std::size_t>(jj);
      for (std::size_t i = 0; i <= j; ++i) {
        mpz_t& s = g[tri(i, j)].v;
        mpz_set_ui(s, 0);
        for (std::size_t k = 0; k < d; ++k) mpz_addmul(s, r.y[i * d + k].v, r.y[j * d + k].v);
      }
    }
  }
  return g;
}

// Rows i and j exactly positively proportional (y_i = α·y_j, α > 0), both nonzero.
bool positively_proportional(const integer_rows& r, std::size_t i, std::size_t j) {
  const std::size_t d = r.d;
  std::size_t m = d;
  for (std::size_t k = 0; k < d; ++k)
    if (mpz_sgn(r.y[j * d + k].v) != 0) {
      m = k;
      break;
    }
  if (m == d) return false;
  const mpz_t& yim = r.y[i * d + m].v;
  const mpz_t& yjm = r.y[j * d + m].v;
  if (mpz_sgn(yim) == 0 || mpz_sgn(yim) != mpz_sgn(yjm)) return false;
  zint a, b;
  for (std::size_t k = 0; k < d; ++k) {
    mpz_mul(a.v, r.y[i * d + k].v, yjm);
    mpz_mul(b.v, r.y[j * d + k].v, yim);
    if (mpz_cmp(a.v, b.v) != 0) return false;
  }
  return true;
}

// ------------------------------------------------------------------------------ kernel enclosure

// x := x ∩ [lo, hi], knowing that the true value lies in both (if rounding ever made them
// disjoint, [lo, hi] alone is still a valid enclosure).
void clamp(mpfi_t x, long lo, long hi) {
  if (mpfr_cmp_si(&x->left, lo) < 0) mpfr_set_si(&x->left, lo, MPFR_RNDD);
  if (mpfr_cmp_si(&x->right, hi) > 0) mpfr_set_si(&x->right, hi, MPFR_RNDU);
  if (mpfr_cmp(&x->left, &x->right) > 0) mpfi_interv_si(x, lo, hi);
}

// Entrywise enclosure of W (packed upper triangle) at precision q. `scaled`: W_ij carries the
// factor √(G_ii G_jj) (no normalisation); rows with G_ii = 0 then give zero rows of W.
std::vector<ival> enclose_kernel(const std::vector<zint>& g, std::size_t n, int depth, bool scaled, mpfr_prec_t q) {
  std::vector<ival> w;
  w.reserve(n * (n + 1) / 2);
  for (std::size_t k = 0; k < n * (n + 1) / 2; ++k) w.emplace_back(q);
  // Diagonal: ρ = 1 at every layer, k = L exactly.
  for (std::size_t i = 0; i < n; ++i) {
    mpfi_t& wi = w[tri(i, i)].v;
    if (scaled) {
      zint t;
      mpz_mul_ui(t.v, g[tri(i, i)].v, static_cast<unsigned long>(depth));
      mpfi_set_z(wi, t.v);
    } else {
      mpfi_set_ui(wi, static_cast<unsigned long>(depth));
    }
  }
  const long long nn = static_cast<long long>(n);
#pragma omp parallel if (n >= 48)
  {
    ival pi(q), s(q), rho(q), k(q), theta(q), k0(q), k1(q), om(q), op(q), t(q);
    zint ab;
    mpfi_const_pi(pi.v);
#pragma omp for schedule(dynamic, 2)
    for (long long jj = 0; jj < nn; ++jj) {
      std::size_t j = static_cast<std::size_t>(jj);
      for (std::size_t i = 0; i < j; ++i) {
        mpfi_t& out = w[tri(i, j)].v;
        const mpz_t& gii = g[tri(i, i)].v;
        const mpz_t& gjj = g[tri(j, j)].v;
        if (mpz_sgn(gii) == 0 || mpz_sgn(gjj) == 0) {  // zero row (scaled case only)
          mpfi_set_ui(out, 0);
          continue;
        }
        mpz_mul(ab.v, gii, gjj);
        mpfi_set_z(s.v, ab.v);
        mpfi_sqrt(s.v, s.v);
        mpfi_set_z(rho.v, g[tri(i, j)].v);
        mpfi_div(rho.v, rho.v, s.v);
        clamp(rho.v, -1, 1);  // Cauchy–Schwarz
        mpfi_set(k.v, rho.v);
        for (int l = 2; l <= depth; ++l) {
          mpfi_acos(theta.v, rho.v);
          // κ₀ = 1 − θ/π
          mpfi_div(k0.v, theta.v, pi.v);
          mpfi_ui_sub(k0.v, 1, k0.v);
          clamp(k0.v, 0, 1);
          // κ₁ = (√((1−ρ)(1+ρ)) + (π − θ)ρ)/π
          mpfi_ui_sub(om.v, 1, rho.v);
          mpfi_add_ui(op.v, rho.v, 1);
          clamp(om.v, 0, 2);
          clamp(op.v, 0, 2);
          mpfi_mul(t.v, om.v, op.v);
          mpfi_sqrt(t.v, t.v);
          mpfi_sub(k1.v, pi.v, theta.v);
          mpfi_mul(k1.v, k1.v, rho.v);
          mpfi_add(k1.v, k1.v, t.v);
          mpfi_div(k1.v, k1.v, pi.v);
          clamp(k1.v, 0, 1);
          // k ← κ₁ + k·κ₀ (κ₀ taken at the previous layer's ρ), ρ ← κ₁
          mpfi_mul(k.v, k.v, k0.v);
          mpfi_add(k.v, k.v, k1.v);
          mpfi_set(rho.v, k1.v);
        }
        if (scaled) mpfi_mul(out, k.v, s.v);
        else mpfi_set(out, k.v);
      }
    }
  }
  return w;
}

// Midpoint (exact at precision q) and an upper bound of the radius of every entry.
struct mid_rad {
  std::vector<real> mid;
  std::vector<real> rad;  // 64-bit, rounded up
};

constexpr mpfr_prec_t rad_prec = 64;

mid_rad midpoint_radius(const std::vector<ival>& w, mpfr_prec_t q) {
  mid_rad m;
  m.mid.reserve(w.size());
  m.rad.reserve(w.size());
  real a(rad_prec), b(rad_prec);
  for (const auto& e : w) {
    m.mid.emplace_back(q);
    m.rad.emplace_back(rad_prec);
    mpfi_mid(m.mid.back().v, e.v);
    mpfr_sub(a.v, &e.v->right, m.mid.back().v, MPFR_RNDU);
    mpfr_sub(b.v, m.mid.back().v, &e.v->left, MPFR_RNDU);
    mpfr_max(m.rad.back().v, a.v, b.v, MPFR_RNDU);
  }
  return m;
}

// r >= ‖Rad‖₂ for the symmetric nonnegative radius matrix: min(Frobenius norm, largest row sum),
// both upper bounds of the spectral norm.
void radius_norm(mpfr_t r, const mid_rad& m, std::size_t n) {
  real fro(rad_prec), t(rad_prec), row(rad_prec), rowmax(rad_prec);
  mpfr_set_ui(fro.v, 0, MPFR_RNDU);
  mpfr_set_ui(rowmax.v, 0, MPFR_RNDU);
  for (std::size_t i = 0; i < n; ++i) {
    mpfr_set_ui(row.v, 0, MPFR_RNDU);
    for (std::size_t j = 0; j < n; ++j) {
      const mpfr_t& x = m.rad[tri_sym(i, j)].v;
      mpfr_add(row.v, row.v, x, MPFR_RNDU);
      mpfr_sqr(t.v, x, MPFR_RNDU);
      mpfr_add(fro.v, fro.v, t.v, MPFR_RNDU);
    }
    mpfr_max(rowmax.v, rowmax.v, row.v, MPFR_RNDU);
  }
  mpfr_sqrt(fro.v, fro.v, MPFR_RNDU);
  mpfr_min(r, fro.v, rowmax.v, MPFR_RNDU);
}

// ------------------------------------------------------------------------------ positivity tests


struct pd_outcome {
  bool proved = false;
  std::string detail;   // what was shown, or where it failed
  qrat rounding_shift;  // floating test: the shift c covering rounding errors (W units)
  pd_outcome(bool p, std::string d) : proved(p), detail(std::move(d)) {}
};

// Proves M − (t + r)I ≻ 0 exactly: M rounded to integers on the grid 2^−F, the shift rounded up
// onto the grid, then fraction-free elimination (Bareiss): the k-th pivot is the k-th leading
// principal minor, so all pivots > 0 iff positive definite (Sylvester).
pd_outcome exact_ldlt(const mid_rad& m, std::size_t n, const mpq_t t, const mpfr_t r, mpfr_prec_t q) {
  // F: the largest diagonal entry becomes a q-bit integer.
  long emax = mpfr_get_exp(m.mid[tri(0, 0)].v);
  for (std::size_t i = 0; i < n; ++i)
    if (mpfr_sgn(m.mid[tri(i, i)].v) != 0) emax = std::max<long>(emax, mpfr_get_exp(m.mid[tri(i, i)].v));
  long F = static_cast<long>(q) - emax;
  std::vector<zint> a(n * (n + 1) / 2);
  real x(q);
  for (std::size_t k = 0; k < a.size(); ++k) {
    mpfr_mul_2si(x.v, m.mid[k].v, F, MPFR_RNDN);  // exact: same precision, exponent shift
    mpfr_get_z(a[k].v, x.v, MPFR_RNDN);           // error <= 1/2 on the grid
  }
  // Shift S = ceil((t + r + n·2^(−F−1))·2^F); the last term covers the rounding of M
  // (a symmetric matrix with entries <= δ has spectral norm <= n·δ).
  real rt(rad_prec + 64);
  mpfr_set_ui_2exp(rt.v, static_cast<unsigned long>(n), -F - 1, MPFR_RNDU);
  mpfr_add(rt.v, rt.v, r, MPFR_RNDU);
  qrat shift, rq;
  mpfr_get_q(rq.v, rt.v);  // exact
  mpq_add(shift.v, t, rq.v);
  if (F >= 0) mpq_mul_2exp(shift.v, shift.v, static_cast<mp_bitcnt_t>(F));
  else mpq_div_2exp(shift.v, shift.v, static_cast<mp_bitcnt_t>(-F));
  zint s;
  mpz_cdiv_q(s.v, mpq_numref(shift.v), mpq_denref(shift.v));
  for (std::size_t i = 0; i < n; ++i) mpz_sub(a[tri(i, i)].v, a[tri(i, i)].v, s.v);

  zint prev;
  mpz_set_ui(prev.v, 1);
  for (std::size_t k = 0; k < n; ++k) {
    if (mpz_sgn(a[tri(k, k)].v) <= 0)
      return {false, "exact LDLᵀ: leading principal minor " + std::to_string(k + 1) + " is not positive"};
    const mpz_t& piv = a[tri(k, k)].v;
    const long long lo = static_cast<long long>(k + 1), hi = static_cast<long long>(n);
#pragma omp parallel if (n - k >= 48)
    {
      zint tmp;
#pragma omp for schedule(dynamic, 1)
      for (long long jj = lo; jj < hi; ++jj) {
        std::size_t j = static_cast<std::size_t>(jj);
        for (std::size_t i = k + 1; i <= j; ++i) {
          mpz_t& aij = a[tri(i, j)].v;
          mpz_mul(tmp.v, aij, piv);
          mpz_submul(tmp.v, a[tri(k, i)].v, a[tri(k, j)].v);
          mpz_divexact(aij, tmp.v, prev.v);
        }
      }
    }
    mpz_set(prev.v, piv);
  }
  return {true, "exact fraction-free LDLᵀ of the midpoint matrix (" + std::to_string(n) + " positive leading minors)"};
}

// Proves M − (t + r)I ≻ 0 with one Cholesky in MPFR at precision q, rounding to nearest: if the
// Cholesky of Ã = M − (t + r + c)I (diagonal rounded down) completes with positive pivots, then
// Ã + ΔA = R̃ᵀR̃ with |ΔA_ij| <= γ·√(ã_ii ã_jj), γ = γ_{n+1}/(1 − γ_{n+1}), so
// λ_min(Ã) > −γ·tr(Ã) >= −c and λ_min(M) > t + r. c = 2(n+1)u·tr(M) >= γ·tr(M) when (n+1)u <= 1/4.
pd_outcome floating_cholesky(const mid_rad& m, std::size_t n, const mpq_t t, const mpfr_t r, mpfr_prec_t q) {
  real u(64), c(64), tr(64), shift(q + 64), tq(q + 64);
  mpfr_set_ui_2exp(u.v, 1, -static_cast<long>(q), MPFR_RNDU);
  mpfr_mul_ui(c.v, u.v, static_cast<unsigned long>(n + 1), MPFR_RNDU);
  if (mpfr_cmp_d(c.v, 0.25) > 0) return {false, "verified Cholesky: precision too low for n"};
  mpfr_set_ui(tr.v, 0, MPFR_RNDU);
  for (std::size_t i = 0; i < n; ++i) mpfr_add(tr.v, tr.v, m.mid[tri(i, i)].v, MPFR_RNDU);
  mpfr_mul(c.v, c.v, tr.v, MPFR_RNDU);
  mpfr_mul_2ui(c.v, c.v, 1, MPFR_RNDU);
  mpfr_set_q(tq.v, t, MPFR_RNDU);
  mpfr_add(shift.v, tq.v, r, MPFR_RNDU);
  mpfr_add(shift.v, shift.v, c.v, MPFR_RNDU);

  mpfr_clear_flags();
  // Lower triangle by rows: l[i][k], k <= i, stored at i(i+1)/2 + k.
  std::vector<real> l;
  l.reserve(n * (n + 1) / 2);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k <= i; ++k) {
      l.emplace_back(q);
      if (k == i) mpfr_sub(l.back().v, m.mid[tri(i, i)].v, shift.v, MPFR_RNDD);
      else mpfr_set(l.back().v, m.mid[tri(k, i)].v, MPFR_RNDN);  // exact: same precision
    }
  auto L = [&](std::size_t i, std::size_t k) -> mpfr_t& { return l[i * (i + 1) / 2 + k].v; };
  std::atomic<bool> bad_flags{false};
  real p(q), prod(q);
  for (std::size_t j = 0; j < n; ++j) {
    mpfr_set(p.v, L(j, j), MPFR_RNDN);
    for (std::size_t k = 0; k < j; ++k) {
      mpfr_sqr(prod.v, L(j, k), MPFR_RNDN);
      mpfr_sub(p.v, p.v, prod.v, MPFR_RNDN);
    }
    if (mpfr_sgn(p.v) <= 0 || !mpfr_number_p(p.v))
      return {false, "verified Cholesky: pivot " + std::to_string(j + 1) + " is not positive"};
    mpfr_sqrt(L(j, j), p.v, MPFR_RNDN);
    // The flags are per thread and cleared below: look at this thread's now.
    if (mpfr_underflow_p() || mpfr_overflow_p() || mpfr_nanflag_p()) bad_flags = true;
    const long long lo = static_cast<long long>(j + 1), hi = static_cast<long long>(n);
#pragma omp parallel if ((n - j) * j >= 4096)
    {
      real acc(q), pr(q);
      mpfr_clear_flags();
#pragma omp for schedule(static)
      for (long long ii = lo; ii < hi; ++ii) {
        std::size_t i = static_cast<std::size_t>(ii);
        mpfr_set(acc.v, L(i, j), MPFR_RNDN);
        for (std::size_t k = 0; k < j; ++k) {
          mpfr_mul(pr.v, L(i, k), L(j, k), MPFR_RNDN);
          mpfr_sub(acc.v, acc.v, pr.v, MPFR_RNDN);
        }
        mpfr_div(L(i, j), acc.v, L(j, j), MPFR_RNDN);
      }
      if (mpfr_underflow_p() || mpfr_overflow_p() || mpfr_nanflag_p()) bad_flags = true;
    }
  }
  if (bad_flags || mpfr_underflow_p() || mpfr_overflow_p() || mpfr_nanflag_p())
    return {false, "verified Cholesky: MPFR reported underflow, overflow or NaN"};
  pd_outcome ok(true, "verified Cholesky in MPFR at " + std::to_string(q) + " bits (Rump's criterion)");
  mpfr_get_q(ok.rounding_shift.v, c.v);
  return ok;
}

// ------------------------------------------------------------------------------ Rayleigh quotients

// Outward enclosures of vᵀWv and vᵀv for v given by doubles (taken exactly).
struct rayleigh {
  qrat num_hi, num_lo, den_hi, den_lo;
};

rayleigh rayleigh_bounds(const std::vector<ival>& w, std::size_t n, const std::vector<double>& v, mpfr_prec_t q) {
  ival num(q), den(q), row(q), t(q);
  mpfi_set_ui(num.v, 0);
  mpfi_set_ui(den.v, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (v[i] == 0.0) continue;
    mpfi_set_ui(row.v, 0);
    for (std::size_t j = 0; j < n; ++j) {
      if (v[j] == 0.0) continue;
      mpfi_mul_d(t.v, w[tri_sym(i, j)].v, v[j]);
      mpfi_add(row.v, row.v, t.v);
    }
    mpfi_mul_d(row.v, row.v, v[i]);
    mpfi_add(num.v, num.v, row.v);
    mpfi_set_d(t.v, v[i]);
    mpfi_sqr(t.v, t.v);
    mpfi_add(den.v, den.v, t.v);
  }
  rayleigh r;
  mpfr_get_q(r.num_hi.v, &num.v->right);
  mpfr_get_q(r.num_lo.v, &num.v->left);
  mpfr_get_q(r.den_hi.v, &den.v->right);
  mpfr_get_q(r.den_lo.v, &den.v->left);
  return r;
}

// ------------------------------------------------------------------------------ messages

// x·σ in the claim's units (x rational) as a decimal, rounded in direction rnd.
std::string claim_units(const mpq_t x, const mpq_t sigma, mpfr_rnd_t rnd, int digits = 17) {
  qrat y;
  mpq_mul(y.v, x, sigma);
  real f(128);
  mpfr_set_q(f.v, y.v, rnd);
  char* s = nullptr;
  mpfr_asprintf(&s, rnd == MPFR_RNDU ? "%.*RUg" : "%.*RDg", digits, f.v);
  std::string out = s ? s : "?";
  mpfr_free_str(s);
  return out;
}

std::string row_name(const dataset& ds, std::size_t i) { return "row " + std::to_string(ds.first_row + i + 1); }

bool file_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace

// ------------------------------------------------------------------------------ public

std::string resolve_data_source(const std::string& source, const std::string& certificate_dir) {
  if (source.rfind("fashion-mnist:", 0) == 0 || source.rfind("synthetic:", 0) == 0) return source;
  if (source.empty() || source[0] == '/') return source;
  if (file_exists(source)) return source;
  if (!certificate_dir.empty() && certificate_dir != ".") {
    std::string joined = certificate_dir + (certificate_dir.back() == '/' ? "" : "/") + source;
    if (file_exists(joined)) return joined;
  }
  return source;
}

check_result check_certificate(const certificate& c, const check_options& options) {
  const auto start = std::chrono::steady_clock::now();
  check_result res;
  auto finish = [&](bool valid, std::string reason) {
    res.valid = valid;
    res.reason = std::move(reason);
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return res;
  };

  // The claim by itself.
  qrat lower, upper;
  decimal_to_q(lower.v, c.claim.lower);
  decimal_to_q(upper.v, c.claim.upper);
  if (mpq_cmp(lower.v, upper.v) > 0)
    return finish(false, "the claimed lower bound " + c.claim.lower + " exceeds the claimed upper bound " + c.claim.upper);
  if (mpq_sgn(upper.v) < 0)
    return finish(false, "the claimed upper bound " + c.claim.upper + " is negative, but K is positive semidefinite (λ_min >= 0)");

  // The data.
  res.data_spec = resolve_data_source(c.data.source, options.certificate_dir);
  dataset ds = dataset_load(res.data_spec, c.data.offset, c.data.limit);
  std::string want = c.data.sha256, got = ds.sha256;
  std::transform(want.begin(), want.end(), want.begin(), [](unsigned char ch) { return std::tolower(ch); });
  std::transform(got.begin(), got.end(), got.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (want != got)
    return finish(false, "data changed: the SHA-256 of " + res.data_spec + " is " + got + ", the certificate has " + want);
  if (ds.n != c.data.n || ds.d != c.data.d)
    return finish(false, "data changed: " + res.data_spec + " gives " + std::to_string(ds.n) + " rows of " + std::to_string(ds.d) +
                             " values, the certificate has n = " + std::to_string(c.data.n) + ", d = " + std::to_string(c.data.d));

  const std::size_t n = ds.n;
  const int depth = c.model.depth;
  const bool scaled = c.data.normalize == normalization::none;
  integer_rows rows = make_integer_rows(ds, c.data.center);
  std::vector<zint> gram = exact_gram(rows);

  // σ with f·K(Z) = σ·W.
  qrat sigma;
  if (scaled) mpq_mul(sigma.v, rows.c0.v, rows.c0.v);
  else if (c.data.normalize == normalization::sphere) mpq_set_ui(sigma.v, static_cast<unsigned long>(ds.d), 1);
  else mpq_set_ui(sigma.v, 1, 1);
  {
    qrat f;
    if (c.model.convention == "neural-tangents") mpq_set_ui(f.v, 1, static_cast<unsigned long>(ds.d));
    else mpq_set_ui(f.v, 1, 1);
    if (c.model.convention == "uci") mpq_div_2exp(f.v, f.v, static_cast<mp_bitcnt_t>(depth - 1));
    mpq_mul(sigma.v, sigma.v, f.v);
  }
  qrat tl, tu;
  mpq_div(tl.v, lower.v, sigma.v);
  mpq_div(tu.v, upper.v, sigma.v);

  std::optional<std::size_t> zero_row;
  for (std::size_t i = 0; i < n && !zero_row; ++i)
    if (mpz_sgn(gram[tri(i, i)].v) == 0) zero_row = i;
  if (zero_row && !scaled)
    return finish(false, row_name(ds, *zero_row) + " is zero after preprocessing: the normalised kernel is undefined");

  bool lower_done = false, upper_done = false;
  if (mpq_sgn(tl.v) <= 0) {
    lower_done = true;
    res.lower_proof = "lower <= 0, and K is positive semidefinite";
  }

  std::string upper_note;  // why a hint did not help
  std::optional<std::string> exact_zero;  // λ_min = 0 exactly, and why
  if (c.hints.singular_pair) {
    auto [i, j] = *c.hints.singular_pair;
    if (positively_proportional(rows, i, j))
      exact_zero = row_name(ds, i) + " and " + row_name(ds, j) + " are positively proportional after preprocessing";
    else
      upper_note = "; the singular pair's rows " + std::to_string(ds.first_row + i + 1) + " and " + std::to_string(ds.first_row + j + 1) +
                   " are not positively proportional after preprocessing";
  }
  if (!exact_zero && zero_row) exact_zero = row_name(ds, *zero_row) + " is zero";
  // Depth 1 is the linear kernel Z Z^T: singular when its rank is below n.
  if (!exact_zero && depth == 1 && c.data.center && n >= 2)
    exact_zero = "the depth-1 kernel of centred rows is singular (the rows sum to zero)";
  if (!exact_zero && depth == 1 && n > ds.d)
    exact_zero = "the depth-1 kernel Z Z^T of " + std::to_string(n) + " rows in dimension " + std::to_string(ds.d) +
                 " has rank at most " + std::to_string(ds.d);
  if (exact_zero) {
    upper_done = true;  // upper >= 0 was checked above
    res.upper_proof = *exact_zero + ", so K is singular: λ_min = 0 <= upper";
    if (!lower_done)
      return finish(false, "the claimed lower bound " + c.claim.lower + " is positive, but " + *exact_zero + ", so λ_min = 0");
  }
  if (lower_done && upper_done) return finish(true, "");

  // Kernel enclosures, at increasing precision while the outcome is undecided.
  const long p = c.hints.precision_bits;
  long q = std::max({2 * p, p + 64, options.min_precision_bits});
  const bool use_exact = options.method == pd_test::exact || (options.method == pd_test::automatic && n <= options.exact_max_n);
  std::string lower_fail, upper_fail;
  for (int attempt = 0; attempt < std::max(1, options.attempts); ++attempt, q *= 2) {
    res.precision_bits = q;
    std::vector<ival> w = enclose_kernel(gram, n, depth, scaled, static_cast<mpfr_prec_t>(q));

    // Rayleigh quotients: the eigenvector hint and the unit vector at the smallest diagonal entry.
    std::vector<std::pair<std::string, std::vector<double>>> candidates;
    if (!c.hints.eigenvector.empty()) candidates.emplace_back("the certificate's eigenvector", c.hints.eigenvector);
    {
      std::size_t imin = 0;
      for (std::size_t i = 1; i < n; ++i)
        if (mpfr_cmp(&w[tri(i, i)].v->right, &w[tri(imin, imin)].v->right) < 0) imin = i;
      std::vector<double> e(n, 0.0);
      e[imin] = 1.0;
      candidates.emplace_back("the unit vector of " + row_name(ds, imin) + " (smallest diagonal entry)", e);
    }
    bool upper_undecided = false;
    std::string best_above;  // smallest certain lower end of a Rayleigh quotient above upper
    for (const auto& [what, v] : candidates) {
      rayleigh ray = rayleigh_bounds(w, n, v, static_cast<mpfr_prec_t>(q));
      qrat t, ratio_hi;
      if (mpq_sgn(ray.den_lo.v) <= 0) continue;
      mpq_div(ratio_hi.v, ray.num_hi.v, ray.den_lo.v);  // >= vᵀWv/vᵀv >= λ_min (num_hi >= 0)
      if (!lower_done && mpq_cmp(ratio_hi.v, tl.v) < 0)
        return finish(false, "the claimed lower bound " + c.claim.lower + " exceeds λ_min: the Rayleigh quotient of " + what +
                                 " is at most " + claim_units(ratio_hi.v, sigma.v, MPFR_RNDU));
      if (upper_done) continue;
      mpq_mul(t.v, tu.v, ray.den_lo.v);
      if (mpq_cmp(ray.num_hi.v, t.v) <= 0) {
        upper_done = true;
        res.upper_proof = "Rayleigh quotient of " + what + " at " + std::to_string(q) + " bits: at most " +
                          claim_units(ratio_hi.v, sigma.v, MPFR_RNDU) + " <= upper";
        continue;
      }
      // Not proved: decided (the quotient is surely above upper) or undecided at this precision?
      qrat ratio_lo;
      mpq_div(ratio_lo.v, ray.num_lo.v, ray.den_hi.v);
      if (mpq_cmp(ratio_lo.v, tu.v) <= 0) upper_undecided = true;
      std::string s = "the Rayleigh quotient of " + what + " is at least " + claim_units(ratio_lo.v, sigma.v, MPFR_RNDD);
      if (best_above.empty()) best_above = s;
    }
    if (!upper_done) upper_fail = "the claimed upper bound " + c.claim.upper + " is not proved: " + best_above + upper_note;

    if (!lower_done) {
      mid_rad m = midpoint_radius(w, static_cast<mpfr_prec_t>(q));
      real r(rad_prec);
      radius_norm(r.v, m, n);
      pd_outcome o = use_exact ? exact_ldlt(m, n, tl.v, r.v, static_cast<mpfr_prec_t>(q))
                               : floating_cholesky(m, n, tl.v, r.v, static_cast<mpfr_prec_t>(q));
      if (o.proved) {
        lower_done = true;
        qrat rq;
        mpfr_get_q(rq.v, r.v);
        res.lower_proof = o.detail + ", kernel enclosed at " + std::to_string(q) + " bits; shift lower + " +
                          claim_units(rq.v, sigma.v, MPFR_RNDU, 3) + " (radius norm)";
        if (mpq_sgn(o.rounding_shift.v) > 0)
          res.lower_proof += " + " + claim_units(o.rounding_shift.v, sigma.v, MPFR_RNDU, 3) + " (rounding errors)";
      } else {
        lower_fail = "the claimed lower bound " + c.claim.lower + " is not proved: " + o.detail + " for the shift lower + ‖radius‖ at " +
                     std::to_string(q) + " bits";
      }
    }
    if (lower_done && upper_done) return finish(true, "");
    if (lower_done && !upper_undecided) break;  // more precision cannot change a decided upper failure
  }
  if (!upper_done && !lower_done) return finish(false, lower_fail + "; " + upper_fail);
  return finish(false, !lower_done ? lower_fail : upper_fail);
}

check_result check_certificate_file(const std::string& path, check_options options) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const io_error& e) {
    throw certificate_error(e.what());
  }
  certificate c = parse_certificate(text);
  auto slash = path.rfind('/');
  options.certificate_dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  return check_certificate(c, options);
}

}  // namespace ntk
