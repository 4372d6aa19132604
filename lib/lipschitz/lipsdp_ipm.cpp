// The structured interior-point method for LipSDP (untrusted like any solver); see
// lipsdp_problem.hpp for the formulation.
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "lipschitz/lipsdp_problem.hpp"

namespace ntk::lipsdp_detail {

ipm_data make_ipm_data(const problem& P, const sdp_data& D) {
  ipm_data d;
  d.N = P.N;
  d.n0 = P.n0;
  d.nf = P.neurons.size();
  d.mt = D.m - 1;
  for (std::size_t i = 0; i < d.nf; ++i) {
    const free_neuron& n = P.neurons[i];
    d.z.push_back(n.z);
    d.q11.push_back(-2 * n.alpha * n.beta);
    d.q12.push_back(n.alpha + n.beta);
    d.q22.push_back(-2.0);
    d.grp.push_back(D.group[i] - 2);
  }
  for (std::size_t i = 0; i < d.nf;) {
    std::size_t j = i;
    ipm_block b;
    b.i0 = i;
    b.lo = d.N;
    b.hi = 0;
    while (j < d.nf && P.neurons[j].layer == P.neurons[i].layer) {
      for (const zentry& e : P.neurons[j].a) {
        b.lo = std::min<std::size_t>(b.lo, e.idx);
        b.hi = std::max<std::size_t>(b.hi, e.idx + 1);
      }
      if (d.q11[j] != 0) b.has_q11 = true;
      ++j;
    }
    b.i1 = j;
    if (b.hi <= b.lo) b.lo = b.hi = 0;
    const std::size_t w = b.hi - b.lo;
    b.A.assign((j - i) * w, 0.0);
    for (std::size_t k = i; k < j; ++k)
      for (const zentry& e : P.neurons[k].a) b.A[(k - i) * w + (e.idx - b.lo)] = midpoint(e.v);
    d.blocks.push_back(std::move(b));
    i = j;
  }
  d.C.assign(d.N * d.N, 0.0);
  for (const zvec& row : P.C)
    for (const zentry& p : row)
      for (const zentry& q : row) d.C[p.idx * d.N + q.idx] -= midpoint(p.v) * midpoint(q.v);
  return d;
}

namespace {

// out = sum_i yn_i A_i - yr E_0 (dense, overwritten). yn per neuron.
void ipm_aty(const ipm_data& d, double yr, const std::vector<double>& yn, double* out) {
  const std::size_t N = d.N;
  std::fill(out, out + N * N, 0.0);
  for (std::size_t p = 0; p < d.n0; ++p) out[p * N + p] = -yr;
  for (const ipm_block& b : d.blocks) {
    const std::size_t w = b.hi - b.lo;
    for (std::size_t i = b.i0; i < b.i1; ++i) {
      const double y = yn[i];
      if (y == 0) continue;
      const double* a = b.A.data() + (i - b.i0) * w;
      const std::size_t z = d.z[i];
      out[z * N + z] += y * d.q22[i];
      const double c = y * d.q12[i];
      for (std::size_t p = 0; p < w; ++p) {
        out[(b.lo + p) * N + z] += c * a[p];
        out[z * N + b.lo + p] += c * a[p];
      }
      if (d.q11[i] != 0)
        cblas_dger(CblasRowMajor, (int)w, (int)w, y * d.q11[i], a, 1, a, 1, out + b.lo * N + b.lo, (int)N);
    }
  }
}

// <A_rho, X> and <A_i, X> per neuron, X symmetric.
void ipm_ax(const ipm_data& d, const double* X, double& r, std::vector<double>& n) {
  const std::size_t N = d.N;
  r = 0;
  for (std::size_t p = 0; p < d.n0; ++p) r -= X[p * N + p];
  n.assign(d.nf, 0.0);
  std::vector<double> T;
  for (const ipm_block& b : d.blocks) {
    const std::size_t w = b.hi - b.lo, nb = b.i1 - b.i0;
    if (b.has_q11 && w > 0) {
      T.assign(nb * w, 0.0);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)w, (int)w, 1.0, b.A.data(), (int)w,
                  X + b.lo * N + b.lo, (int)N, 0.0, T.data(), (int)w);
    }
    for (std::size_t i = b.i0; i < b.i1; ++i) {
      const double* a = b.A.data() + (i - b.i0) * w;
      const std::size_t z = d.z[i];
      double ax = 0;
      for (std::size_t p = 0; p < w; ++p) ax += a[p] * X[(b.lo + p) * N + z];
      double v = 2 * d.q12[i] * ax + d.q22[i] * X[z * N + z];
      if (d.q11[i] != 0) v += d.q11[i] * cblas_ddot((int)w, a, 1, T.data() + (i - b.i0) * w, 1);
      n[i] = v;
    }
  }
}

