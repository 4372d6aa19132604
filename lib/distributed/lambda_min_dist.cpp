#include "distributed/lambda_min_dist.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

#include <lapacke.h>

#include <cstdio>

#include "distributed/bounds.hpp"
#include "distributed/scalapack.hpp"
#include "distributed/subspace.hpp"
#include "interval/rounding.hpp"
#include "linalg/float_error.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk::distributed {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

// MPI reduction: elementwise sum rounded up (each partial result is an upper bound of the exact sum
// of upper bounds).
void sum_up_op(void* in, void* inout, int* len, MPI_Datatype*) {
  const double* a = static_cast<const double*>(in);
  double* b = static_cast<double*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = round_up(a[i] + b[i]);
}

void append_note(std::string& note, const std::string& s) {
  if (!note.empty()) note += "; ";
  note += s;
}

class solver {
 public:
  solver(const local_kernel& K, MPI_Comm comm, int ictxt, int stage_block)
      : K_(K), L_(K.layout), comm_(comm), ictxt_(ictxt) {
    stage_ = std::max(1, (std::max(1, stage_block) + L_.nb - 1) / L_.nb) * L_.nb;
    int info = 0;
    const int n = L_.n, nb = L_.nb, zero = 0;
    descinit_(desc_, &n, &n, &nb, &nb, &zero, &zero, &ictxt_, &L_.lld, &info);
    // The full diagonal of M, replicated (one owner per entry: an exact sum).
    diag_.assign(static_cast<std::size_t>(n), 0.0);
    for_owned_diagonal([&](int g, std::size_t idx) { diag_[g] = K_.mid[idx]; });
    MPI_Allreduce(MPI_IN_PLACE, diag_.data(), n, MPI_DOUBLE, MPI_SUM, comm_);
  }

  const std::vector<double>& diag() const { return diag_; }

