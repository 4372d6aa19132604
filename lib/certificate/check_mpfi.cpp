// The checker's precise route: MPFI kernel enclosure, positivity tests in GMP/MPFR, outward
// Rayleigh quotients (see check_mpfi.hpp and checker.hpp).
#include "certificate/check_mpfi.hpp"

#include <algorithm>
#include <atomic>

namespace ntk::check_detail {

// ------------------------------------------------------------------------------ kernel enclosure

namespace {

// x := x ∩ [lo, hi], knowing that the true value lies in both (if rounding ever made them
// disjoint, [lo, hi] alone is still a valid enclosure).
void clamp(mpfi_t x, long lo, long hi) {
  if (mpfr_cmp_si(&x->left, lo) < 0) mpfr_set_si(&x->left, lo, MPFR_RNDD);
  if (mpfr_cmp_si(&x->right, hi) > 0) mpfr_set_si(&x->right, hi, MPFR_RNDU);
  if (mpfr_cmp(&x->left, &x->right) > 0) mpfi_interv_si(x, lo, hi);
}

}  // namespace

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

}  // namespace ntk::check_detail
