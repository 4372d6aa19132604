// Cost per operation of the double-word interval tier (ddinterval) against the MPFI tier at 128
// bits (minterval), in the same run, on point and thin arguments like those of the NTK kernel.
// Build: ninja -C BUILDDIR tests/interval/ddinterval_bench; run: BUILDDIR/tests/interval/ddinterval_bench [reps]
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "interval/interval.hpp"

using namespace ntk;

namespace {

template <class F>
double ns_per_call(F&& f, int reps, int n) {
  // CPU time of this thread: the machine is shared, wall time would count waiting.
  timespec t0, t1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (int r = 0; r < reps; ++r) f();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  const double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
  return ns / (static_cast<double>(reps) * n);
}

volatile double sink = 0;

template <class I>
void run(const char* tier, const std::vector<double>& xs, const std::vector<double>& ys, int reps) {
  using T = interval_traits<I>;
  const int n = static_cast<int>(xs.size());
  std::vector<I> X, Y, U;
  for (int i = 0; i < n; ++i) {
    X.push_back(T::point(xs[i]) / 3.0);  // a thin interval with a full-precision endpoint
    Y.push_back(T::point(ys[i]) / 7.0);
    U.push_back(T::point(xs[i] * 0.95) / 3.0 * 2.0);  // points of [-1, 1] (xs in [-1, 1])
  }
  auto consume = [](const I& r) { sink = sink + upper_d(r); };
  std::printf("%-10s add %7.1f  mul %7.1f  div %7.1f  sqrt %7.1f  asin %8.1f  acos %8.1f  asin(point) %8.1f ns\n", tier,
              ns_per_call([&] { for (int i = 0; i < n; ++i) consume(X[i] + Y[i]); }, reps, n),
              ns_per_call([&] { for (int i = 0; i < n; ++i) consume(X[i] * Y[i]); }, reps, n),
              ns_per_call([&] { for (int i = 0; i < n; ++i) consume(X[i] / Y[i]); }, reps, n),
              ns_per_call([&] { for (int i = 0; i < n; ++i) consume(sqrt_nonneg(abs(X[i]))); }, reps, n),
              ns_per_call([&] { for (int i = 0; i < n; ++i) consume(asin(U[i])); }, reps, n),
              ns_per_call([&] { for (int i = 0; i < n; ++i) consume(acos(U[i])); }, reps, n),
              ns_per_call([&] { for (int i = 0; i < n; ++i) consume(asin(T::lower_point(U[i]))); }, reps, n));
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> d(-1, 1);
  std::vector<double> xs(2000), ys(2000);
  for (auto& v : xs) v = d(rng);
  for (auto& v : ys) v = d(rng) + 2.0;
  set_working_precision_bits(128);
  run<ddinterval>("ddinterval", xs, ys, reps);
  if (argc > 2) return 0;
  run<minterval>("minterval", xs, ys, std::max(1, reps / 4));
  run<dinterval>("dinterval", xs, ys, reps);
  return 0;
}
