// The checker's binary64 eigenvalue bounds (see check_binary64.hpp; docs/certificates.md "Fast route").
#include <gmp.h>
#include <mpfr.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "certificate/check_binary64.hpp"
#include "interval/rounding.hpp"

namespace ntk::check_detail {

namespace {

constexpr double u = 0x1p-53;

template <class F>
void run_workers(int threads, F&& body) {
  std::vector<std::thread> pool;
  for (int w = 1; w < threads; ++w) pool.emplace_back(body, w);
  body(0);
  for (auto& t : pool) t.join();
}

// γ_m = m·u/(1 − m·u), rounded up.
double gamma_up_(double m) { return round_up(round_up(m * u) / round_down(1.0 - round_up(m * u))); }

// Upper bound of the exact sum of the nonnegative terms whose RN recursive sum over m terms is s.
double nonneg_upper(double s, double m) { return round_up(s / round_down(1.0 - gamma_up_(m))); }

void to_q(mpq_t out, double x) { mpq_set_d(out, x); }  // exact

constexpr long step_columns = 96;  // columns per outer step: nb of the blocked constant

// The quantities of the blocked a-posteriori constant (docs/numerics.md "A tighter constant for the
// blocked Cholesky"): sum_nu >= Σ_m ‖|Ŝ^(m−1)|‖₂ over the outer steps, frob2_L >= ‖L̂‖_F².
struct step_stats {
  double sum_nu = 0, frob2_L = 0;
};

// The result is >= ‖|S|‖₂ for the symmetric trailing matrix S = A(k:n, k:n) (lower triangle,
// column-major): min(‖S‖_F, largest absolute row sum), every sum bounded above (nonneg_upper).
double trailing_abs_norm(const Eigen::MatrixXd& A, long k, std::vector<double>& rows) {
  const long n = A.rows(), m = n - k;
  rows.assign(static_cast<std::size_t>(m), 0.0);
  double fro = 0;
  for (long j = k; j < n; ++j) {
    const double* col = A.data() + j * n;
    for (long i = j; i < n; ++i) {
      const double x = std::fabs(col[i]);
      rows[static_cast<std::size_t>(i - k)] += x;
      if (i != j) rows[static_cast<std::size_t>(j - k)] += x;
      fro += (i == j ? 1.0 : 2.0) * (x * x);  // the factor 2 is exact
    }
  }
  double rowmax = 0;
  for (double r : rows) rowmax = std::max(rowmax, nonneg_upper(r, static_cast<double>(m)));
  const double terms = static_cast<double>(m) * static_cast<double>(m);
  fro = round_up(std::sqrt(nonneg_upper(round_up(fro * round_up(1.0 + u)), terms)));
  return std::min(fro, rowmax);
}

// Cholesky of the lower triangle of A in place (column-major), blocked: diagonal blocks and panels
// by the recursion of docs/numerics.md with true divisions and correctly rounded square roots,
// trailing updates A22 −= L21·L21ᵀ by Eigen's matrix product (sums in some order, possibly
// fused: covered by the theorem). Every entry meets at most step_columns products per outer step.
// Returns n on success, else the index of the failing pivot; on success *stats holds the blocked
// constant's quantities.
std::size_t blocked_cholesky(Eigen::MatrixXd& A, int threads, step_stats* stats) {
  const long n = A.rows(), b = step_columns;
  std::vector<double> P;  // the panel, row-major
  std::vector<double> rows;
  double sum_nu = 0;
  for (long k = 0; k < n; k += b) {
    const long kb = std::min(b, n - k), m = n - k - kb;
    sum_nu = round_up(sum_nu + trailing_abs_norm(A, k, rows));
    // Diagonal block, row-major copy T (kb × kb).
    std::vector<double> T(static_cast<std::size_t>(kb * kb));
    for (long i = 0; i < kb; ++i)
      for (long j = 0; j <= i; ++j) T[static_cast<std::size_t>(i * kb + j)] = A(k + i, k + j);
    for (long j = 0; j < kb; ++j) {
      double* rj = &T[static_cast<std::size_t>(j * kb)];
      double p = rj[j];
      for (long l = 0; l < j; ++l) p -= rj[l] * rj[l];
      if (!(p > 0) || !std::isfinite(p)) return static_cast<std::size_t>(k + j);
      rj[j] = std::sqrt(p);
      for (long i = j + 1; i < kb; ++i) {
        double* ri = &T[static_cast<std::size_t>(i * kb)];
        double s = ri[j];
        for (long l = 0; l < j; ++l) s -= ri[l] * rj[l];
        ri[j] = s / rj[j];
      }
    }
    for (long i = 0; i < kb; ++i)
      for (long j = 0; j <= i; ++j) A(k + i, k + j) = T[static_cast<std::size_t>(i * kb + j)];
    if (m == 0) break;
    // Panel L21 (rows k+kb..n): forward substitution per row, rows shared among the workers.
    P.assign(static_cast<std::size_t>(m * kb), 0.0);
    std::atomic<long> next{0};
    run_workers(threads, [&](int) {
      for (long r0; (r0 = next.fetch_add(32)) < m;) {
        for (long r = r0; r < std::min(m, r0 + 32); ++r) {
          double* pr = &P[static_cast<std::size_t>(r * kb)];
          for (long j = 0; j < kb; ++j) pr[j] = A(k + kb + r, k + j);
          for (long j = 0; j < kb; ++j) {
            const double* rj = &T[static_cast<std::size_t>(j * kb)];
            double s = pr[j];
            for (long l = 0; l < j; ++l) s -= pr[l] * rj[l];
            pr[j] = s / rj[j];
          }
        }
      }
    });
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> L21(P.data(), m, kb);
    A.block(k + kb, k, m, kb) = L21;
    // Trailing update by column blocks (each block's arithmetic is the same whichever worker does it).
    std::atomic<long> nb{0};
    run_workers(threads, [&](int) {
      for (long c; (c = nb.fetch_add(b)) < m;) {
        const long w = std::min(b, m - c);
        A.block(k + kb + c, k + kb + c, m - c, w).noalias() -= L21.middleRows(c, m - c) * L21.middleRows(c, w).transpose();
      }
    });
  }
  double fro = 0;
  for (long j = 0; j < n; ++j)
    for (long i = j; i < n; ++i) fro += A(i, j) * A(i, j);
  const double terms = static_cast<double>(n) * static_cast<double>(n + 1) / 2;
  stats->frob2_L = nonneg_upper(round_up(fro * round_up(1.0 + u)), terms);
  stats->sum_nu = sum_nu;
  return static_cast<std::size_t>(n);
}

// Compensated dot product (Ogita, Rump, Oishi, "Accurate sum and dot product", SIAM J. Sci.
// Comput. 26 (2005), Algorithm 5.3, Dot2): without underflow and with m·u < 1,
// |result − xᵀy| <= u·|xᵀy| + γ_m²·|x|ᵀ|y|.
struct dot2_result {
  double value, abs;  // abs: the RN sum of |x_i y_i| (for the bound)
};
dot2_result dot2(const double* x, const double* y, std::size_t m) {
  double p = 0, s = 0, a = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const double h = x[i] * y[i];
    const double r = std::fma(x[i], y[i], -h);
    const double t = p + h;
    const double z = t - p;
    const double q = (p - (t - z)) + (h - z);
    p = t;
    s = s + (q + r);
    a += std::fabs(h);
  }
  return {p + s, a};
}

// An upper bound of |error| of a dot2 over m terms: (u·|value| + γ_m²·A)/(1 − u), A >= |x|ᵀ|y|
// (|xᵀy| <= |value| + error gives the division).
double dot2_error(const dot2_result& d, std::size_t m) {
  const double g = gamma_up_(static_cast<double>(m));
  const double A = nonneg_upper(round_up(d.abs * round_up(1.0 + u)), static_cast<double>(m));  // products rounded too
  const double e = round_up(round_up(u * std::fabs(d.value)) + round_up(round_up(g * g) * A));
  return round_up(e / round_down(1.0 - u));
}

}  // namespace

