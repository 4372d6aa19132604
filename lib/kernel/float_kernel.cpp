#include "kernel/float_kernel.hpp"

#include <cblas.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "kernel/float_acos.hpp"
#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics use a self-initialised _mm512_undefined_pd(), which -Wuninitialized
// reports at their lines in the header (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <string>
#include <vector>

namespace ntk {
namespace {

void syrk(int n, int d, const float* x, float* g) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, d, 1.0f, x, d, 0.0f, g, n);
}
void syrk(int n, int d, const double* x, double* g) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, d, 1.0, x, d, 0.0, g, n);
}

// An uninitialised buffer of `count` T. Buffers of 2 MB and more are 2 MB aligned and marked for
// transparent huge pages (Linux, madvise; a hint only): the 25 MB of prepared rows at N = 4000 then
// cost a dozen page faults instead of six thousand (≈ 20 ms of kernel time).
struct free_deleter {
  void operator()(void* p) const { std::free(p); }
};
template <class T>
using buffer = std::unique_ptr<T[], free_deleter>;

template <class T>
buffer<T> huge_buffer(std::size_t count) {
  constexpr std::size_t page = std::size_t(1) << 21;
  const std::size_t bytes = std::max<std::size_t>(1, count * sizeof(T));
  void* p = nullptr;
  if (bytes < page) {
    p = std::malloc(bytes);
  } else {
    const std::size_t rounded = (bytes + page - 1) / page * page;
    p = std::aligned_alloc(page, rounded);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p) madvise(p, rounded, MADV_HUGEPAGE);
#endif
  }
  if (!p) throw std::bad_alloc();
  return buffer<T>(static_cast<T*>(p));
}

// The rows as the float code sees them: scaled, centred, normalised in T (the steps of the header).
template <class T>
buffer<T> prepared_rows(const dataset& ds, const preprocessing& pre) {
  const std::size_t n = ds.n, d = ds.d;
  buffer<T> x = huge_buffer<T>(n * d);
  const T den = static_cast<T>(ds.scale_den), num = static_cast<T>(ds.scale_num);
  for (std::size_t t = 0; t < n * d; ++t) x[t] = static_cast<T>(ds.x[t]) / den * num;
  if (pre.center && n > 0) {
    std::vector<T> mean(d, T(0));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) mean[k] += x[i * d + k];
    for (std::size_t k = 0; k < d; ++k) mean[k] /= static_cast<T>(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) x[i * d + k] -= mean[k];
  }
  if (pre.normalize != normalization::none) {
    const T target = pre.normalize == normalization::sphere ? std::sqrt(static_cast<T>(d)) : T(1);
    for (std::size_t i = 0; i < n; ++i) {
      T s = 0;
      for (std::size_t k = 0; k < d; ++k) s += x[i * d + k] * x[i * d + k];
      const T f = target / std::sqrt(s);
      for (std::size_t k = 0; k < d; ++k) x[i * d + k] *= f;
    }
  }
  return x;
}

// One layer of the acos variant on one pair: (G, K) <- (G', G' + K Ġ') with a = G_ii, b = G_jj,
// c = G_ij of the previous layer. The same expressions, in the same order, as float_kernel_matrix.
template <class T>
inline void acos_layer(T a, T b, T& c_g, T& k, T pi) {
  const T sab = std::sqrt(a * b);
  const T rho = std::clamp(c_g / sab, T(-1), T(1));
  const T theta = std::acos(rho);
  const T g = sab * (std::sqrt(T(1) - rho * rho) + (pi - theta) * rho) / pi;
  const T gd = (pi - theta) / pi;
  c_g = g;
  k = g + k * gd;
}

// One row of the off-diagonal sum of float_ntk_rayleigh: sum_{j<m} (ldexp(K_ij, -pow2) / divisor) v_j
// with K_ij from the Gram entries gi[j] = G_ij by depth - 1 acos layers (dg as there, row i).
// Plain code with std::acos.
double row_sum_scalar(const double* gi, std::size_t i, std::size_t m, const double* dg, std::size_t n, int depth,
                      const double* v, int pow2, double divisor, double pi) {
  double row = 0;
  for (std::size_t j = 0; j < m; ++j) {
    double g = gi[j], k = g;
    for (int l = 1; l < depth; ++l) {
      const std::size_t o = static_cast<std::size_t>(l - 1) * n;
      acos_layer(dg[o + i], dg[o + j], g, k, pi);
    }
    row += std::ldexp(k, -pow2) / divisor * v[j];
  }
  return row;
}