  // The Cholesky of M - sigma I into factor_, right-looking in steps of stage_ columns, each by
  // ScaLAPACK: pdpotrf of the diagonal block, pdtrsm of the panel below it, pdsyrk of the trailing
  // matrix. Before each step, nu_m >= || |Ŝ^(m-1)| ||_2 of the trailing matrix (local sums, reduced
  // with upward rounding); after the last, ||L̂||_F^2. Returns whether every pivot is finite and
  // > 0 on every process; the constant min(c', c'_blk) and t from the replicated diagonal.
  struct test_result {
    bool success = false;
    double t = -inf, c = inf, c_plain = inf;
    bool blocked = false;
    std::string note;
  };
  test_result factor(double sigma, double r, double& seconds) {
    const auto t0 = clock_type::now();
    test_result res;
    factor_ = K_.mid;
    for_owned_diagonal([&](int g, std::size_t idx) { factor_[idx] = diag_[g] - sigma; });
    const int n = L_.n;
    const double one_d = 1.0, minus_one = -1.0;
    double sum_nu = 0;
    int ok = 1;
    for (int k0 = 0; k0 < n && ok; k0 += stage_) {
      const int k1 = std::min(n, k0 + stage_), w = k1 - k0, m = n - k1;
      sum_nu = round_up(sum_nu + trailing_nu(k0));
      int info = 0;
      const int ia = k0 + 1, ib = k1 + 1;
      pdpotrf_("L", &w, factor_.data(), &ia, &ia, desc_, &info, 1);
      int step_ok = info == 0 ? 1 : 0;
      MPI_Allreduce(MPI_IN_PLACE, &step_ok, 1, MPI_INT, MPI_MIN, comm_);
      ok = step_ok;
      if (!ok || m == 0) break;
      pdtrsm_("R", "L", "T", "N", &m, &w, &one_d, factor_.data(), &ia, &ia, desc_, factor_.data(), &ib, &ia,
              desc_, 1, 1, 1, 1);
      pdsyrk_("L", "N", &m, &w, &minus_one, factor_.data(), &ib, &ia, desc_, &one_d, factor_.data(), &ib, &ib,
              desc_, 1, 1);
    }
    if (ok)
      for_owned_diagonal([&](int, std::size_t idx) {
        const double p = factor_[idx];
        if (!(p > 0 && p < inf)) ok = 0;
      });
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm_);
    const double frob2 = ok ? factor_frob2() : inf;
    seconds += since(t0);
    has_factor_ = ok != 0;
    if (!ok) {
      res.note = "Cholesky of mid - sigma I broke down (a pivot <= 0 or not finite)";
      return res;
    }
    // ã_ii = fl(M_ii - sigma), exactly as the owners formed them.
    double trace = 0, maxd = 0, dmin = inf;
    for (int g = 0; g < L_.n; ++g) {
      const double a = diag_[g] - sigma;
      if (!(a > 0)) {
        res.note = "nonpositive shifted diagonal";
        return res;
      }
      trace = round_up(trace + a);
      maxd = std::max(maxd, a);
      dmin = std::min(dmin, round_down(diag_[g] - a));
    }
    if (!(maxd < 0x1p1000)) {
      res.note = "diagonal too large for the reciprocal argument (bounds.hpp)";
      return res;
    }
    res.c_plain = cholesky_constant_reciprocal(static_cast<std::size_t>(L_.n), trace, maxd);
    const double c_blk = blocked_cholesky_constant(static_cast<std::size_t>(L_.n),
                                                   static_cast<std::size_t>(std::min(stage_, L_.n)), frob2,
                                                   sum_nu, maxd, reciprocal_unit_roundoff, 2 * binary64_eta);
    res.blocked = c_blk < res.c_plain;
    res.c = std::min(res.c_plain, c_blk);
    if (!(res.c < inf)) {
      res.note = "matrix too large for the binary64 constant";
      return res;
    }
    res.t = round_down(round_down(dmin - res.c) - r);
    res.success = true;
    return res;
  }

  bool has_factor() const { return has_factor_; }

  // X <- (L L')^{-1} X with the current factor, for the k columns of the replicated column-major
  // N x k matrix X (false if not finite).
  bool solve(std::vector<double>& X, int k, double& seconds) {
    const auto t0 = clock_type::now();
    const int n = L_.n;
    int info = 0;
    const int one = 1;
    int descb[9];
    const int zero = 0, nb = L_.nb;
    descinit_(descb, &n, &k, &nb, &k, &zero, &zero, &ictxt_, &L_.lld, &info);
    std::vector<double> b(static_cast<std::size_t>(L_.lld) * k, 0.0);
    if (L_.mycol == 0)
      for (int c = 0; c < k; ++c)
        for (int lr = 0; lr < L_.mloc; ++lr) b[static_cast<std::size_t>(c) * L_.lld + lr] = X[static_cast<std::size_t>(c) * n + L_.global_row(lr)];
    pdpotrs_("L", &L_.n, &k, factor_.data(), &one, &one, desc_, b.data(), &one, &one, descb, &info, 1);
    std::fill(X.begin(), X.end(), 0.0);
    if (L_.mycol == 0)
      for (int c = 0; c < k; ++c)
        for (int lr = 0; lr < L_.mloc; ++lr) X[static_cast<std::size_t>(c) * n + L_.global_row(lr)] = b[static_cast<std::size_t>(c) * L_.lld + lr];
    // One owner per entry, zeros elsewhere: the sum is exact and the same on every process.
    MPI_Allreduce(MPI_IN_PLACE, X.data(), n * k, MPI_DOUBLE, MPI_SUM, comm_);
    seconds += since(t0);
    int ok = info == 0 ? 1 : 0;
    for (double t : X)
      if (!std::isfinite(t)) ok = 0;
    return ok != 0;
  }

  // W = fl(M V) for the k columns of the replicated N x k matrix V (estimates only), identical on
  // every process (reduced to rank 0, then broadcast).
  void products_block(const std::vector<double>& V, int k, std::vector<double>& W) {
    const int n = L_.n;
    W.assign(static_cast<std::size_t>(n) * k, 0.0);
    std::vector<double> acc(static_cast<std::size_t>(k));
    for (int lc = 0; lc < L_.nloc; ++lc) {
      const int gj = L_.global_col(lc);
      std::fill(acc.begin(), acc.end(), 0.0);
      const double* col = K_.mid.data() + static_cast<std::size_t>(lc) * L_.lld;
      for (int lr = 0; lr < L_.mloc; ++lr) {
        const int gi = L_.global_row(lr);
        if (gi < gj) continue;
        const double m = col[lr];
        for (int c = 0; c < k; ++c) {
          const std::size_t o = static_cast<std::size_t>(c) * n;
          W[o + gi] += m * V[o + gj];
          if (gi != gj) acc[c] += m * V[o + gi];
        }
      }
      for (int c = 0; c < k; ++c) W[static_cast<std::size_t>(c) * n + gj] += acc[c];
    }
    sum_to_all(W);
  }

  // Elementwise sum over the processes, the same result on every process.
  void sum_to_all(std::vector<double>& x) {
    const int len = static_cast<int>(x.size());
    int rank = 0;
    MPI_Comm_rank(comm_, &rank);
    if (rank == 0) MPI_Reduce(MPI_IN_PLACE, x.data(), len, MPI_DOUBLE, MPI_SUM, 0, comm_);
    else MPI_Reduce(x.data(), nullptr, len, MPI_DOUBLE, MPI_SUM, 0, comm_);
    MPI_Bcast(x.data(), len, MPI_DOUBLE, 0, comm_);
  }

  // w = fl(M v), b = fl(|M||v|), each entry an N-term sum (local partial sums, then MPI sums).
  void products(const std::vector<double>& v, std::vector<double>& w, std::vector<double>& b) {
    const int n = L_.n;
    std::vector<double> wb(2 * static_cast<std::size_t>(n), 0.0);
    double* W = wb.data();
    double* B = wb.data() + n;
    for (int lc = 0; lc < L_.nloc; ++lc) {
      const int gj = L_.global_col(lc);
      const double vj = v[gj], avj = std::fabs(vj);
      double wj = 0, bj = 0;
      const double* col = K_.mid.data() + static_cast<std::size_t>(lc) * L_.lld;
      for (int lr = 0; lr < L_.mloc; ++lr) {
        const int gi = L_.global_row(lr);
        if (gi < gj) continue;
        const double m = col[lr], am = std::fabs(m);
        if (gi == gj) {
          W[gi] += m * vj;
          B[gi] += am * avj;
        } else {
          W[gi] += m * vj;
          B[gi] += am * avj;
          wj += m * v[gi];
          bj += am * std::fabs(v[gi]);
        }
      }
      W[gj] += wj;
      B[gj] += bj;
    }
    sum_to_all(wb);  // each entry: an N-term sum in some order
    w.assign(W, W + n);
    b.assign(B, B + n);
  }

 private:
  // nu >= || |S| ||_2 for the symmetric trailing matrix S = rows/columns >= k0 of the lower triangle
  // of factor_: min(||S||_F, max absolute row sum), each from local round-to-nearest sums bounded
  // above (float_error.hpp) and reduced with upward rounding. The same value on every process.
  double trailing_nu(int k0) {
    const int n = L_.n;
    std::vector<double> buf(static_cast<std::size_t>(n - k0) + 2, 0.0);  // row sums, off², diag²
    double* rs = buf.data();
    double off = 0, dia = 0;
    std::size_t count_off = 0, count_dia = 0;
    for (int lc = 0; lc < L_.nloc; ++lc) {
      const int gj = L_.global_col(lc);
      if (gj < k0) continue;
      const double* col = factor_.data() + static_cast<std::size_t>(lc) * L_.lld;
      double cj = 0;
      for (int lr = 0; lr < L_.mloc; ++lr) {
        const int gi = L_.global_row(lr);
        if (gi < gj) continue;
        const double v = std::fabs(col[lr]);
        if (gi == gj) {
          dia += v * v;
          ++count_dia;
          cj += v;
        } else {
          off += v * v;
          ++count_off;
          cj += v;
          rs[gi - k0] += v;
        }
      }
      rs[gj - k0] += cj;
    }
    // Every local row sum has at most n terms (n - k0 of the row and column, over all processes).
    for (int i = 0; i < n - k0; ++i) rs[i] = rs[i] > 0 ? nonneg_sum_upper(rs[i], static_cast<std::size_t>(n)) : 0.0;
    buf[static_cast<std::size_t>(n - k0)] = nonneg_sum_upper(off, count_off);
    buf[static_cast<std::size_t>(n - k0) + 1] = nonneg_sum_upper(dia, count_dia);
    MPI_Op up;
    MPI_Op_create(&sum_up_op, 1, &up);
    MPI_Allreduce(MPI_IN_PLACE, buf.data(), static_cast<int>(buf.size()), MPI_DOUBLE, up, comm_);
    MPI_Op_free(&up);
    double R = 0;
    for (int i = 0; i < n - k0; ++i) R = std::max(R, buf[static_cast<std::size_t>(i)]);
    const double F2 = round_up(buf[static_cast<std::size_t>(n - k0) + 1] + 2.0 * buf[static_cast<std::size_t>(n - k0)]);
    const double F = next_up(std::sqrt(F2));  // sqrt is correctly rounded
    const double nu = std::min(F, R);
    return nu < inf ? nu : inf;
  }

  // >= ||L̂||_F^2 of the lower triangle of factor_, the same on every process.
  double factor_frob2() {
    double sq = 0;
    std::size_t count = 0;
    for (int lc = 0; lc < L_.nloc; ++lc) {
      const int gj = L_.global_col(lc);
      const double* col = factor_.data() + static_cast<std::size_t>(lc) * L_.lld;
      for (int lr = 0; lr < L_.mloc; ++lr)
        if (L_.global_row(lr) >= gj) {
          sq += col[lr] * col[lr];
          ++count;
        }
    }
    double b = nonneg_sum_upper(sq, count);
    MPI_Op up;
    MPI_Op_create(&sum_up_op, 1, &up);
    MPI_Allreduce(MPI_IN_PLACE, &b, 1, MPI_DOUBLE, up, comm_);
    MPI_Op_free(&up);
    return b;
  }

  template <class F>
  void for_owned_diagonal(F&& f) {
    for (int lc = 0; lc < L_.nloc; ++lc) {
      const int g = L_.global_col(lc);
      if (L_.owner_row(g) != L_.myrow) continue;
      f(g, L_.at(L_.local_row(g), lc));
    }
  }

  const local_kernel& K_;
  block_cyclic L_;
  MPI_Comm comm_;
  int ictxt_;
  int stage_ = 256;
  int desc_[9];
  std::vector<double> diag_, factor_;
  bool has_factor_ = false;
};

}  // namespace

