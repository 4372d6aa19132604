#include "kernel/float_acos.hpp"

#include <cmath>

#if defined(__x86_64__) && defined(__GLIBC__) && __has_include(<dlfcn.h>)
#define NTK_FLOAT_ACOS_MVEC 1
#include <dlfcn.h>
// GCC 12's AVX-512 intrinsics use a self-initialised _mm512_undefined_pd(), which -Wuninitialized
// reports at their lines in the header (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#define NTK_FLOAT_ACOS_MVEC 0
#endif

namespace ntk {

namespace kernel_detail {

void* libmvec_acos8() {
#if NTK_FLOAT_ACOS_MVEC
  static void* const f = []() -> void* {
    if (!__builtin_cpu_supports("avx512f")) return nullptr;
    void* lib = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);  // kept open for the process
    return lib ? dlsym(lib, "_ZGVeN8v_acos") : nullptr;
  }();
  return f;
#else
  return nullptr;
#endif
}

}  // namespace kernel_detail

#if NTK_FLOAT_ACOS_MVEC
namespace {
// All n elements through the vector function, the last partial block padded with zeros.
[[gnu::target("avx512f")]] void acos_avx512(void* fn, const double* x, double* y, std::size_t n) {
  const auto f = reinterpret_cast<__m512d (*)(__m512d)>(fn);
  for (std::size_t t = 0; t < n; t += 8) {
    const std::size_t r = n - t;
    const __mmask8 m = r >= 8 ? __mmask8(0xFF) : static_cast<__mmask8>((1u << r) - 1);
    _mm512_mask_storeu_pd(y + t, m, f(_mm512_maskz_loadu_pd(m, x + t)));
  }
}
}  // namespace
#endif

void float_acos(const double* x, double* y, std::size_t n) {
#if NTK_FLOAT_ACOS_MVEC
  if (void* f = kernel_detail::libmvec_acos8()) {
    acos_avx512(f, x, y, n);
    return;
  }
#endif
  for (std::size_t t = 0; t < n; ++t) y[t] = std::acos(x[t]);
}

bool float_acos_vectorised() { return kernel_detail::libmvec_acos8() != nullptr; }

}  // namespace ntk
