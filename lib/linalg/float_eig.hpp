// Plain floating-point symmetric eigenvalues through LAPACK: what a float64/float32 user would see
// (numpy.linalg.eigvalsh calls the same dsyevd). NO guarantee of any kind; never use these for a bound.
#pragma once

#include <cstddef>
#include <vector>

namespace ntk {

// Smallest eigenvalue of the symmetric n x n row-major matrix M (dsyevr, eigenvalue index 1, lower
// triangle read); *vec (if not null) receives a unit eigenvector. NaN (and an empty *vec) if LAPACK
// reports a failure or M has the wrong size.
double float_eig_smallest(const std::vector<double>& M, std::size_t n, std::vector<double>* vec);

// Largest eigenvalue (dsyevr, index n), same conventions as float_eig_smallest.
double float_eig_largest(const std::vector<double>& M, std::size_t n, std::vector<double>* vec);

// All eigenvalues in ascending order (dsyevd, no vectors, lower triangle read). Empty on failure.
std::vector<double> float_eig_all(std::vector<double> M, std::size_t n);

// Single-precision counterparts (ssyevr / ssyevd), for float32 matrices.
float float_eig_smallest(const std::vector<float>& M, std::size_t n, std::vector<float>* vec);
std::vector<float> float_eig_all(std::vector<float> M, std::size_t n);

}  // namespace ntk