dist_bounds lambda_min_distributed(const local_kernel& K, MPI_Comm comm, int ictxt, const dist_options& opt) {
  dist_bounds out;
  const auto t_start = clock_type::now();
  const int n = K.layout.n;
  int env_ok = binary64_environment_ok() ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &env_ok, 1, MPI_INT, MPI_MIN, comm);
  int finite = K.finite ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &finite, 1, MPI_INT, MPI_MIN, comm);

  // Radius: r >= ρ(off-diagonal radius) by the largest row sum; the diagonal adds its maximum.
  std::vector<double> rowsum = K.rad_rowsum;
  MPI_Op up;
  MPI_Op_create(&sum_up_op, 1, &up);
  MPI_Allreduce(MPI_IN_PLACE, rowsum.data(), n, MPI_DOUBLE, up, comm);
  MPI_Op_free(&up);
  double maxdiagrad = K.max_diag_rad;
  MPI_Allreduce(MPI_IN_PLACE, &maxdiagrad, 1, MPI_DOUBLE, MPI_MAX, comm);
  double r = 0;
  for (double s : rowsum) r = std::max(r, s);
  if (!(r < inf)) finite = 0;
  out.radius = r;
  const double radius_rho = round_up(r + maxdiagrad);

  auto finish = [&]() {
    if (opt.known_psd && (!out.lower_proved || out.lower < 0)) {
      if (!out.lower_proved) append_note(out.note, "lower bound 0 from known_psd (not from the test)");
      out.lower = 0;
      out.lower_proved = true;
    }
    out.seconds_other = since(t_start) - out.seconds_factor - out.seconds_solve;
    return out;
  };
  if (!finite) {
    append_note(out.note, "matrix has non-finite entries");
    return finish();
  }

  solver S(K, comm, ictxt, opt.stage_block);
  const std::vector<double>& diag = S.diag();
  double maxdiag = 0;
  for (double t : diag) maxdiag = std::max(maxdiag, std::fabs(t));
  auto constant_at = [&](double sigma) {
    double tr = 0, mx = 0;
    for (double t : diag) {
      const double a = std::max(0.0, round_up(t - sigma));
      tr = round_up(tr + a);
      mx = std::max(mx, a);
    }
    return cholesky_constant_reciprocal(static_cast<std::size_t>(n), tr, mx);
  };

  // Step 2: a first factor (σ0 = 0, or a little below if that breaks down).
  const double c0 = constant_at(0.0);
  double c_known = inf;  // the smallest constant of a successful factorisation so far (for margins)
  // A successful factorisation: keep the largest proven shift with its constants, and c_known.
  auto record = [&](const auto& res) {
    if (res.t > out.shift) {
      out.shift = res.t;
      out.constant = res.c;
      out.constant_plain = res.c_plain;
      out.constant_blocked = res.blocked;
    }
    c_known = std::min(c_known, res.c);
  };
  const double first_shifts[3] = {0.0, -c0, -64 * c0 - 0x1p-30 * maxdiag};
  bool have = false;
  for (double s0 : first_shifts) {
    ++out.factorizations;
    const auto res = S.factor(s0, r, out.seconds_factor);
    if (res.success) {
      have = true;
      record(res);
      break;
    }
  }
  // Subspace iteration with the factor (k vectors), Rayleigh-Ritz every few steps.
  const int k = std::min(opt.subspace, n);
  std::vector<double> V(static_cast<std::size_t>(n) * k), W;
  std::uint64_t state = 0x9e3779b97f4a7c15ull;  // deterministic start, components of both signs
  for (double& t : V) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    t = static_cast<double>(state >> 11) * 0x1p-53 - 0.5;
  }
  ritz_state ritz;
  double best_upper = inf;
  std::vector<double> best_vector, w, b;
  auto rigorous_upper = [&](std::vector<double> x) {
    if (!normalise_pow2(x)) return;
    S.products(x, w, b);
    double up = rayleigh_upper_from_products(x, w, b, radius_rho);
    MPI_Bcast(&up, 1, MPI_DOUBLE, 0, comm);
    const rayleigh_estimate_d e = rayleigh_from_product(x, w);
    if (up < best_upper) {
      best_upper = up;
      best_vector = x;
      out.estimate = e.rho;
      out.residual = e.residual;
    }
  };
  // steps solves, Rayleigh-Ritz every `every` steps and at the end; stops early when done(ritz).
  auto subspace = [&](int steps, int every, auto done) {
    orthonormalise(V, n, k);
    for (int it = 1; it <= steps; ++it) {
      ++out.solves;
      if (!S.solve(V, k, out.seconds_solve)) return false;
      orthonormalise(V, n, k);
      if (it % every == 0 || it == steps) {
        S.products_block(V, k, W);
        if (!rayleigh_ritz(V, W, n, k, ritz)) return false;
        if (done(ritz)) break;
      }
    }
    return true;
  };
  // Accuracy needed before the proving factorisation: the estimate's distance to λ_1 (about
  // residual² / gap) well below the Cholesky constant, which the margin has to cover anyway.
  const double c_est = std::min(constant_at(0.0), c_known);
  auto good_enough = [&](const ritz_state& st) {
    const double gap = st.theta2 - st.theta1;
    return st.residual <= 1e-3 * c_est || (gap > 0 && 4 * st.residual * st.residual / gap <= c_est / 64);
  };
  if (have) {
    if (!subspace(opt.iterations_first, 3, good_enough)) append_note(out.note, "subspace iteration failed");
  } else {
    append_note(out.note, "no shift of the midpoint could be factored");
  }
  rigorous_upper(std::vector<double>(V.begin(), V.begin() + n));

  // Step 3: the proving factorisation just below the estimate. The Ritz value is an upper bound of
  // λ_1(mid) (interlacing); its distance to λ_1 is about residual² / gap (Kato-Temple), at most the
  // residual. The margin is a guess: the proof is the factorisation, retried lower on failure.
  // After a success the subspace iteration, now shifted next to λ_1, converges in a few steps; if
  // the margin was wide (a rough estimate) and the width misses rtol, one more factorisation at a
  // tight margin below the sharper estimate follows.
  auto margin_for = [&](const ritz_state& st) {
    const double gap = st.theta2 - st.theta1;
    double dist = st.residual;
    if (gap > 0 && std::isfinite(gap)) dist = std::min(dist, 4 * st.residual * st.residual / gap);
    return std::min(constant_at(st.theta1), 1.1 * c_known) / 16 + dist + 4 * unit_roundoff * (maxdiag + std::fabs(st.theta1));
  };
  if (std::isfinite(ritz.theta1) && env_ok) {
    double est = ritz.theta1, margin = margin_for(ritz);
    int failures = 0;
    while (out.factorizations < opt.max_factorizations) {
      double sigma = est - margin;
      MPI_Bcast(&sigma, 1, MPI_DOUBLE, 0, comm);
      ++out.factorizations;
      const auto res = S.factor(sigma, r, out.seconds_factor);
      if (!res.success) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", sigma);
        append_note(out.note, std::string("shift ") + buf + ": " + res.note);
        margin = margin * 8 + (++failures >= 2 ? std::fabs(est) * 0x1p-20 : 0.0);
        continue;
      }
      record(res);
      if (subspace(opt.iterations_second, 1, [&](const ritz_state& st) { return st.residual <= 1e-14 * maxdiag; }))
        rigorous_upper(std::vector<double>(V.begin(), V.begin() + n));
      const double tight = margin_for(ritz);
      const double width = (best_upper - out.shift) / std::fabs(best_upper);
      if (!(width > opt.rtol) || !std::isfinite(ritz.theta1) || !(margin > 4 * tight)) break;
      est = ritz.theta1;  // sharper: one more, tighter attempt
      margin = tight;
    }
  }
  if (!env_ok) append_note(out.note, "floating-point environment is not round-to-nearest with gradual underflow");
  if (env_ok && out.shift > -inf) {
    out.lower = out.shift;
    out.lower_proved = true;
    out.lower_from_test = true;
  } else if (!(out.shift > -inf)) {
    append_note(out.note, "lower bound not proved by the test");
  }
  if (best_upper < inf) {
    out.upper = best_upper;
    out.upper_proved = true;
    out.vector = best_vector;
  } else {
    append_note(out.note, "upper bound not proved (Rayleigh quotient not finite)");
  }
  return finish();
}

}  // namespace ntk::distributed
