#include "distributed/kernel_blocks.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <set>

#include "data/errors.hpp"
#include "base/progress.hpp"
#include "interval/interval.hpp"
#include "interval/rounding.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "kernel/ntk_entry.hpp"
#include "kernel/relu_maps.hpp"

namespace ntk::distributed {

bool centre_exactly(const dataset& in, dataset& out) {
  const std::size_t n = in.n, d = in.d;
  if (n == 0 || in.x.size() != n * d) return false;
  // Common power of two: every value is 2^E times an integer below 2^W.
  bool any = false;
  int lo = 0, hi = 0;
  for (double v : in.x) {
    if (!std::isfinite(v)) return false;
    if (v == 0) continue;
    int e;
    const double m = std::frexp(std::fabs(v), &e);
    const auto mant = static_cast<std::uint64_t>(std::ldexp(m, 53));
    const int lsb = e - 53 + std::countr_zero(mant);
    if (!any || lsb < lo) lo = lsb;
    if (!any || e > hi) hi = e;
    any = true;
  }
  if (!any) return false;  // all zero: dataset_check_rows reports it
  int log2n = 0;
  while ((std::size_t(1) << log2n) < n) ++log2n;
  if ((hi - lo) + log2n + 1 > 53) return false;
  const double nn = static_cast<double>(n);
  const double den = in.scale_den * nn;
  if (!(den < 0x1p53) || std::fma(in.scale_den, nn, -den) != 0) return false;
  std::vector<double> sigma(d, 0.0);  // column sums of the integers: exact (below 2^53)
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) sigma[k] += std::ldexp(in.x[i * d + k], -lo);
  dataset r = in;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) {
      const double z = nn * std::ldexp(in.x[i * d + k], -lo) - sigma[k];  // exact integer
      const double v = std::ldexp(z, lo);
      if (std::ldexp(v, -lo) != z || !std::isfinite(v)) return false;  // would lose bits
      r.x[i * d + k] = v;
    }
  r.scale_den = den;
  out = std::move(r);
  return true;
}

namespace {

// Upper bound of the radius of x around the double m.
inline double radius_about(const dinterval& x, double m) {
  return std::max(round_up(x.hi - m), round_up(m - x.lo));
}

}  // namespace

