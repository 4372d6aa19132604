#include "kernel/ntk.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernel/relu_maps.hpp"

namespace ntk {
namespace {

// The recursion state, packed: entry p(i,j) for i < j (row by row); the diagonal is exact and
// implicit (ρ = 1, δ = 0, ε = 2, Ġ = 1, K̂ = l). Half the memory of full matrices, contiguous.
template <class I>
struct packed_state {
  std::size_t n = 0;
  std::vector<correlation<I>> corr;
  std::vector<I> khat, gdot;  // gdot only if has_gdot
  bool has_gdot = false;
  std::size_t row_start(std::size_t i) const { return i * n - i * (i + 1) / 2; }  // p(i, i+1)
  std::size_t index(std::size_t i, std::size_t j) const { return row_start(i) + (j - i - 1); }
};

// Full symmetric matrices of one layer, for a visitor (allocated once, refilled per layer).
template <class I>
struct full_view {
  dense_matrix<I> rho, delta, eps, khat, gdot;
};

template <class I>
void unpack(const packed_state<I>& s, int l, full_view<I>& v) {
  using tr = interval_traits<I>;
  const std::size_t n = s.n;
  const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 16)
  for (long ii = 0; ii < nn; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    v.rho(i, i) = tr::point(1.0);
    v.delta(i, i) = tr::point(0.0);
    v.eps(i, i) = tr::point(2.0);
    v.khat(i, i) = tr::point(static_cast<double>(l));
    if (s.has_gdot) v.gdot(i, i) = tr::point(1.0);
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const std::size_t p = j > i ? s.index(i, j) : s.index(j, i);
      v.rho(i, j) = s.corr[p].rho;
      v.delta(i, j) = s.corr[p].delta;
      v.eps(i, j) = s.corr[p].eps;
      v.khat(i, j) = s.khat[p];
      if (s.has_gdot) v.gdot(i, j) = s.gdot[p];
    }
  }
}

// Runs layers 1..upto; on return the packed state is at layer `upto`.
template <class I>
packed_state<I> run_recursion(const geometry<I>& g, int upto, bool keep_gdot, progress_sink& progress,
                              layer_visitor<I>* visitor) {
  using tr = interval_traits<I>;
  const std::size_t n = g.n;
  packed_state<I> s;
  s.n = n;
  const std::size_t m = n * (n - (n > 0)) / 2;
  s.corr.resize(m);
  s.khat.resize(m);
  s.has_gdot = keep_gdot;
  if (keep_gdot) s.gdot.assign(m, tr::point(1.0));
  const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 16)
  for (long ii = 0; ii < nn; ++ii)
    for (std::size_t j = static_cast<std::size_t>(ii) + 1; j < n; ++j) {
      const std::size_t p = s.index(ii, j);
      s.corr[p] = g.pair(ii, j);
      s.khat[p] = s.corr[p].rho;
    }
  full_view<I> view;
  if (visitor) {
    view.rho = view.delta = view.eps = view.khat = dense_matrix<I>(n, n);
    if (keep_gdot) view.gdot = dense_matrix<I>(n, n);
    unpack(s, 1, view);
    visitor->layer(1, view.rho, view.delta, view.eps, nullptr, view.khat);
  }
  const relu_constants<I> cst;
  for (int l = 2; l <= upto; ++l) {
    progress.update("layer " + std::to_string(l) + "/" + std::to_string(upto), double(l - 1) / upto);
    const double lmax = static_cast<double>(l);
#pragma omp parallel for schedule(dynamic, 8)
    for (long ii = 0; ii < nn; ++ii) {
      if (progress.stop_requested()) continue;  // the caller discards the result (base/progress.hpp)
      const std::size_t begin = s.row_start(ii), end = begin + (n - ii - 1);
      for (std::size_t p = begin; p < end; ++p) {
        const relu_image<I> r = relu_map(s.corr[p], cst);
        // |K̂^(l)| <= l: K^(l) is PSD with diagonal l‖x̃_i‖² (Cauchy–Schwarz).
        s.khat[p] = intersect(r.kappa1.rho + s.khat[p] * r.kappa0, -lmax, lmax);
        s.corr[p] = r.kappa1;
        if (keep_gdot) s.gdot[p] = r.kappa0;
      }
    }
    if (visitor) {
      unpack(s, l, view);
      visitor->layer(l, view.rho, view.delta, view.eps, keep_gdot ? &view.gdot : nullptr, view.khat);
    }
  }
  progress.update("layer " + std::to_string(upto) + "/" + std::to_string(upto), 1.0);
  return s;
}

