#include "empirical/compare_empirical.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <chrono>
#include <cmath>
#include <limits>

namespace ntk {
namespace {

template <class T>
void gemm(bool transB, int m, int n, int k, const T* A, int lda, const T* B, int ldb, T* C, int ldc) {
  if constexpr (std::is_same_v<T, double>)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0, A, lda, B, ldb, 0.0, C, ldc);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, A, lda, B, ldb, 0.0f, C, ldc);
}

template <class T>
void syrk_full(int n, int k, const T* A, std::vector<T>& C) {
  C.assign(static_cast<std::size_t>(n) * n, T(0));
  if constexpr (std::is_same_v<T, double>)
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, k, 1.0, A, k, 0.0, C.data(), n);
  else
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, k, 1.0f, A, k, 0.0f, C.data(), n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < i; ++j) C[static_cast<std::size_t>(i) * n + j] = C[static_cast<std::size_t>(j) * n + i];
}

// Preprocessed rows in T, the way numpy code does it.
template <class T>
std::vector<T> float_rows(const dataset& x, const preprocessing& prep) {
  const std::size_t n = x.n, d = x.d;
  std::vector<T> y(n * d);
  const T s = static_cast<T>(x.scale_num) / static_cast<T>(x.scale_den);
  for (std::size_t t = 0; t < n * d; ++t) y[t] = static_cast<T>(x.x[t]) * s;
  if (prep.center)
    for (std::size_t k = 0; k < d; ++k) {
      T m = 0;
      for (std::size_t i = 0; i < n; ++i) m += y[i * d + k];
      m /= static_cast<T>(n);
      for (std::size_t i = 0; i < n; ++i) y[i * d + k] -= m;
    }
  if (prep.normalize != normalization::none) {
    const T t = prep.normalize == normalization::sphere ? std::sqrt(static_cast<T>(d)) : T(1);
    for (std::size_t i = 0; i < n; ++i) {
      T a = 0;
      for (std::size_t k = 0; k < d; ++k) a += y[i * d + k] * y[i * d + k];
      const T f = t / std::sqrt(a);
      for (std::size_t k = 0; k < d; ++k) y[i * d + k] *= f;
    }
  }
  return y;
}

template <class T>
std::vector<T> weights(const network& net, std::size_t l) {
  return std::vector<T>(net.W(l).begin(), net.W(l).end());
}

// K̄ by the Hadamard formula in T.
template <class T>
std::vector<T> float_empirical(const network& net, const dataset& x, const preprocessing& prep) {
  const std::size_t N = x.n, L = net.depth();
  const int iN = static_cast<int>(N);
  std::vector<std::vector<T>> F(L), S(L);
  F[0] = float_rows<T>(x, prep);
  for (std::size_t l = 1; l < L; ++l) {
    const int nin = static_cast<int>(net.cols(l)), nout = static_cast<int>(net.rows(l));
    const std::vector<T> W = weights<T>(net, l);
    std::vector<T> G(N * nout);
    gemm<T>(true, iN, nout, nin, F[l - 1].data(), nin, W.data(), nin, G.data(), nout);
    S[l].resize(G.size());
    for (std::size_t i = 0; i < N; ++i)
      for (int j = 0; j < nout; ++j) {
        T& g = G[i * nout + j];
        if (net.has_biases) g += static_cast<T>(net.b(l)[j]);
        S[l][i * nout + j] = g > 0 ? T(1) : T(0);
        g = g > 0 ? g : T(0);
      }
    F[l] = std::move(G);
  }
  std::vector<std::vector<T>> B(L + 1);
  B[L].assign(N, T(1));
  for (std::size_t l = L - 1; l >= 1; --l) {
    const int nl = static_cast<int>(net.rows(l)), nup = static_cast<int>(net.rows(l + 1));
    const std::vector<T> W = weights<T>(net, l + 1);
    std::vector<T> Bl(N * nl);
    gemm<T>(false, iN, nl, nup, B[l + 1].data(), nup, W.data(), nl, Bl.data(), nl);
    for (std::size_t t = 0; t < Bl.size(); ++t) Bl[t] *= S[l][t];
    B[l] = std::move(Bl);
    if (l == 1) break;
  }
  std::vector<T> K(N * N, T(0)), FG, BG;
  for (std::size_t k = 0; k < L; ++k) {
    syrk_full<T>(iN, static_cast<int>(net.widths[k]), F[k].data(), FG);
    syrk_full<T>(iN, static_cast<int>(net.widths[k + 1]), B[k + 1].data(), BG);
    for (std::size_t t = 0; t < N * N; ++t) K[t] += (net.has_biases ? FG[t] + T(1) : FG[t]) * BG[t];
  }
  return K;
}

