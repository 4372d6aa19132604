#include "lipschitz/feature_map.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "interval/interval.hpp"
#include "kernel/detail/angle.hpp"
#include "kernel/detail/g_series.hpp"
#include "kernel/detail/interval_ops.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "kernel/relu_maps.hpp"

namespace ntk {
namespace {

using kernel_detail::join;
using kernel_detail::meet;

// θ = arccos(1 − t) and g(θ) = sin θ − θ cos θ at one exact t ∈ [0, 2] (a point interval).
template <class I>
struct angle_g {
  I theta, g;
};

template <class I>
angle_g<I> angle_and_g(const I& t, const relu_constants<I>& c) {
  using tr = interval_traits<I>;
  if (kernel_detail::is_zero_point(t)) return {tr::point(0.0), tr::point(0.0)};
  I theta;
  if (upper_d(t) <= 0.5) {
    theta = kernel_detail::two_asin_sqrt_half(t);  // θ = 2 asin √(t/2), no cancellation
  } else if (lower_d(t) >= 1.5) {
    theta = c.pi - kernel_detail::two_asin_sqrt_half(2.0 - t);  // 2 − t exact (Sterbenz)
  } else {
    theta = kernel_detail::acos_of(1.0 - t);  // 1 − t exact (Sterbenz, t ∈ [1/2, 2])
  }
  theta = intersect(theta, 0.0, upper_d(c.pi));
  I g;
  if (upper_d(t) < 0x1p-3) {
    g = kernel_detail::g_sin_minus_t_cos(theta);  // series: leading term θ³/3, no cancellation
  } else {
    // sin θ = √(t(2 − t)), cos θ = 1 − t at this exact t; g ≥ g(0.5) > 0.04 here, so the
    // absolute error of the direct form is harmless.
    g = sqrt_nonneg(t * (2.0 - t)) - theta * (1.0 - t);
  }
  return {theta, g};
}

// acc := [max(acc.lo, x.lo), max(acc.hi, x.hi)] on endpoints (exact: no rounding).
// A NaN endpoint means "no enclosure": the upper end becomes +inf, the lower end is kept.
inline void raise_max(dinterval& acc, const dinterval& x) {
  if (x.lo > acc.lo) acc.lo = x.lo;
  if (x.hi != x.hi || x.hi > acc.hi) acc.hi = x.hi != x.hi ? std::numeric_limits<double>::infinity() : x.hi;
}
inline void raise_max(minterval& acc, const minterval& x) {
  __mpfi_struct* a = mpfi_of(acc);
  const __mpfi_struct* b = mpfi_of(x);
  if (mpfr_cmp(&b->left, &a->left) > 0) mpfr_set(&a->left, &b->left, MPFR_RNDD);
  if (mpfr_nan_p(&b->right) || mpfr_cmp(&b->right, &a->right) > 0) {
    if (mpfr_nan_p(&b->right)) mpfr_set_inf(&a->right, 1);
    else mpfr_set(&a->right, &b->right, MPFR_RNDU);
  }
}
inline bool lower_greater(const dinterval& x, const dinterval& y) { return x.lo > y.lo; }
inline bool lower_greater(const minterval& x, const minterval& y) {
  return mpfr_cmp(&mpfi_of(x)->left, &mpfi_of(y)->left) > 0;
}

inline mreal lower_m(const dinterval& x) { return mreal(x.lo); }
inline mreal upper_m(const dinterval& x) { return mreal(x.hi); }
inline mreal lower_m(const minterval& x) {
  mreal r;
  mpfr_set(r.backend().data(), &mpfi_of(x)->left, MPFR_RNDD);
  return r;
}
inline mreal upper_m(const minterval& x) {
  mreal r;
  mpfr_set(r.backend().data(), &mpfi_of(x)->right, MPFR_RNDU);
  return r;
}

// Running maximum of interval values with the witness of the largest lower bound.
template <class I>
struct max_acc {
  I value = interval_traits<I>::point(0.0);
  bool any = false;
  std::size_t i = 0, j = 0;
  void add(const I& x, std::size_t a, std::size_t b) {
    if (!any) {
      value = x;
      if (!(upper_d(value) >= lower_d(value)))  // NaN endpoints: no enclosure of this pair
        value = interval_traits<I>::make(0.0, std::numeric_limits<double>::infinity());
      any = true;
      i = a;
      j = b;
      return;
    }
    if (lower_greater(x, value)) {
      i = a;
      j = b;
    }
    raise_max(value, x);
  }
  void merge(const max_acc& o) {
    if (!o.any) return;
    if (!any || lower_greater(o.value, value)) {
      i = o.i;
      j = o.j;
    }
    if (!any) value = o.value;
    else raise_max(value, o.value);
    any = true;
  }
};

template <class I>
struct layer_acc {
  max_acc<I> nngp, ntk, holder;
};

// Contains s_data² ‖x_i − x_j‖² computed from the stored doubles (double tier, outward), where
// s_data = scale_num/scale_den. Valid for --normalize none with or without centring.
dinterval direct_sqdist(const dataset& ds, std::size_t i, std::size_t j, const dinterval& scale2) {
  const double* a = ds.row(i);
  const double* b = ds.row(j);
  dinterval acc(0.0);
  for (std::size_t k = 0; k < ds.d; ++k) acc = acc + sqr(dinterval(a[k]) - dinterval(b[k]));
  return acc * scale2;
}

// The stored rows i and j are equal (then so are the preprocessed rows x̃_i and x̃_j).
bool same_row(const dataset& ds, std::size_t i, std::size_t j) {
  const double* a = ds.row(i);
  const double* b = ds.row(j);
  for (std::size_t k = 0; k < ds.d; ++k)
    if (!(a[k] == b[k])) return false;
  return true;
}

template <class I>
I from_dinterval(const dinterval& x) {
  return interval_traits<I>::make(x.lo, x.hi);
}

template <class I>
feature_map_result run(const dataset& ds, const preprocessing& pre, int depth, progress_sink& progress) {
  using tr = interval_traits<I>;
  const geometry<I> g = geometry_compute<I>(ds, pre, progress);
  const std::size_t n = g.n;
  const relu_constants<I> cst;
  const dinterval scale = dinterval(ds.scale_num) / dinterval(ds.scale_den);
  const dinterval scale2 = sqr(scale);
  const bool direct = pre.normalize == normalization::none;
  const auto L = static_cast<std::size_t>(depth);

  feature_map_result res;
  res.pairs = n * (n - (n > 0)) / 2;
  res.method = g.method;
  res.precision_bits = tr::precision_bits();
  std::vector<layer_acc<I>> total(L);
  std::size_t identical = 0, unresolved = 0;
  const long nn = static_cast<long>(n);
  long rows_done = 0;

#pragma omp parallel
  {
    std::vector<layer_acc<I>> mine(L);
    std::size_t my_identical = 0, my_unresolved = 0;
    std::vector<I> dec_theta(L);
#pragma omp for schedule(dynamic, 4) nowait
    for (long ii = 0; ii < nn; ++ii) {
      if (progress.stop_requested()) continue;  // the caller discards the result (base/progress.hpp)
      const auto i = static_cast<std::size_t>(ii);
      for (std::size_t j = i + 1; j < n; ++j) {
        correlation<I> c = g.pair(i, j);
        const I s = pair_scale(g, i, j);
        I q = g.uniform_norm ? tr::point(0.0) : sqr(g.norm[i] - g.norm[j]);
        I D = q + 2.0 * s * c.delta;
        // The direct sum costs d operations per pair: only where q + 2sδ^(1) is not already tight
        // (the centring/normalisation-free geometry is usually exact up to a few roundings).
        if (direct && !(lower_d(D) > 0 && width_up(D) <= std::ldexp(lower_d(D), -40))) {
          const I Dd = from_dinterval<I>(direct_sqdist(ds, i, j, scale2));
          D = meet(D, Dd);
          // q = D − 2sδ^(1) as well; q ≥ 0 (a square).
          if (!g.uniform_norm) q = intersect(meet(q, D - 2.0 * s * c.delta), 0.0, upper_d(q));
        }
        // x̃_i = x̃_j (equal stored rows, or D = 0 proven): no ratio is defined for this pair.
        if (same_row(ds, i, j) || upper_d(D) <= 0 ||
            (pre.normalize != normalization::none && kernel_detail::is_zero_point(c.delta))) {
          ++my_identical;
          continue;
        }
        const bool resolved = lower_d(D) > 0;
        if (!resolved) ++my_unresolved;
        const I inf_iv = tr::make(0.0, std::numeric_limits<double>::infinity());
        const I sqrtD = sqrt_nonneg(D);
        const I delta1 = c.delta;
        I gamma = tr::point(0.0);  // γ_l = δ^(1) − δ^(l)
        I E = delta1;              // E_l = l − K̂^(l)
        for (std::size_t l = 1; l <= L; ++l) {
          if (l >= 2) {
            // Layer l from layer l − 1: θ^(l−1), g(θ^(l−1)) at both ends of the δ^(l−1) enclosure.
            const angle_g<I> lo = angle_and_g(tr::lower_point(c.delta), cst);
            const angle_g<I> hi = angle_and_g(tr::upper_point(c.delta), cst);
            const I theta_over_pi = join(lo.theta, hi.theta) * cst.inv_pi;
            const I step = join(lo.g, hi.g) * cst.inv_pi;  // δ^(l−1) − δ^(l)
            const relu_image<I> r = relu_map(c, cst);
            const double lm1 = static_cast<double>(l - 1);
            const I kappa0 = meet(r.kappa0, 1.0 - theta_over_pi);
            c = r.kappa1;
            gamma = gamma + step;
            E = c.delta + lm1 * theta_over_pi + E * kappa0;
          }
          const double ld = static_cast<double>(l);
          // N_l = D − 2sγ_l (= q + 2sδ^(l)); ratio = 1 − 2sγ_l/D.
          I nngp, ntkr, hold;
          const I M = ld * q + 2.0 * s * E;
          if (resolved && l == 1) {
            // G^(1) = K^(1) = X̃X̃ᵀ: the numerator is D itself, the ratio exactly 1.
            nngp = ntkr = tr::point(1.0);
            hold = meet(sqrtD, M / sqrtD);
          } else if (resolved) {
            nngp = meet(1.0 - 2.0 * s * gamma / D, (q + 2.0 * s * c.delta) / D);
            ntkr = M / D;
            hold = M / sqrtD;
          } else {
            nngp = ntkr = hold = inf_iv;
          }
          layer_acc<I>& a = mine[l - 1];
          a.nngp.add(nngp, i, j);
          a.ntk.add(ntkr, i, j);
          a.holder.add(hold, i, j);
        }
      }
#pragma omp critical(feature_map_progress)
      progress.update("feature map", double(++rows_done) / double(std::max<long>(nn, 1)));
    }
#pragma omp critical
    {
      for (std::size_t l = 0; l < L; ++l) {
        total[l].nngp.merge(mine[l].nngp);
        total[l].ntk.merge(mine[l].ntk);
        total[l].holder.merge(mine[l].holder);
      }
      identical += my_identical;
      unresolved += my_unresolved;
    }
  }
  res.identical_pairs = identical;
  res.unresolved_pairs = unresolved;
  auto to_bound = [](const max_acc<I>& m) {
    ratio_bound b;
    b.lower = m.any ? lower_m(m.value) : mreal(0);
    b.upper = m.any ? upper_m(m.value) : mreal(0);
    b.i = m.i;
    b.j = m.j;
    return b;
  };
  for (std::size_t l = 0; l < L; ++l) {
    feature_map_layer fl;
    fl.l = static_cast<int>(l + 1);
    fl.nngp = to_bound(total[l].nngp);
    fl.ntk = to_bound(total[l].ntk);
    fl.ntk_holder = to_bound(total[l].holder);
    res.layers.push_back(fl);
  }
  progress.update("feature map", 1.0);
  return res;
}

}  // namespace

feature_map_result feature_map_ratios(const dataset& ds, const preprocessing& pre, int depth, long bits,
                                      progress_sink& progress) {
  if (depth < 1 || depth > ntk_max_depth)
    throw std::invalid_argument("depth must be between 1 and " + std::to_string(ntk_max_depth));
  if (bits <= 53) return run<dinterval>(ds, pre, depth, progress);
  set_working_precision_bits(bits);
  return run<minterval>(ds, pre, depth, progress);
}

}  // namespace ntk
