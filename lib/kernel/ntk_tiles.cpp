#include "kernel/ntk_tiles.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "kernel/ntk_entry.hpp"
#include "kernel/relu_maps.hpp"
#include "kernel/row_geometry.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {

unsigned default_kernel_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

namespace {

// Runs fn(worker, index) for index in [begin, end) on `threads` workers (the calling thread is
// worker 0), indices handed out one by one. Each worker first checks the floating-point
// environment (every enclosure assumes round-to-nearest). Rethrows the first exception.
template <class F>
void parallel_indices(std::size_t begin, std::size_t end, unsigned threads, F&& fn) {
  std::atomic<std::size_t> next{begin};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&](unsigned w) {
    try {
      require_binary64_environment();
      for (;;) {
        const std::size_t i = next.fetch_add(1);
        if (i >= end) break;
        fn(w, i);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next.store(end);
    }
  };
  std::vector<std::thread> pool;
  const unsigned extra = static_cast<unsigned>(std::min<std::size_t>(threads, end - begin)) - 1;
  for (unsigned w = 1; w <= extra && end > begin; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// The entry code, shared by both stores.
struct entry_code {
  const row_geometry& rg;
  int depth;
  convention_factor f;
  relu_constants<dinterval> cst;

  // Contains K^(depth)_ij · f for rows i != j with Gram value g (row_geometry::gram_block).
  dinterval off(std::size_t i, std::size_t j, double g) const {
    const dinterval khat = khat_of_pair(rg.pair(i, j, g), depth, cst);
    return scaled(rg.pair_scale(i, j) * khat);
  }
  // Contains K^(depth)_ii · f = depth ‖x̃_i‖² f.
  dinterval diag(std::size_t i) const {
    return scaled(rg.sqnorm[i] * interval_traits<dinterval>::point(static_cast<double>(depth)));
  }
  dinterval scaled(const dinterval& k) const {
    return (f.divisor != 1 || f.pow2 != 0) ? apply_convention_factor(k, f) : k;
  }
};

// Restores OpenBLAS's thread count on scope exit.
struct blas_threads_guard {
  int saved;
  explicit blas_threads_guard(bool single) : saved(openblas_get_num_threads()) {
    if (single) openblas_set_num_threads(1);
  }
  ~blas_threads_guard() { openblas_set_num_threads(saved); }
  blas_threads_guard(const blas_threads_guard&) = delete;
  blas_threads_guard& operator=(const blas_threads_guard&) = delete;
};

// Panel by panel, the panels handed out to the workers (largest first): each worker forms its
// panel's Gram block with a single-threaded BLAS call into its own buffer, then encloses the
// entries (i, j), j < i, and (i, i) of the panel's rows; sink.off(w, i, j, k) and sink.diag(w, i, k)
// receive the enclosures. With several workers BLAS runs single-threaded meanwhile (no idle BLAS
// threads spinning against the workers); with one worker BLAS keeps its threads.
template <class Sink>
void run_panels(const row_geometry& rg, const entry_code& code, const tile_options& opt, progress_sink& progress,
                Sink& sink) {
  const std::size_t n = rg.n;
  if (n == 0) return;
  const std::size_t T = std::max<std::size_t>(1, std::min(opt.panel, n));
  const std::size_t panels = (n + T - 1) / T;
  const unsigned threads = opt.threads ? opt.threads : default_kernel_threads();
  const blas_threads_guard guard(threads > 1);
  std::vector<std::vector<double>> buffers(threads);
  std::atomic<double> done{0};
  const double total = 0.5 * static_cast<double>(n) * static_cast<double>(n + 1);
  parallel_indices(0, panels, threads, [&](unsigned w, std::size_t q) {
    const std::size_t i0 = (panels - 1 - q) * T, i1 = std::min(n, i0 + T);
    std::vector<double>& P = buffers[w];
    P.resize(T * n);
    rg.gram_block(i0, i1, 0, i1, P.data(), i1);
    for (std::size_t i = i0; i < i1; ++i) {
      const double* g = P.data() + (i - i0) * i1;
      for (std::size_t j = 0; j < i; ++j) sink.off(w, i, j, code.off(i, j, g[j]));
      sink.diag(w, i, code.diag(i));
    }
    const double mine = 0.5 * static_cast<double>(i1 - i0) * static_cast<double>(i0 + i1 + 1);
    const double now = done.fetch_add(mine) + mine;
    if (w == 0) progress.update("kernel tiles", now / total);  // the calling thread only
  });
}

void check_depth(int depth) {
  if (depth < 1 || depth > ntk_max_depth)
    throw std::invalid_argument("depth must be between 1 and " + std::to_string(ntk_max_depth) + ", got " +
                                std::to_string(depth));
}

struct midrad_sink {
  lean_midrad& out;
  std::vector<std::vector<double>> rowsum;  // per worker
  std::vector<char> finite;                 // per worker

  midrad_sink(lean_midrad& o, unsigned workers)
      : out(o), rowsum(workers, std::vector<double>(o.S.n, 0.0)), finite(workers, 1) {}

  void off(unsigned w, std::size_t i, std::size_t j, const dinterval& k) {
    const std::size_t n = out.S.n;
    if (!std::isfinite(k.lo) || !std::isfinite(k.hi)) {
      finite[w] = 0;
      out.S.mid[i * n + j] = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    double m = 0.5 * k.lo + 0.5 * k.hi;  // any m works: rad bounds |x - m| over [lo, hi]
    if (!(m >= k.lo && m <= k.hi)) m = k.lo;
    const double rad = std::max(round_up(k.hi - m), round_up(m - k.lo));
    out.S.mid[i * n + j] = m;
    std::vector<double>& rs = rowsum[w];
    rs[i] = round_up(rs[i] + rad);
    rs[j] = round_up(rs[j] + rad);
  }
  void diag(unsigned w, std::size_t i, const dinterval& k) {
    if (!std::isfinite(k.lo) || !std::isfinite(k.hi)) {
      finite[w] = 0;
      out.S.mid[i * out.S.n + i] = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    out.S.mid[i * out.S.n + i] = k.lo;
    out.diag_rad[i] = round_up(k.hi - k.lo);
  }
};

struct dense_sink {
  dense_matrix<dinterval>& m;
  void off(unsigned, std::size_t i, std::size_t j, const dinterval& k) { m(i, j) = m(j, i) = k; }
  void diag(unsigned, std::size_t i, const dinterval& k) { m(i, i) = k; }
};

}  // namespace

kernel_midrad ntk_kernel_midrad(const dataset& ds, const preprocessing& pre, int depth, kernel_convention conv,
                                progress_sink& progress, const tile_options& opt) {
  check_depth(depth);
  progress.update("kernel tiles", 0.0);
  const row_geometry rg = row_geometry_compute(ds, pre);
  const entry_code code{rg, depth, kernel_convention_factor(conv, ds.d, depth), {}};
  kernel_midrad result;
  result.method = rg.method;
  lean_midrad& out = result.store;
  const std::size_t n = ds.n;
  out.S.n = n;
  out.S.mid.resize(n * n);  // every entry is written below
  out.diag_rad.assign(n, 0.0);
  out.rad_rowsum.assign(n, 0.0);
  const unsigned threads = opt.threads ? opt.threads : default_kernel_threads();
  {
    midrad_sink sink(out, threads);
    run_panels(rg, code, opt, progress, sink);
    for (unsigned w = 0; w < threads; ++w) {
      out.S.finite = out.S.finite && sink.finite[w];
      for (std::size_t i = 0; i < n; ++i)
        if (sink.rowsum[w][i] != 0) out.rad_rowsum[i] = round_up(out.rad_rowsum[i] + sink.rowsum[w][i]);
    }
  }
  // The strict upper triangle from the lower one, in 64 x 64 tiles (both sides stay in cache).
  constexpr std::size_t tb = 64;
  const std::size_t nb = (n + tb - 1) / tb;
  double* a = out.S.mid.data();
  parallel_indices(0, nb, threads, [&](unsigned, std::size_t bi) {
    const std::size_t i0 = bi * tb, i1 = std::min(n, i0 + tb);
    for (std::size_t j0 = 0; j0 <= i0; j0 += tb)
      for (std::size_t i = i0; i < i1; ++i)
        for (std::size_t j = j0; j < std::min({i, j0 + tb}); ++j) a[j * n + i] = a[i * n + j];
  });
  progress.update("kernel tiles", 1.0);
  return result;
}

dense_matrix<dinterval> ntk_kernel_tiles_dense(const dataset& ds, const preprocessing& pre, int depth,
                                               kernel_convention conv, progress_sink& progress,
                                               const tile_options& opt) {
  check_depth(depth);
  const row_geometry rg = row_geometry_compute(ds, pre);
  const entry_code code{rg, depth, kernel_convention_factor(conv, ds.d, depth), {}};
  dense_matrix<dinterval> m(ds.n, ds.n);
  dense_sink sink{m};
  run_panels(rg, code, opt, progress, sink);
  return m;
}

}  // namespace ntk