// K̄ = J Jᵀ with the explicit Jacobian, float32.
std::vector<float> jacobian_empirical(const network& net, const dataset& x, const preprocessing& prep, std::size_t P) {
  const std::size_t N = x.n, L = net.depth();
  const std::vector<float> X = float_rows<float>(x, prep);
  std::vector<float> J(N * P, 0.0f);
  for (std::size_t i = 0; i < N; ++i) {
    std::vector<std::vector<float>> f(L), act(L);
    f[0].assign(X.begin() + static_cast<long>(i * x.d), X.begin() + static_cast<long>((i + 1) * x.d));
    for (std::size_t l = 1; l < L; ++l) {
      const std::size_t nin = net.cols(l), nout = net.rows(l);
      f[l].assign(nout, 0.0f);
      act[l].assign(nout, 0.0f);
      for (std::size_t o = 0; o < nout; ++o) {
        float g = net.has_biases ? static_cast<float>(net.b(l)[o]) : 0.0f;
        for (std::size_t k = 0; k < nin; ++k) g += static_cast<float>(net.W(l)[o * nin + k]) * f[l - 1][k];
        act[l][o] = g > 0 ? 1.0f : 0.0f;
        f[l][o] = g > 0 ? g : 0.0f;
      }
    }
    std::vector<std::vector<float>> delta(L + 1);
    delta[L] = {1.0f};
    for (std::size_t l = L - 1; l >= 1; --l) {
      const std::size_t nl = net.rows(l), nup = net.rows(l + 1);
      delta[l].assign(nl, 0.0f);
      for (std::size_t k = 0; k < nl; ++k) {
        float s = 0;
        for (std::size_t o = 0; o < nup; ++o) s += static_cast<float>(net.W(l + 1)[o * nl + k]) * delta[l + 1][o];
        delta[l][k] = s * act[l][k];
      }
      if (l == 1) break;
    }
    std::size_t p = 0;
    float* row = J.data() + i * P;
    for (std::size_t l = 1; l <= L; ++l) {
      const std::size_t nin = net.cols(l), nout = net.rows(l);
      for (std::size_t o = 0; o < nout; ++o)
        for (std::size_t k = 0; k < nin; ++k) row[p++] = delta[l][o] * f[l - 1][k];
      if (net.has_biases)
        for (std::size_t o = 0; o < nout; ++o) row[p++] = delta[l][o];
    }
  }
  std::vector<float> K;
  syrk_full<float>(static_cast<int>(N), static_cast<int>(P), J.data(), K);
  return K;
}

template <class T>
void eigen_report(std::vector<T> K, std::size_t n, const mreal& lo, const mreal& hi, float_report& r) {
  bool finite = true;
  for (T v : K) finite = finite && std::isfinite(v);
  r.lambda_min = std::numeric_limits<double>::quiet_NaN();
  if (!finite) return;
  std::vector<T> w(n);
  int info;
  if constexpr (std::is_same_v<T, double>)
    info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', static_cast<int>(n), K.data(), static_cast<int>(n), w.data());
  else
    info = LAPACKE_ssyevd(LAPACK_ROW_MAJOR, 'N', 'U', static_cast<int>(n), K.data(), static_cast<int>(n), w.data());
  if (info != 0) return;
  r.eigenvalues_done = true;
  r.lambda_min = static_cast<double>(w[0]);
  for (T v : w) r.negative_eigenvalues += v < 0;
  r.lambda = compare_lambda_min(r.lambda_min, lo, hi);
}

}  // namespace

empirical_compare_outcome compare_empirical_floats(const empirical_job& job_in, progress_sink& progress) {
  empirical_job job = job_in;
  job.layers = false;
  job.infinite_width = false;
  empirical_compare_outcome out;
  out.certified = empirical_lambda_min(job, progress);
  const auto parts = empirical_kernel_fast(*job.net, *job.data, job.prep, progress);
  const std::size_t n = job.data->n;
  entry_bounds eb;
  eb.n = n;
  eb.lower.resize(n * n);
  eb.upper.resize(n * n);
  for (std::size_t t = 0; t < n * n; ++t) {
    eb.lower[t] = parts.K.data[t].lo;
    eb.upper[t] = parts.K.data[t].hi;
    out.max_entry_width = std::max(out.max_entry_width, round_up(parts.K.data[t].hi - parts.K.data[t].lo));
  }
  const mreal& lo = out.certified.lambda.lower;
  const mreal& hi = out.certified.lambda.upper;
  using clock = std::chrono::steady_clock;
  {
    float_report r;
    r.name = "float64";
    const auto t0 = clock::now();
    std::vector<double> K = float_empirical<double>(*job.net, *job.data, job.prep);
    r.entries = compare_entries(K, eb);
    eigen_report(std::move(K), n, lo, hi, r);
    r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    out.floats.push_back(r);
  }
  {
    float_report r;
    r.name = "float32";
    r.significand_bits = 24;
    const auto t0 = clock::now();
    std::vector<float> K = float_empirical<float>(*job.net, *job.data, job.prep);
    r.entries = compare_entries(K, eb);
    eigen_report(std::move(K), n, lo, hi, r);
    r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    out.floats.push_back(r);
  }
  {
    float_report r;
    r.name = "jacobian-float32";
    r.significand_bits = 24;
    r.lambda_min = std::numeric_limits<double>::quiet_NaN();
    r.lambda.rel_error = std::numeric_limits<double>::quiet_NaN();
    const double np = static_cast<double>(n) * static_cast<double>(out.certified.parameters);
    if (np <= 5e7) {
      const auto t0 = clock::now();
      std::vector<float> K = jacobian_empirical(*job.net, *job.data, job.prep, out.certified.parameters);
      r.entries = compare_entries(K, eb);
      eigen_report(std::move(K), n, lo, hi, r);
      r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    } else {
      out.jacobian_note = "skipped: the N x P Jacobian would have " + std::to_string(static_cast<long long>(np)) +
                          " entries (limit 5e7)";
    }
    out.floats.push_back(r);
  }
  return out;
}

}  // namespace ntk