// V = X U (N x 2nf, columns: a_1..a_nf, e_z1..e_znf) and P = U'V (2nf x 2nf).
void ipm_uxu(const ipm_data& d, const double* X, std::vector<double>& V, std::vector<double>& P) {
  const std::size_t N = d.N, R = 2 * d.nf;
  V.assign(N * R, 0.0);
  for (const ipm_block& b : d.blocks) {
    const std::size_t w = b.hi - b.lo, nb = b.i1 - b.i0;
    if (w > 0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, (int)nb, (int)w, 1.0, X + b.lo, (int)N,
                  b.A.data(), (int)w, 0.0, V.data() + b.i0, (int)R);
  }
  for (std::size_t i = 0; i < d.nf; ++i)
    for (std::size_t p = 0; p < N; ++p) V[p * R + d.nf + i] = X[p * N + d.z[i]];
  P.assign(R * R, 0.0);
  for (const ipm_block& b : d.blocks) {
    const std::size_t w = b.hi - b.lo, nb = b.i1 - b.i0;
    if (w > 0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)R, (int)w, 1.0, b.A.data(), (int)w,
                  V.data() + b.lo * R, (int)R, 0.0, P.data() + b.i0 * R, (int)R);
  }
  for (std::size_t i = 0; i < d.nf; ++i) std::copy_n(V.data() + d.z[i] * R, R, P.data() + (d.nf + i) * R);
}

// Largest alpha <= 1 with M + alpha dM > 0 (times gamma), M = L L' given by its Cholesky factor
// (row-major lower). Lanczos estimate of lambda_min(L^-1 dM L^-T), checked by the caller.
double ipm_step_estimate(const std::vector<double>& L, const std::vector<double>& dM, std::size_t N) {
  const int K = (int)std::min<std::size_t>(40, N);
  std::vector<double> Q((std::size_t)K * N), w(N), u(N);
  std::vector<double> alpha(K), beta(K);
  std::mt19937_64 rng(12345);
  std::normal_distribution<double> nd;
  for (std::size_t p = 0; p < N; ++p) Q[p] = nd(rng);
  double nrm = cblas_dnrm2((int)N, Q.data(), 1);
  cblas_dscal((int)N, 1 / nrm, Q.data(), 1);
  int k = 0;
  for (; k < K; ++k) {
    double* q = Q.data() + (std::size_t)k * N;
    std::copy_n(q, N, w.data());
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)N, L.data(), (int)N, w.data(), 1);
    cblas_dsymv(CblasRowMajor, CblasLower, (int)N, 1.0, dM.data(), (int)N, w.data(), 1, 0.0, u.data(), 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)N, L.data(), (int)N, u.data(), 1);
    alpha[k] = cblas_ddot((int)N, q, 1, u.data(), 1);
    for (int j = 0; j <= k; ++j) {  // full reorthogonalisation
      const double* qj = Q.data() + (std::size_t)j * N;
      const double c = cblas_ddot((int)N, qj, 1, u.data(), 1);
      cblas_daxpy((int)N, -c, qj, 1, u.data(), 1);
    }
    beta[k] = cblas_dnrm2((int)N, u.data(), 1);
    if (k + 1 == K || !(beta[k] > 1e-12 * (std::fabs(alpha[k]) + 1e-300))) {
      ++k;
      break;
    }
    double* qn = Q.data() + (std::size_t)(k + 1) * N;
    for (std::size_t p = 0; p < N; ++p) qn[p] = u[p] / beta[k];
  }
  std::vector<double> dd(alpha.begin(), alpha.begin() + k), ee(beta.begin(), beta.begin() + std::max(k - 1, 0));
  ee.resize(std::max(k, 1));
  LAPACKE_dsterf(k, dd.data(), ee.data());
  const double lmin = *std::min_element(dd.begin(), dd.end());
  // Lanczos' smallest Ritz value is >= lambda_min: widen it a little.
  const double est = lmin - 0.05 * std::fabs(lmin);
  return est < 0 ? -1.0 / est : std::numeric_limits<double>::infinity();
}

bool chol_lower(std::vector<double>& A, std::size_t N) {
  return LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)N, A.data(), (int)N) == 0;
}