local_kernel compute_local_kernel(const dataset& x, const preprocessing& prep_in, int depth,
                                  kernel_convention convention, const block_cyclic& L) {
  using tr = interval_traits<dinterval>;
  if (depth < 1 || depth > ntk_max_depth) throw std::invalid_argument("depth out of range");
  preprocessing prep = prep_in;
  prep.center = false;  // the caller centred exactly (centre_exactly)
  local_kernel out;
  out.layout = L;
  out.mid.assign(L.local_size(), 0.0);
  out.rad_rowsum.assign(static_cast<std::size_t>(L.n), 0.0);
  const convention_factor f = kernel_convention_factor(convention, x.d, depth);
  const std::size_t d = x.d;

  // Owned block pairs (I, J) with I >= J, by local block coordinates.
  struct pair_job {
    int lbr, lbc;
  };
  std::vector<pair_job> jobs;
  const int local_block_rows = (L.mloc + L.nb - 1) / L.nb, local_block_cols = (L.nloc + L.nb - 1) / L.nb;
  for (int a = 0; a < local_block_rows; ++a)
    for (int b = 0; b < local_block_cols; ++b) {
      const int I = a * L.nprow + L.myrow, J = b * L.npcol + L.mycol;
      if (I >= J) jobs.push_back({a, b});
    }

  const int threads = omp_get_max_threads();
  std::vector<std::vector<double>> rowsum(threads, std::vector<double>(static_cast<std::size_t>(L.n), 0.0));
  std::vector<double> maxdiag(threads, 0.0);
  std::vector<char> finite(threads, 1);
  std::vector<std::size_t> count(threads, 0);
  std::vector<std::set<std::string>> methods(threads);
  std::string error;
  const long njobs = static_cast<long>(jobs.size());

#pragma omp parallel
  {
    const int t = omp_get_thread_num();
    null_progress quiet;
    const relu_constants<dinterval> cst;
    std::vector<double>& rs = rowsum[t];
#pragma omp for schedule(dynamic, 1)
    for (long q = 0; q < njobs; ++q) {
      const int I = jobs[q].lbr * L.nprow + L.myrow, J = jobs[q].lbc * L.npcol + L.mycol;
      const int i0 = I * L.nb, i1 = std::min(L.n, i0 + L.nb);
      const int j0 = J * L.nb, j1 = std::min(L.n, j0 + L.nb);
      const int ni = i1 - i0, nj = j1 - j0;
      // The block's data set: rows of J, then (if different) rows of I, in global order.
      dataset blk;
      blk.source = x.source;
      blk.d = d;
      blk.scale_num = x.scale_num;
      blk.scale_den = x.scale_den;
      blk.first_row = x.first_row + static_cast<std::size_t>(j0);
      blk.n = static_cast<std::size_t>(I == J ? nj : nj + ni);
      blk.x.resize(blk.n * d);
      std::copy(x.row(j0), x.row(j0) + static_cast<std::size_t>(nj) * d, blk.x.begin());
      if (I != J) std::copy(x.row(i0), x.row(i0) + static_cast<std::size_t>(ni) * d, blk.x.begin() + static_cast<std::ptrdiff_t>(nj) * d);
      geometry<dinterval> g;
      try {
        g = geometry_compute<dinterval>(blk, prep, quiet);
      } catch (const std::exception& e) {
#pragma omp critical(kernel_blocks_error)
        if (error.empty()) error = e.what();
        continue;
      }
      methods[t].insert(g.method);
      const int off = I == J ? 0 : nj;  // block-set index of global row i: off + (i - i0)
      for (int ii = 0; ii < ni; ++ii) {
        const int gi = i0 + ii;
        const int lr = L.local_row(gi);
        const std::size_t a = static_cast<std::size_t>(off + ii);
        for (int jj = 0; jj < nj; ++jj) {
          const int gj = j0 + jj;
          if (gj > gi) break;
          const int lc = L.local_col(gj);
          const std::size_t b = static_cast<std::size_t>(jj);
          dinterval k;
          if (gi == gj) {
            k = g.sqnorm[a] * tr::point(static_cast<double>(depth));
          } else {
            // The recursion of kernel/ntk.cpp for one pair (b < a in the block set).
            k = pair_scale(g, b, a) * khat_of_pair(g.pair(b, a), depth, cst);
          }
          if (f.divisor != 1 || f.pow2 != 0) k = apply_convention_factor(k, f);
          ++count[t];
          if (!std::isfinite(k.lo) || !std::isfinite(k.hi)) {
            finite[t] = 0;
            continue;
          }
          double m, rad;
          if (gi == gj) {
            m = k.lo;
            rad = round_up(k.hi - k.lo);
            maxdiag[t] = std::max(maxdiag[t], rad);
          } else {
            m = 0.5 * k.lo + 0.5 * k.hi;
            if (!(m >= k.lo && m <= k.hi)) m = k.lo;  // cannot happen for finite k; be safe
            rad = radius_about(k, m);
            rs[gi] = round_up(rs[gi] + rad);
            rs[gj] = round_up(rs[gj] + rad);
          }
          out.mid[L.at(lr, lc)] = m;
        }
      }
    }
  }
  if (!error.empty()) throw data_error(error);
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < L.n; ++i)
      if (rowsum[t][i] != 0) out.rad_rowsum[i] = round_up(out.rad_rowsum[i] + rowsum[t][i]);
    out.max_diag_rad = std::max(out.max_diag_rad, maxdiag[t]);
    out.finite = out.finite && finite[t];
    out.pairs += count[t];
    for (const auto& s : methods[t])
      if (std::find(out.methods.begin(), out.methods.end(), s) == out.methods.end()) out.methods.push_back(s);
  }
  return out;
}

}  // namespace ntk::distributed