binary64_bound prove_lower_binary64(binary64_enclosure& e, const mpq_t t, int threads) {
  binary64_bound out;
  const std::size_t n = e.n;
  Eigen::MatrixXd& M = e.mid;
  // r >= ‖off-diagonal radius‖₂: min(Frobenius norm, largest row sum), rounded up.
  double fro = 0, rowmax = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double row = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double x = e.rad[tri_sym(i, j)];
      row += x;
      fro += x * x;
    }
    rowmax = std::max(rowmax, nonneg_upper(row, static_cast<double>(n)));
  }
  fro = round_up(std::sqrt(nonneg_upper(round_up(fro * round_up(1.0 + u)), static_cast<double>(n * n))));
  const double r = std::min(fro, rowmax);
  mpq_set_d(out.value.v, r);
  // Shift σ = t + r + c(mid − tI), rounded up (c estimated; the proof below uses c(Ã) itself).
  mpfr_t x;
  mpfr_init2(x, 256);
  mpfr_set_q(x, t, MPFR_RNDU);
  const double tu = mpfr_get_d(x, MPFR_RNDU);
  const double np1 = static_cast<double>(n + 1);
  if (!(3.0 * (np1 + 1) * u < 1.0)) {
    mpfr_clear(x);
    out.detail = "n too large for binary64";
    return out;
  }
  const double g = round_up(round_up(np1 * u) / round_down(1.0 - 2.0 * np1 * u));
  const double g_blk = gamma_up_(static_cast<double>(step_columns + 2));
  double tr = 0;
  for (std::size_t i = 0; i < n; ++i)
    tr += std::max(round_up(M(static_cast<long>(i), static_cast<long>(i)) - tu), 0.0);
  const double tr_up = nonneg_upper(tr, static_cast<double>(n));
  const double c_plain_est = round_up(g * tr_up);
  // The shift needs c before the factorisation; the blocked constant is known only after it. So the
  // shift is first taken from a guess of c_blk (‖L̂‖_F² ≈ tr, Σν ≈ 0.3–0.4 tr on kernel matrices),
  // then from the c_blk just measured, and last from the a-priori constant. Every attempt proves
  // from scratch; a guess only costs time.
  std::vector<double> guesses;
  if (round_up(g_blk * 1.5 * tr_up) < c_plain_est) guesses.push_back(round_up(g_blk * 1.5 * tr_up));
  const Eigen::MatrixXd original = guesses.empty() ? Eigen::MatrixXd() : M;
  std::vector<double> dmid(n), at(n);
  for (std::size_t i = 0; i < n; ++i) dmid[i] = M(static_cast<long>(i), static_cast<long>(i));
  mpfr_t c, cb, tra, dmin, z;
  mpfr_inits2(256, c, cb, tra, dmin, z, static_cast<mpfr_ptr>(nullptr));
  std::string why;
  bool ok = false;
  for (std::size_t attempt = 0; !ok; ++attempt) {
    const bool last = attempt >= guesses.size();
    const double c_shift = last ? c_plain_est : guesses[attempt];
    if (attempt > 0) M = original;
    const double sigma = round_up(round_up(tu + r) + round_up(c_shift * (1 + 0x1p-20)) + 0x1p-1000);
    for (std::size_t i = 0; i < n; ++i) {
      const long ii = static_cast<long>(i);
      at[i] = round_down(dmid[i] - sigma);  // ã_ii <= mid_ii − σ, so min_i(mid_ii − ã_ii) >= σ
      M(ii, ii) = at[i];
    }
    step_stats st;
    const std::size_t fail = blocked_cholesky(M, threads, &st);
    if (fail < n) {  // a larger shift cannot do better
      why = "binary64 Cholesky: pivot " + std::to_string(fail + 1) + " is not positive";
      break;
    }
    // c_plain(Ã) = (n+1)u/(1 − 2(n+1)u)·tr(Ã) + 4η(n+1)(2(n+2) + max ã_ii) (docs/numerics.md; the
    // prover's form); c_blk = γ_{nb+2}(‖L̂‖_F² + Σν) + the same underflow term (docs/numerics.md
    // "A tighter constant for the blocked Cholesky", nb = step_columns); both proved, the smaller
    // is used. The bound min_i(mid_ii − ã_ii) − c − r, all in MPFR rounding toward safety.
    mpfr_set_ui(tra, 0, MPFR_RNDU);
    double amax = 0;
    for (std::size_t i = 0; i < n; ++i) {
      mpfr_add_d(tra, tra, at[i], MPFR_RNDU);
      amax = std::max(amax, at[i]);
      mpfr_set_d(z, dmid[i], MPFR_RNDD);
      mpfr_sub_d(z, z, at[i], MPFR_RNDD);
      if (i == 0 || mpfr_cmp(z, dmin) < 0) mpfr_set(dmin, z, MPFR_RNDD);
    }
    mpfr_set_d(c, np1, MPFR_RNDU);
    mpfr_mul_2si(c, c, -53, MPFR_RNDU);  // (n+1)u
    mpfr_mul_2ui(z, c, 1, MPFR_RNDU);
    mpfr_ui_sub(z, 1, z, MPFR_RNDD);      // 1 − 2(n+1)u
    mpfr_div(c, c, z, MPFR_RNDU);
    mpfr_mul(c, c, tra, MPFR_RNDU);
    mpfr_set_d(cb, st.frob2_L, MPFR_RNDU);
    mpfr_add_d(cb, cb, st.sum_nu, MPFR_RNDU);
    mpfr_mul_d(cb, cb, g_blk, MPFR_RNDU);
    if (std::isfinite(st.frob2_L) && std::isfinite(st.sum_nu) && mpfr_cmp(cb, c) < 0) mpfr_set(c, cb, MPFR_RNDU);
    mpfr_set_d(z, 2.0 * (np1 + 1), MPFR_RNDU);
    mpfr_add_d(z, z, amax, MPFR_RNDU);
    mpfr_mul_d(z, z, np1, MPFR_RNDU);
    mpfr_mul_2si(z, z, -1072, MPFR_RNDU);  // 4η = 2^−1072
    mpfr_add(c, c, z, MPFR_RNDU);
    mpfr_get_q(out.rounding.v, c);
    mpfr_sub(x, dmin, c, MPFR_RNDD);
    mpfr_sub_d(x, x, r, MPFR_RNDD);
    ok = mpfr_cmp_q(x, t) >= 0 && mpfr_number_p(x);
    if (ok) break;
    why = "binary64 Cholesky completed but the constant leaves the bound below the claim";
    if (last) break;
    // Next guess (once): the blocked constant just measured (the next shift differs little).
    const double measured = round_up(mpfr_get_d(c, MPFR_RNDU) * 1.05);
    if (attempt == 0 && guesses.size() == 1 && measured < c_plain_est && measured > guesses[0])
      guesses.push_back(measured);
  }
  mpfr_clears(x, c, cb, tra, dmin, z, static_cast<mpfr_ptr>(nullptr));
  if (!ok) {
    out.detail = why;
    return out;
  }
  out.proved = true;
  out.detail = "binary64 Cholesky of the shifted midpoint (Rump's criterion, constant of docs/numerics.md), kernel enclosed in binary64 intervals";
  return out;
}