void symmetrize(std::vector<double>& A, std::size_t N) {
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j) {
      const double v = 0.5 * (A[i * N + j] + A[j * N + i]);
      A[i * N + j] = A[j * N + i] = v;
    }
}

double dot_all(const std::vector<double>& a, const std::vector<double>& b) {
  return cblas_ddot((int)a.size(), a.data(), 1, b.data(), 1);
}

}  // namespace

solve_outcome solve_structured(const ipm_data& d, double eps, progress_sink& progress, bool echo) {
  const std::size_t N = d.N, nf = d.nf, mt = d.mt, m = 1 + mt, R = 2 * nf, NN = N * N;
  const double nc = (double)(N + mt);
  solve_outcome out;
  double cnorm = 0;
  for (double v : d.C) cnorm += v * v;
  cnorm = std::sqrt(cnorm);
  const double xi = std::max(10.0, std::sqrt((double)N)), eta = std::max({10.0, std::sqrt((double)N), cnorm});
  std::vector<double> X(NN, 0.0), S(NN, 0.0), y(m, 0.0), xl(mt, xi), sl(mt, eta);
  for (std::size_t p = 0; p < N; ++p) X[p * N + p] = xi, S[p * N + p] = eta;
  std::vector<double> Rd(NN), tmp(NN), tmp2(NN), Si(NN), LS(NN), G1(NN), dX(NN), dS(NN), Corr(NN), LX(NN);
  std::vector<double> VX, PX, VS, PS, H(m * m), Rdl(mt), yn(nf);
  std::vector<double> an, anS, anG, anC;
  auto expand = [&](const std::vector<double>& yv) {  // group -> neuron values
    for (std::size_t i = 0; i < nf; ++i) yn[i] = yv[1 + d.grp[i]];
  };
  auto group_sum = [&](double r, const std::vector<double>& n) {
    std::vector<double> g(m, 0.0);
    g[0] = r;
    for (std::size_t i = 0; i < nf; ++i) g[1 + d.grp[i]] += n[i];
    return g;
  };
  auto gemm = [&](const double* A, const double* B, double* Cm) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)N, (int)N, 1.0, A, (int)N, B, (int)N, 0.0, Cm,
                (int)N);
  };
  // Step length for the SDP part, verified by a Cholesky (backtracking).
  auto step = [&](const std::vector<double>& M, const std::vector<double>& dM, std::vector<double>& L, bool have_L,
                  const std::vector<double>& v, const std::vector<double>& dv, double gamma) {
    if (!have_L) {
      L = M;
      if (!chol_lower(L, N)) return 0.0;
    }
    double a = std::min(1.0, gamma * ipm_step_estimate(L, dM, N));
    for (std::size_t g = 0; g < v.size(); ++g)
      if (dv[g] < 0) a = std::min(a, gamma * (-v[g] / dv[g]));
    for (int tries = 0; tries < 30; ++tries) {
      for (std::size_t k = 0; k < NN; ++k) tmp2[k] = M[k] + a * dM[k];
      if (chol_lower(tmp2, N)) return a;
      a *= 0.7;
    }
    return 0.0;
  };
  int it = 0;
  out.phase = "maxiter";
  for (; it < 150; ++it) {
    // Residuals.
    expand(y);
    ipm_aty(d, y[0], yn, tmp.data());
    for (std::size_t k = 0; k < NN; ++k) Rd[k] = d.C[k] - S[k] - tmp[k];
    for (std::size_t g = 0; g < mt; ++g) Rdl[g] = -sl[g] + y[1 + g];
    double ar;
    ipm_ax(d, X.data(), ar, an);
    std::vector<double> AX = group_sum(ar, an);
    std::vector<double> Rp(m);
    Rp[0] = -1.0 - AX[0];
    for (std::size_t g = 0; g < mt; ++g) Rp[1 + g] = -AX[1 + g] + xl[g];
    const double pobj = dot_all(d.C, X), dobj = -y[0];
    const double mu = (dot_all(X, S) + dot_all(xl, sl)) / nc;
    const double relgap = std::fabs(pobj - dobj) / (1 + std::fabs(pobj) + std::fabs(dobj));
    const double pinf = std::sqrt(dot_all(Rp, Rp)) / 2.0;
    const double dinf = std::sqrt(dot_all(Rd, Rd) + dot_all(Rdl, Rdl)) / (1 + cnorm);
    if (echo)
      std::fprintf(stderr, "%3d mu %.3e pobj %+.10e dobj %+.10e gap %.2e pinf %.2e dinf %.2e\n", it, mu, pobj, dobj,
                   relgap, pinf, dinf);
    progress.update("lipsdp: interior point iteration " + std::to_string(it + 1),
                    std::min(0.9, std::max(0.0, std::log10(std::max(relgap, 1e-12)) / -8.0 * 0.9)));
    if (relgap < eps && pinf < eps && dinf < eps) {
      out.phase = "pdOPT";
      break;
    }
    // S^-1 and the Schur complement.
    LS = S;
    if (!chol_lower(LS, N)) {
      out.phase = "S lost definiteness";
      break;
    }
    Si = LS;
    LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', (int)N, Si.data(), (int)N);
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = i + 1; j < N; ++j) Si[i * N + j] = Si[j * N + i];
    ipm_uxu(d, X.data(), VX, PX);
    ipm_uxu(d, Si.data(), VS, PS);
    std::vector<double> Hn(nf * nf), Hr(nf);
    for (std::size_t i = 0; i < nf; ++i) {
      const double qi[2][2] = {{d.q11[i], d.q12[i]}, {d.q12[i], d.q22[i]}};
      for (std::size_t j = 0; j < nf; ++j) {
        const double qj[2][2] = {{d.q11[j], d.q12[j]}, {d.q12[j], d.q22[j]}};
        const double px[2][2] = {{PX[i * R + j], PX[i * R + nf + j]}, {PX[(nf + i) * R + j], PX[(nf + i) * R + nf + j]}};
        const double ps[2][2] = {{PS[i * R + j], PS[i * R + nf + j]}, {PS[(nf + i) * R + j], PS[(nf + i) * R + nf + j]}};
        double t1[2][2], t2[2][2];
        for (int a = 0; a < 2; ++a)
          for (int c = 0; c < 2; ++c) t1[a][c] = qi[a][0] * px[0][c] + qi[a][1] * px[1][c];
        for (int a = 0; a < 2; ++a)
          for (int c = 0; c < 2; ++c) t2[a][c] = t1[a][0] * qj[0][c] + t1[a][1] * qj[1][c];
        Hn[i * nf + j] = t2[0][0] * ps[0][0] + t2[0][1] * ps[0][1] + t2[1][0] * ps[1][0] + t2[1][1] * ps[1][1];
      }
      // H_rho,i = -tr(Q_i Z_i'), Z_i = (S^-1 U_i)_0' (X U_i)_0.
      double zz[2][2] = {{0, 0}, {0, 0}};
      for (std::size_t p = 0; p < d.n0; ++p) {
        const double s0 = VS[p * R + i], s1 = VS[p * R + nf + i], x0 = VX[p * R + i], x1 = VX[p * R + nf + i];
        zz[0][0] += s0 * x0;
        zz[0][1] += s0 * x1;
        zz[1][0] += s1 * x0;
        zz[1][1] += s1 * x1;
      }
      Hr[i] = -(qi[0][0] * zz[0][0] + qi[0][1] * zz[0][1] + qi[1][0] * zz[1][0] + qi[1][1] * zz[1][1]);
    }
    std::fill(H.begin(), H.end(), 0.0);
    for (std::size_t p = 0; p < d.n0; ++p)
      for (std::size_t q = 0; q < d.n0; ++q) H[0] += X[p * N + q] * Si[p * N + q];
    for (std::size_t i = 0; i < nf; ++i) {
      const std::size_t gi = 1 + d.grp[i];
      H[gi] += Hr[i];
      H[gi * m] += Hr[i];
      for (std::size_t j = 0; j < nf; ++j) H[gi * m + 1 + d.grp[j]] += Hn[i * nf + j];
    }
    for (std::size_t g = 0; g < mt; ++g) H[(1 + g) * m + 1 + g] += xl[g] / sl[g];
    std::vector<double> LH = H;
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)m, LH.data(), (int)m) != 0) {
      double dmax = 0;
      for (std::size_t k = 0; k < m; ++k) dmax = std::max(dmax, H[k * m + k]);
      LH = H;
      for (std::size_t k = 0; k < m; ++k) LH[k * m + k] += 1e-12 * dmax;
      if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)m, LH.data(), (int)m) != 0) {
        out.phase = "Schur complement singular";
        break;
      }
    }
    auto solveH = [&](std::vector<double> r) {
      LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (int)m, 1, LH.data(), (int)m, r.data(), 1);
      return r;
    };
    // G1 = X Rd S^-1 (symmetrised), A(G1), A(S^-1).
    gemm(X.data(), Rd.data(), tmp.data());
    gemm(tmp.data(), Si.data(), G1.data());
    symmetrize(G1, N);
    double rS, rG;
    ipm_ax(d, Si.data(), rS, anS);
    ipm_ax(d, G1.data(), rG, anG);
    std::vector<double> ASi = group_sum(rS, anS), AG = group_sum(rG, anG);
    std::vector<double> rhs_base(m), rhs_mu(m);
    for (std::size_t k = 0; k < m; ++k) rhs_base[k] = (k == 0 ? -1.0 : 0.0) + AG[k], rhs_mu[k] = ASi[k];
    for (std::size_t g = 0; g < mt; ++g) {
      rhs_base[1 + g] -= xl[g] * Rdl[g] / sl[g];
      rhs_mu[1 + g] -= 1.0 / sl[g];
    }
    std::vector<double> dsl(mt), dxl(mt);
    auto direction = [&](const std::vector<double>& rhs, double smu, bool corr) {
      std::vector<double> dy = solveH(rhs);
      expand(dy);
      ipm_aty(d, dy[0], yn, tmp.data());
      for (std::size_t k = 0; k < NN; ++k) dS[k] = Rd[k] - tmp[k];
      for (std::size_t g = 0; g < mt; ++g) dsl[g] = Rdl[g] + dy[1 + g];
      gemm(X.data(), dS.data(), tmp.data());
      gemm(tmp.data(), Si.data(), dX.data());
      symmetrize(dX, N);
      for (std::size_t k = 0; k < NN; ++k) dX[k] = smu * Si[k] - X[k] - dX[k] + (corr ? Corr[k] : 0.0);
      for (std::size_t g = 0; g < mt; ++g) dxl[g] = smu / sl[g] - xl[g] - xl[g] * dsl[g] / sl[g];
      return dy;
    };
    // Predictor.
    direction(rhs_base, 0.0, false);
    const double ap = step(X, dX, LX, false, xl, dxl, 1.0);
    const double ad = step(S, dS, LS, true, sl, dsl, 1.0);
    double mu_aff = 0;
    for (std::size_t k = 0; k < NN; ++k) mu_aff += (X[k] + ap * dX[k]) * (S[k] + ad * dS[k]);
    for (std::size_t g = 0; g < mt; ++g) mu_aff += (xl[g] + ap * dxl[g]) * (sl[g] + ad * dsl[g]);
    mu_aff /= nc;
    const double sigma = std::min(1.0, std::pow(std::max(mu_aff, 0.0) / mu, 3));
    // Corrector: Corr = -dX_p dS_p S^-1 (symmetrised), corr_lp = -dx dz / s.
    gemm(dX.data(), dS.data(), tmp.data());
    gemm(tmp.data(), Si.data(), Corr.data());
    symmetrize(Corr, N);
    for (double& v : Corr) v = -v;
    std::vector<double> corr_l(mt);
    for (std::size_t g = 0; g < mt; ++g) corr_l[g] = -dxl[g] * dsl[g] / sl[g];
    double rC;
    ipm_ax(d, Corr.data(), rC, anC);
    std::vector<double> AC = group_sum(rC, anC);
    std::vector<double> rhs(m);
    for (std::size_t k = 0; k < m; ++k) rhs[k] = rhs_base[k] - sigma * mu * rhs_mu[k] - AC[k];
    for (std::size_t g = 0; g < mt; ++g) rhs[1 + g] += corr_l[g];  // - A_lp(corr_l) = + corr_l
    std::vector<double> dy = direction(rhs, sigma * mu, true);
    for (std::size_t g = 0; g < mt; ++g) dxl[g] += corr_l[g];
    const double gamma = 0.95;
    const double a_p = step(X, dX, LX, true, xl, dxl, gamma);
    const double a_d = step(S, dS, LS, true, sl, dsl, gamma);
    if (a_p == 0 && a_d == 0) {
      out.phase = "stalled";
      break;
    }
    for (std::size_t k = 0; k < NN; ++k) X[k] += a_p * dX[k], S[k] += a_d * dS[k];
    for (std::size_t g = 0; g < mt; ++g) xl[g] += a_p * dxl[g], sl[g] += a_d * dsl[g];
    for (std::size_t k = 0; k < m; ++k) y[k] += a_d * dy[k];
  }
  out.iterations = it;
  out.rho = y[0];
  out.x.assign(y.begin() + 1, y.end());
  return out;
}

}  // namespace ntk::lipsdp_detail