#if defined(__x86_64__)
// The same sum eight entries at a time: every entry by the operations of acos_layer, in the same
// order and rounding (IEEE +, -, *, /, sqrt; the clamp as max/min, which pass a NaN through as
// std::clamp does), except that θ comes from libmvec's vector acos `acos8` (float_acos.hpp).
// ldexp(K, -pow2) is K * scale with scale = 2^-pow2 a normal double: the same correctly rounded
// product. Only the summation order of the row differs (eight partial sums).
[[gnu::target("avx512f")]] double row_sum_avx512(void* acos8, const double* gi, std::size_t i, std::size_t m,
                                                 const double* dg, std::size_t n, int depth, const double* v,
                                                 double scale, double divisor, double pi) {
  const auto acos_v = reinterpret_cast<__m512d (*)(__m512d)>(acos8);
  const __m512d one = _mm512_set1_pd(1.0), mone = _mm512_set1_pd(-1.0), vpi = _mm512_set1_pd(pi);
  const __m512d vscale = _mm512_set1_pd(scale), vdiv = _mm512_set1_pd(divisor);
  __m512d acc = _mm512_setzero_pd();
  for (std::size_t j = 0; j < m; j += 8) {
    const std::size_t r = m - j;
    const __mmask8 mask = r >= 8 ? __mmask8(0xFF) : static_cast<__mmask8>((1u << r) - 1);
    __m512d g = _mm512_maskz_loadu_pd(mask, gi + j), k = g;  // lanes past m: g = 0, b = 1, unused
    for (int l = 1; l < depth; ++l) {
      const std::size_t o = static_cast<std::size_t>(l - 1) * n;
      const __m512d a = _mm512_set1_pd(dg[o + i]), b = _mm512_mask_loadu_pd(one, mask, dg + o + j);
      const __m512d sab = _mm512_sqrt_pd(_mm512_mul_pd(a, b));
      const __m512d rho = _mm512_min_pd(one, _mm512_max_pd(mone, _mm512_div_pd(g, sab)));
      const __m512d pmt = _mm512_sub_pd(vpi, acos_v(rho));
      const __m512d s = _mm512_sqrt_pd(_mm512_sub_pd(one, _mm512_mul_pd(rho, rho)));
      g = _mm512_div_pd(_mm512_mul_pd(sab, _mm512_add_pd(s, _mm512_mul_pd(pmt, rho))), vpi);
      k = _mm512_add_pd(g, _mm512_mul_pd(k, _mm512_div_pd(pmt, vpi)));
    }
    const __m512d e = _mm512_div_pd(_mm512_mul_pd(k, vscale), vdiv);
    acc = _mm512_mask_add_pd(acc, mask, acc, _mm512_mul_pd(e, _mm512_maskz_loadu_pd(mask, v + j)));
  }
  return _mm512_reduce_add_pd(acc);
}
#endif

}  // namespace

template <class T>
dense_matrix<T> float_kernel_matrix(const dataset& ds, const preprocessing& pre, int depth, kernel_which which,
                                    int layer, const float_kernel_options& opt) {
  if (depth < 1 || depth > ntk_max_depth || layer < 1 || layer > depth)
    throw std::invalid_argument("float kernel: need 1 <= layer <= depth <= " + std::to_string(ntk_max_depth));
  if (which == kernel_which::Gdot && layer < 2) throw std::invalid_argument("Gdot is defined for layers >= 2");
  const std::size_t n = ds.n;
  const buffer<T> x = prepared_rows<T>(ds, pre);
  const std::size_t d = ds.d;
  dense_matrix<T> G(n, n, T(0)), K, Gd;
  if (n > 0) syrk(static_cast<int>(n), static_cast<int>(d), x.get(), G.data.data());
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) G(j, i) = G(i, j);
  K = G;
  if (which == kernel_which::Gdot) Gd = dense_matrix<T>(n, n, T(1));
  const T pi = static_cast<T>(3.14159265358979323846);
  std::vector<T> diag(n);
  const long nn = static_cast<long>(n);
  for (int l = 2; l <= layer; ++l) {
    for (std::size_t i = 0; i < n; ++i) diag[i] = G(i, i);  // this layer's a, b before overwriting
#pragma omp parallel for schedule(dynamic, 16)
    for (long i = 0; i < nn; ++i) {
      for (std::size_t j = static_cast<std::size_t>(i); j < n; ++j) {
        const T a = diag[i], b = diag[j], c = G(i, j);
        T g, gd;
        if (opt.use_atan2) {
          const T s = std::sqrt(std::max(a * b - c * c, T(0)));
          const T theta = std::atan2(s, c);
          g = (s + (pi - theta) * c) / pi;
          gd = (pi - theta) / pi;
        } else {
          const T sab = std::sqrt(a * b);
          const T rho = std::clamp(c / sab, T(-1), T(1));
          const T theta = std::acos(rho);
          g = sab * (std::sqrt(T(1) - rho * rho) + (pi - theta) * rho) / pi;
          gd = (pi - theta) / pi;
        }
        G(i, j) = g;
        K(i, j) = g + K(i, j) * gd;
        if (which == kernel_which::Gdot) Gd(i, j) = gd;
      }
    }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        G(j, i) = G(i, j);
        K(j, i) = K(i, j);
        if (which == kernel_which::Gdot) Gd(j, i) = Gd(i, j);
      }
  }
  switch (which) {
    case kernel_which::G: return G;
    case kernel_which::Gdot: return Gd;
    default: return K;
  }
}

