// The subspace iteration's dense steps (subspace.hpp), moved out of lambda_min_dist.cpp.
#include "distributed/subspace.hpp"

#include <algorithm>
#include <cmath>

#include <lapacke.h>

namespace ntk::distributed {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}  // namespace

// Scales v by a power of two so that max |v_i| lies in [1, 2) (exact); false if v is zero or not finite.
bool normalise_pow2(std::vector<double>& v) {
  double m = 0;
  for (double t : v) {
    if (!std::isfinite(t)) return false;
    m = std::max(m, std::fabs(t));
  }
  if (!(m > 0)) return false;
  const int e = std::ilogb(m);
  for (double& t : v) t = std::ldexp(t, -e);
  return true;
}

// Modified Gram-Schmidt, twice, on the k columns of the column-major n x k matrix V (same result on
// every process: plain loops on identical data).
void orthonormalise(std::vector<double>& V, int n, int k) {
  for (int pass = 0; pass < 2; ++pass)
    for (int c = 0; c < k; ++c) {
      double* vc = V.data() + static_cast<std::size_t>(c) * n;
      for (int p = 0; p < c; ++p) {
        const double* vp = V.data() + static_cast<std::size_t>(p) * n;
        double dot = 0;
        for (int i = 0; i < n; ++i) dot += vp[i] * vc[i];
        for (int i = 0; i < n; ++i) vc[i] -= dot * vp[i];
      }
      double nrm = 0;
      for (int i = 0; i < n; ++i) nrm += vc[i] * vc[i];
      nrm = std::sqrt(nrm);
      if (!(nrm > 0) || !std::isfinite(nrm)) {  // degenerate: replace by a unit vector
        std::fill(vc, vc + n, 0.0);
        vc[c % n] = 1.0;
        nrm = 1.0;
      }
      for (int i = 0; i < n; ++i) vc[i] /= nrm;
    }
}

// Rayleigh-Ritz on span(V) (orthonormal columns) with W = M V: V <- V Q, W <- W Q sorted by Ritz
// value; theta1, theta2 the two smallest Ritz values, residual ||W_1 - theta1 V_1||.
bool rayleigh_ritz(std::vector<double>& V, std::vector<double>& W, int n, int k, ritz_state& st) {
  std::vector<double> H(static_cast<std::size_t>(k) * k), ev(k);
  for (int a = 0; a < k; ++a)
    for (int c = 0; c <= a; ++c) {
      const double* va = V.data() + static_cast<std::size_t>(a) * n;
      const double* wc = W.data() + static_cast<std::size_t>(c) * n;
      const double* vc = V.data() + static_cast<std::size_t>(c) * n;
      const double* wa = W.data() + static_cast<std::size_t>(a) * n;
      double s1 = 0, s2 = 0;
      for (int i = 0; i < n; ++i) {
        s1 += va[i] * wc[i];
        s2 += vc[i] * wa[i];
      }
      H[static_cast<std::size_t>(c) * k + a] = H[static_cast<std::size_t>(a) * k + c] = 0.5 * (s1 + s2);
    }
  if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'L', k, H.data(), k, ev.data()) != 0) return false;
  std::vector<double> V2(V.size(), 0.0), W2(W.size(), 0.0);
  for (int c = 0; c < k; ++c)
    for (int a = 0; a < k; ++a) {
      const double q = H[static_cast<std::size_t>(c) * k + a];
      const double* va = V.data() + static_cast<std::size_t>(a) * n;
      const double* wa = W.data() + static_cast<std::size_t>(a) * n;
      double* v2 = V2.data() + static_cast<std::size_t>(c) * n;
      double* w2 = W2.data() + static_cast<std::size_t>(c) * n;
      for (int i = 0; i < n; ++i) {
        v2[i] += q * va[i];
        w2[i] += q * wa[i];
      }
    }
  V.swap(V2);
  W.swap(W2);
  st.theta1 = ev[0];
  st.theta2 = k > 1 ? ev[1] : inf;
  double r = 0;
  for (int i = 0; i < n; ++i) {
    const double t = W[i] - st.theta1 * V[i];
    r += t * t;
  }
  st.residual = std::sqrt(r);
  return std::isfinite(st.theta1) && std::isfinite(st.residual);
}

}  // namespace ntk::distributed
