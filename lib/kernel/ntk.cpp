#include "kernel/ntk.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "kernel/relu_maps.hpp"

namespace ntk {
namespace {

template <class I>
struct recursion_state {
  dense_matrix<I> rho, delta, eps, khat, gdot;  // gdot empty unless requested
};

template <class I>
void mirror(dense_matrix<I>& m) {
  const std::size_t n = m.rows;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) m(j, i) = m(i, j);
}

template <class I>
void mirror_all(recursion_state<I>& s) {
  mirror(s.rho);
  mirror(s.delta);
  mirror(s.eps);
  mirror(s.khat);
  if (s.gdot.rows) mirror(s.gdot);
}

// Runs layers 1..upto. On return every matrix of the state is symmetric and at layer `upto`.
template <class I>
recursion_state<I> run_recursion(const geometry<I>& g, int upto, bool keep_gdot, progress_sink& progress,
                                 layer_visitor<I>* visitor) {
  using tr = interval_traits<I>;
  const std::size_t n = g.n;
  recursion_state<I> s{g.rho, g.delta, g.eps, g.rho, {}};
  if (keep_gdot) s.gdot = dense_matrix<I>(n, n, tr::point(1.0));
  if (visitor) visitor->layer(1, s.rho, s.delta, s.eps, nullptr, s.khat);
  const relu_constants<I> cst;
  const long nn = static_cast<long>(n);
  for (int l = 2; l <= upto; ++l) {
    progress.update("layer " + std::to_string(l) + "/" + std::to_string(upto), double(l - 1) / upto);
    const double lmax = static_cast<double>(l);
#pragma omp parallel for schedule(dynamic, 8)
    for (long i = 0; i < nn; ++i) {
      for (std::size_t j = static_cast<std::size_t>(i) + 1; j < n; ++j) {
        const correlation<I> c{s.rho(i, j), s.delta(i, j), s.eps(i, j)};
        const relu_image<I> r = relu_map(c, cst);
        // |K̂^(l)| <= l: K^(l) is PSD with diagonal l‖x̃_i‖² (Cauchy–Schwarz).
        s.khat(i, j) = intersect(r.kappa1.rho + s.khat(i, j) * r.kappa0, -lmax, lmax);
        s.rho(i, j) = r.kappa1.rho;
        s.delta(i, j) = r.kappa1.delta;
        s.eps(i, j) = r.kappa1.eps;
        if (keep_gdot) s.gdot(i, j) = r.kappa0;
      }
      s.khat(i, i) = tr::point(lmax);
    }
    if (visitor) {
      mirror_all(s);
      visitor->layer(l, s.rho, s.delta, s.eps, keep_gdot ? &s.gdot : nullptr, s.khat);
    }
  }
  if (!visitor) mirror_all(s);
  progress.update("layer " + std::to_string(upto) + "/" + std::to_string(upto), 1.0);
  return s;
}

void check_depth(int depth, int layer) {
  if (depth < 1 || depth > ntk_max_depth)
    throw std::invalid_argument("depth must be between 1 and " + std::to_string(ntk_max_depth) + ", got " +
                                std::to_string(depth));
  if (layer < 1 || layer > depth)
    throw std::invalid_argument("layer must be between 1 and the depth " + std::to_string(depth) + ", got " +
                                std::to_string(layer));
}

// m(i,j) <- pair_scale(g,i,j) * m(i,j), in place; the diagonal becomes sqnorm[i] * diag.
template <class I>
void scale_full(dense_matrix<I>& m, const geometry<I>& g) {
  const std::size_t n = g.n;
  const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 16)
  for (long i = 0; i < nn; ++i)
    for (std::size_t j = 0; j < n; ++j) m(i, j) = pair_scale(g, i, j) * m(i, j);
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
  recursion_state<I> s = run_recursion(g, depth, visitor && visitor->wants_gdot(), progress, visitor);
  scale_full(s.khat, g);
  return std::move(s.khat);
}

template <class I>
dense_matrix<I> kernel_matrix(const geometry<I>& g, int depth, kernel_which which, int layer,
                              progress_sink& progress) {
  check_depth(depth, layer);
  if (which == kernel_which::Gdot && layer < 2)
    throw std::invalid_argument("Gdot is defined for layers 2 and up (it multiplies K^(l-1) in K^(l))");
  recursion_state<I> s = run_recursion<I>(g, layer, which == kernel_which::Gdot, progress, nullptr);
  switch (which) {
    case kernel_which::Gdot: return std::move(s.gdot);
    case kernel_which::G: scale_full(s.rho, g); return std::move(s.rho);
    default: scale_full(s.khat, g); return std::move(s.khat);
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

}  // namespace ntk
