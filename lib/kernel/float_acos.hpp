// acos over arrays of doubles for the uncertified float kernel (float_kernel.hpp): plain floating
// point, no guarantee, nothing here may enter a certified bound.
//
// On x86-64 with glibc and a CPU with AVX-512F it evaluates glibc's vector acos (libmvec's
// _ZGVeN8v_acos, looked up at run time with dlopen, so nothing extra is linked); glibc documents
// its vector functions to at most 4 ulp, and tests/kernel/test_float_acos.cpp measures the error
// against MPFR. Elsewhere, or when libmvec is not found, it is std::acos element by element.
#pragma once

#include <cstddef>

namespace ntk {

// y[t] = acos(x[t]) for t < n (a NaN for a NaN or |x| > 1). x and y may be the same array.
void float_acos(const double* x, double* y, std::size_t n);

// True iff float_acos (and the float64 Rayleigh quotient of float_kernel.hpp) uses the libmvec
// vector acos on this machine.
bool float_acos_vectorised();

namespace kernel_detail {
// The address of libmvec's 8-lane AVX-512 acos (__m512d -> __m512d), or nullptr when the CPU lacks
// AVX-512F or libmvec does not provide it. Looked up once.
void* libmvec_acos8();
}  // namespace kernel_detail

}  // namespace ntk
