#pragma once
/// tanh and the logistic sigmoid of an array, in place, through SLEEF's vector functions (Debian's
/// libsleef-dev) in their deterministic "cinz" form: 1-ulp accuracy and, by SLEEF's design, the
/// same bits from every vector width and on every CPU (no FMA, no CPU-dependent rounding). glibc's
/// scalar tanh and exp, which they replace in the hGRU, pick FMA variants by the CPU
/// (docs/training.md, "The same bits on other CPUs") and are about twice as slow as the AVX path.
///
/// The path: AVX (4 doubles) where the CPU has it, SSE2 (2 doubles, every x86-64 CPU) otherwise;
/// tests/unit/elementwise.cpp checks that both give the same bits. An array's length need not be
/// a multiple of the width: the tail goes through the same vector function, padded.
#include <cstddef>

namespace neurode::models::kernels {

enum class VectorPath { sse2, avx };
/// The path this CPU runs: avx when it has AVX, sse2 otherwise.
VectorPath best_vector_path();

/// x[i] = tanh(x[i]) for i < n.
void tanh_in_place(double* x, std::size_t n);
/// x[i] = 1 / (1 + exp(-x[i])) for i < n.
void sigmoid_in_place(double* x, std::size_t n);
/// The same on a given path (for the tests; avx only where the CPU has it).
void tanh_in_place(double* x, std::size_t n, VectorPath path);
void sigmoid_in_place(double* x, std::size_t n, VectorPath path);

}  // namespace neurode::models::kernels
