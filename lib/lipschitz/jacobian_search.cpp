// The search for points with a large certified Jacobian norm (jacobian_lower_search in
// lipschitz/jacobian.hpp).
#include "lipschitz/jacobian.hpp"


#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <unordered_set>

#include "interval/rounding.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/float_error.hpp"
#include "lipschitz/jacobian_detail.hpp"

namespace ntk {

using namespace jacobian_detail;

namespace {

// Float forward pass: hidden activity mask and the first-layer pre-activations.
void float_pattern(const network& net, const double* x, std::vector<char>& mask, std::vector<double>& z1) {
  mask.clear();
  std::vector<double> a(x, x + net.widths[0]);
  for (std::size_t l = 1; l < net.depth(); ++l) {
    const std::vector<double> z = layer_float(net, l, a);
    for (double t : z) mask.push_back(t > 0);
    if (l == 1) z1 = z;
    a.resize(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) a[i] = std::max(z[i], 0.0);
  }
}

std::size_t mask_hash(const std::vector<char>& m) {
  std::size_t h = 1469598103934665603ull;
  for (char c : m) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

struct candidate {
  scaled_point x;
  double value = 0;  // float ||J||
  std::size_t hash = 0;
  std::string origin;
};

}  // namespace

jacobian_search_result jacobian_lower_search(const network& net, const std::vector<double>* data, std::size_t data_rows,
                                             double num, double den, const jacobian_search_options& opt) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  jacobian_search_result res;
  const std::size_t n0 = net.widths[0], nL = net.widths.back();
  std::mt19937_64 gen(opt.seed * 0x9E3779B97F4A7C15ull + 12345);
  std::normal_distribution<double> nd;

  const std::size_t keep = std::max<std::size_t>(4 * opt.certify_top, 16);
  std::vector<candidate> pool;  // the best float candidates, distinct activation patterns
  const network_abs absw(net);
  std::vector<char> mask;
  std::vector<double> z1;
  auto evaluate = [&](const std::vector<double>& xf, double& value) {
    float_pattern(net, xf.data(), mask, z1);
    value = top_singular_float(jacobian_float(net, mask), nL, n0, nullptr);
    ++res.evaluated;
    if (std::isfinite(value) && !(value <= res.float_best)) res.float_best = value;
    return mask_hash(mask);
  };
  auto offer = [&](scaled_point x, double value, std::size_t h, const std::string& origin) {
    if (!std::isfinite(value)) return;
    for (auto& c : pool)
      if (c.hash == h) {
        if (x.is_plain() && !c.x.is_plain()) return;  // keep data rows (exact) over search points
        return;
      }
    if (pool.size() >= keep) {
      auto worst = std::min_element(pool.begin(), pool.end(), [](auto& a, auto& b) { return a.value < b.value; });
      if (worst->value >= value) return;
      pool.erase(worst);
    }
    pool.push_back({std::move(x), value, h, origin});
  };