double float_ntk_rayleigh(const dataset& ds, const preprocessing& pre, int depth, const std::vector<double>& v,
                          int pow2, double divisor, unsigned threads) {
  if (depth < 1 || depth > ntk_max_depth)
    throw std::invalid_argument("float kernel: need 1 <= depth <= " + std::to_string(ntk_max_depth));
  const std::size_t n = ds.n, d = ds.d;
  if (v.size() != n || n == 0) return std::numeric_limits<double>::quiet_NaN();
  const buffer<double> x = prepared_rows<double>(ds, pre);
  const double pi = 3.14159265358979323846;
  const auto scaled = [&](double e) { return std::ldexp(e, -pow2) / divisor; };
  // Diagonal chains: dg[l * n + i] = G^(l+1)_ii, by the same per-pair code (a = b = c = G_ii).
  std::vector<double> dg(static_cast<std::size_t>(depth) * n);
  double quad = 0, vv = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double g = cblas_ddot(static_cast<int>(d), x.get() + i * d, 1, x.get() + i * d, 1), k = g;
    dg[i] = g;
    for (int l = 1; l < depth; ++l) {
      const double a = g;
      acos_layer(a, a, g, k, pi);
      dg[static_cast<std::size_t>(l) * n + i] = g;
    }
    quad += v[i] * v[i] * scaled(k);
    vv += v[i] * v[i];
  }
  // Off-diagonal entries by row panels (largest first) on `threads` workers, each with its own
  // single-threaded BLAS call for the panel's Gram rows: 2 sum_{j<i} v_i K_ij v_j.
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // Panel height T: the Gram's right operand is packed once per panel (n^2 d / (2T) elements in
  // all), the panel buffer holds T x n doubles per worker: T = 2^20 / n (8 MB) rounded down to a
  // multiple of 64, within [128, 256]. The panel's diagonal block is formed by sub-panels of B rows
  // (the lower triangle plus B x B squares, not a T x T square).
  const std::size_t T = std::clamp<std::size_t>((std::size_t(1) << 20) / n / 64 * 64, 128, 256);
  constexpr std::size_t B = 64;
  const std::size_t panels = (n + T - 1) / T;
  std::atomic<std::size_t> next{0};
  std::vector<double> partial(threads, 0.0);
  std::exception_ptr error;
  std::mutex error_mutex;
  // The vector path needs libmvec's AVX-512 acos and 2^-pow2 a normal double (then ldexp by -pow2
  // is the product by it).
  const double scale = std::ldexp(1.0, -pow2);
  [[maybe_unused]] void* const acos8 = std::isnormal(scale) ? kernel_detail::libmvec_acos8() : nullptr;
  const int saved = openblas_get_num_threads();
  if (threads > 1) openblas_set_num_threads(1);
  auto work = [&](unsigned w) {
    try {
      const buffer<double> P = huge_buffer<double>(T * n);
      double acc = 0;
      for (;;) {
        const std::size_t q = next.fetch_add(1);
        if (q >= panels) break;
        const std::size_t i0 = (panels - 1 - q) * T, i1 = std::min(n, i0 + T);
        if (i0 == 0 && i1 <= 1) continue;
        // P(i - i0, j) = G_ij for j < i, leading dimension i1.
        const int dd = static_cast<int>(d), ld = static_cast<int>(i1);
        if (i0 > 0)
          cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(i1 - i0), static_cast<int>(i0), dd,
                      1.0, x.get() + i0 * d, dd, x.get(), dd, 0.0, P.get(), ld);
        for (std::size_t s0 = i0; s0 < i1; s0 += B) {
          const std::size_t s1 = std::min(i1, s0 + B);
          cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(s1 - s0), static_cast<int>(s1 - i0),
                      dd, 1.0, x.get() + s0 * d, dd, x.get() + i0 * d, dd, 0.0, P.get() + (s0 - i0) * i1 + i0, ld);
        }
        for (std::size_t i = i0; i < i1; ++i) {
          const double* gi = P.get() + (i - i0) * i1;
#if defined(__x86_64__)
          const double row = acos8 ? row_sum_avx512(acos8, gi, i, i, dg.data(), n, depth, v.data(), scale, divisor, pi)
                                   : row_sum_scalar(gi, i, i, dg.data(), n, depth, v.data(), pow2, divisor, pi);
#else
          const double row = row_sum_scalar(gi, i, i, dg.data(), n, depth, v.data(), pow2, divisor, pi);
#endif
          acc += 2.0 * v[i] * row;
        }
      }
      partial[w] = acc;
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next.store(panels);
    }
  };
  {
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < std::min<std::size_t>(threads, panels); ++w) pool.emplace_back(work, w);
    work(0);
    for (auto& t : pool) t.join();
  }
  openblas_set_num_threads(saved);
  if (error) std::rethrow_exception(error);
  for (double p : partial) quad += p;
  return quad / vv;
}

template dense_matrix<float> float_kernel_matrix<float>(const dataset&, const preprocessing&, int, kernel_which, int,
                                                        const float_kernel_options&);
template dense_matrix<double> float_kernel_matrix<double>(const dataset&, const preprocessing&, int, kernel_which,
                                                          int, const float_kernel_options&);

}  // namespace ntk