binary64_bound rayleigh_upper_binary64(const binary64_enclosure& e, const std::vector<double>& v_in) {
  binary64_bound out;
  const std::size_t n = e.n;
  if (v_in.size() != n) return out;
  double vmax = 0;
  for (double t : v_in) {
    if (!std::isfinite(t)) return out;
    vmax = std::max(vmax, std::fabs(t));
  }
  if (vmax == 0) return out;
  const double scale = std::ldexp(1.0, -std::ilogb(vmax));  // max |v_i| in [1, 2)
  std::vector<double> v(n), av(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = v_in[i] * scale;
    if (std::fabs(v[i]) < 0x1p-400) v[i] = 0;
    av[i] = std::fabs(v[i]);
  }
  // No underflow in the products: nonzero |mid_ij| >= 2^−500 and |v_j| >= 2^−400, |y_i| >= 2^−400.
  const Eigen::MatrixXd& M = e.mid;
  std::vector<double> y(n), ey(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double* col = M.data() + static_cast<long>(i) * M.rows();  // column i = row i (symmetric)
    for (std::size_t j = 0; j < n; ++j)
      if (col[j] != 0 && std::fabs(col[j]) < 0x1p-500) return out;
    const dot2_result d = dot2(col, v.data(), n);
    if (!std::isfinite(d.value) || !std::isfinite(d.abs)) return out;
    y[i] = d.value;
    if (y[i] != 0 && std::fabs(y[i]) < 0x1p-400) return out;
    ey[i] = dot2_error(d, n);
  }
  const dot2_result s = dot2(v.data(), y.data(), n);
  const dot2_result vv = dot2(v.data(), v.data(), n);
  // vᵀWv <= vᵀ(mid)v + |v|ᵀ rad |v| (diagonal: mid is the lower end, rad the width)
  // vᵀ(mid)v = Σ v_i y_i^exact <= s + err(s) + Σ |v_i| ey_i.
  double ve = 0, vr = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ve += av[i] * ey[i];
    if (av[i] == 0) continue;
    double row = 0;
    for (std::size_t j = 0; j < n; ++j) row += e.rad[tri_sym(i, j)] * av[j];
    vr += av[i] * nonneg_upper(round_up(row * round_up(1.0 + u)), static_cast<double>(n));
  }
  ve = nonneg_upper(round_up(ve * round_up(1.0 + u)), static_cast<double>(n));
  vr = nonneg_upper(round_up(vr * round_up(1.0 + u)), static_cast<double>(n));
  const double num = round_up(round_up(round_up(s.value + dot2_error(s, n)) + ve) + vr);
  const double evv = dot2_error(vv, n);
  const double den_lo = round_down(vv.value - evv), den_hi = round_up(vv.value + evv);
  if (!std::isfinite(num) || !(den_lo > 0)) return out;
  mpq_t a, b;
  mpq_init(a);
  mpq_init(b);
  to_q(a, num);
  to_q(b, num >= 0 ? den_lo : den_hi);
  mpq_div(out.value.v, a, b);  // >= vᵀWv/vᵀv for every W in the enclosure
  mpq_clear(a);
  mpq_clear(b);
  out.proved = true;
  out.detail = "compensated binary64 Rayleigh quotient";
  return out;
}

}  // namespace ntk::check_detail