  // Data rows.
  double scale = 1.0;
  std::vector<double> xf(n0);
  if (data && data_rows > 0) {
    double ss = 0;
    const std::size_t rows = std::min(data_rows, opt.max_data_rows);
    for (std::size_t i = 0; i < rows; ++i) {
      const double* r = data->data() + i * n0;
      for (std::size_t j = 0; j < n0; ++j) {
        xf[j] = r[j] * num / den;
        ss += xf[j] * xf[j];
      }
      double v;
      const std::size_t h = evaluate(xf, v);
      offer(scaled_point{std::vector<double>(r, r + n0), num, den}, v, h, "data row " + std::to_string(i));
    }
    scale = std::sqrt(ss / static_cast<double>(rows * n0));
    if (!(scale > 0)) scale = 1.0;
  }
  // Random points.
  for (std::size_t p = 0; p < opt.random_points; ++p) {
    for (auto& t : xf) t = scale * nd(gen);
    double v;
    const std::size_t h = evaluate(xf, v);
    offer(scaled_point{xf, 1.0, 1.0}, v, h, "random");
  }
  // Climbing search.
  if (opt.time_limit > 0 && !pool.empty()) {
    std::sort(pool.begin(), pool.end(), [](auto& a, auto& b) { return a.value > b.value; });
    const std::size_t starts = std::min<std::size_t>(4, pool.size());
    std::vector<std::vector<double>> start_points;
    for (std::size_t s = 0; s < starts; ++s) {
      std::vector<double> p(n0);
      for (std::size_t j = 0; j < n0; ++j) p[j] = pool[s].x.v[j] * pool[s].x.num / pool[s].x.den;
      start_points.push_back(p);
    }
    // Row norms of W_1 for the hyperplane jumps.
    std::vector<double> wn2(net.rows(1), 0.0);
    for (std::size_t i = 0; i < net.rows(1); ++i)
      for (std::size_t j = 0; j < n0; ++j) wn2[i] += net.W(1)[i * n0 + j] * net.W(1)[i * n0 + j];
    std::size_t s = 0;
    std::uniform_real_distribution<double> ud(0.0, 1.0);
    while (std::chrono::duration<double>(clock::now() - t0).count() < opt.time_limit) {
      std::vector<double> x = start_points[s % starts];
      ++s;
      double val;
      evaluate(x, val);
      double sigma = 0.05;
      double xs = 0;
      for (double t : x) xs += t * t;
      xs = std::sqrt(xs / static_cast<double>(n0));
      if (!(xs > 0)) xs = scale;
      int fails = 0;
      while (fails < 60 && std::chrono::duration<double>(clock::now() - t0).count() < opt.time_limit) {
        std::vector<double> y = x;
        float_pattern(net, x.data(), mask, z1);
        if (ud(gen) < 0.5) {
          for (auto& t : y) t += sigma * xs * nd(gen);
        } else {
          // Jump across one of the nearest first-layer hyperplanes w_i x + b_i = 0.
          std::vector<std::pair<double, std::size_t>> dist;
          for (std::size_t i = 0; i < z1.size(); ++i)
            if (wn2[i] > 0) dist.push_back({std::fabs(z1[i]) / std::sqrt(wn2[i]), i});
          if (dist.empty()) continue;
          const std::size_t near = std::min<std::size_t>(8, dist.size());
          std::partial_sort(dist.begin(), dist.begin() + near, dist.end());
          const std::size_t i = dist[static_cast<std::size_t>(ud(gen) * near) % near].second;
          const double c = z1[i] * (1.0 + 1e-3) / wn2[i] + (z1[i] >= 0 ? 1e-9 : -1e-9) * xs;
          for (std::size_t j = 0; j < n0; ++j) y[j] -= c * net.W(1)[i * n0 + j];
        }
        double v;
        const std::size_t h = evaluate(y, v);
        if (std::isfinite(v) && v > val * (1 + 1e-12)) {
          x = y;
          val = v;
          offer(scaled_point{y, 1.0, 1.0}, v, h, "search");
          sigma = std::min(1.0, sigma * 1.5);
          fails = 0;
        } else {
          sigma = std::max(1e-4, sigma * 0.85);
          ++fails;
        }
      }
      if (val > pool.front().value) start_points[(s - 1) % starts] = x;
    }
  }
  // Certify the best candidates.
  std::sort(pool.begin(), pool.end(), [](auto& a, auto& b) { return a.value > b.value; });
  std::size_t done = 0;
  for (const candidate& c : pool) {
    if (done >= opt.certify_top) break;
    const point_lower pl = jacobian_lower_at(net, c.x, opt.max_exact_ops, &absw);
    if (pl.refined_exactly) ++res.exact_refinements;
    if (pl.status == point_status::certified) {
      ++res.certified;
      ++done;
      if (pl.lower > res.lower) {
        res.lower = pl.lower;
        res.float_at_best = pl.float_norm;
        res.best_origin = c.origin;
      }
      continue;
    }
    if (pl.status == point_status::zero_preactivation) ++res.skipped_zero;
    else ++res.skipped_undecided;
    // The signs are not proven: a pair ratio along the float top singular vector still bounds.
    std::vector<double> xp(n0);
    for (std::size_t j = 0; j < n0; ++j) xp[j] = c.x.v[j] * c.x.num / c.x.den;
    float_pattern(net, xp.data(), mask, z1);
    std::vector<double> v;
    const double fv = top_singular_float(jacobian_float(net, mask), nL, n0, &v);
    if (v.empty()) continue;
    double xn = 0, vn = 0;
    for (std::size_t j = 0; j < n0; ++j) {
      xn += xp[j] * xp[j];
      vn += v[j] * v[j];
    }
    const double t = 1e-4 * std::max(1.0, std::sqrt(xn)) / std::sqrt(vn);
    std::vector<double> yp(n0);
    for (std::size_t j = 0; j < n0; ++j) yp[j] = xp[j] + t * v[j];
    const double r = pair_ratio_lower(net, scaled_point{xp, 1.0, 1.0}, scaled_point{yp, 1.0, 1.0});
    res.pair_lower = std::max(res.pair_lower, r);
    if (r > res.lower) {
      res.lower = r;
      res.float_at_best = fv;
      res.best_origin = "pair";
    }
  }
  res.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return res;
}

}  // namespace ntk