// The full-scale symmetric matrix with off-diagonal entries pair_scale(g,i,j)·packed[p(i,j)] and
// diagonal sqnorm[i]·diag (diag = l for K, 1 for G); for Gdot (scale = false) the packed values
// themselves with diagonal 1.
template <class I>
dense_matrix<I> assemble(const packed_state<I>& s, const std::vector<I>& packed, const geometry<I>& g,
                         double diag, bool scale) {
  using tr = interval_traits<I>;
  const std::size_t n = s.n;
  dense_matrix<I> m(n, n);
  const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 16)
  for (long ii = 0; ii < nn; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    m(i, i) = scale ? I(g.sqnorm[i] * tr::point(diag)) : tr::point(diag);
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const I& x = packed[j > i ? s.index(i, j) : s.index(j, i)];
      m(i, j) = scale ? I(pair_scale(g, i, j) * x) : x;
    }
  }
  return m;
}

void check_depth(int depth, int layer) {
  if (depth < 1 || depth > ntk_max_depth)
    throw std::invalid_argument("depth must be between 1 and " + std::to_string(ntk_max_depth) + ", got " +
                                std::to_string(depth));
  if (layer < 1 || layer > depth)
    throw std::invalid_argument("layer must be between 1 and the depth " + std::to_string(depth) + ", got " +
                                std::to_string(layer));
}

}  // namespace

const char* kernel_which_name(kernel_which w) {
  switch (w) {
    case kernel_which::G: return "G";
    case kernel_which::Gdot: return "Gdot";
    default: return "K";
  }
}

template <class I>
dense_matrix<I> ntk_compute(const geometry<I>& g, int depth, progress_sink& progress, layer_visitor<I>* visitor) {
  check_depth(depth, depth);
  const packed_state<I> s = run_recursion(g, depth, visitor && visitor->wants_gdot(), progress, visitor);
  return assemble(s, s.khat, g, static_cast<double>(depth), true);
}

template <class I>
dense_matrix<I> kernel_matrix(const geometry<I>& g, int depth, kernel_which which, int layer,
                              progress_sink& progress) {
  check_depth(depth, layer);
  if (which == kernel_which::Gdot && layer < 2)
    throw std::invalid_argument("Gdot is defined for layers 2 and up (it multiplies K^(l-1) in K^(l))");
  const packed_state<I> s = run_recursion<I>(g, layer, which == kernel_which::Gdot, progress, nullptr);
  switch (which) {
    case kernel_which::Gdot: return assemble(s, s.gdot, g, 1.0, false);
    case kernel_which::G: {
      std::vector<I> rho(s.corr.size());
      for (std::size_t p = 0; p < rho.size(); ++p) rho[p] = s.corr[p].rho;
      return assemble(s, rho, g, 1.0, true);
    }
    default: return assemble(s, s.khat, g, static_cast<double>(layer), true);
  }
}

template dense_matrix<dinterval> ntk_compute<dinterval>(const geometry<dinterval>&, int, progress_sink&,
                                                        layer_visitor<dinterval>*);
template dense_matrix<minterval> ntk_compute<minterval>(const geometry<minterval>&, int, progress_sink&,
                                                        layer_visitor<minterval>*);
template dense_matrix<dinterval> kernel_matrix<dinterval>(const geometry<dinterval>&, int, kernel_which, int,
                                                          progress_sink&);
template dense_matrix<minterval> kernel_matrix<minterval>(const geometry<minterval>&, int, kernel_which, int,
                                                          progress_sink&);
template dense_matrix<ddinterval> ntk_compute<ddinterval>(const geometry<ddinterval>&, int, progress_sink&,
                                                          layer_visitor<ddinterval>*);
template dense_matrix<ddinterval> kernel_matrix<ddinterval>(const geometry<ddinterval>&, int, kernel_which, int,
                                                            progress_sink&);

}  // namespace ntk
