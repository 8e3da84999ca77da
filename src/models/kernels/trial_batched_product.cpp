#include "models/kernels/trial_batched_product.hpp"

#include <immintrin.h>

#include <algorithm>

namespace neurode::models {
namespace {

// The same kernel is compiled twice, for AVX2 (without FMA: a fused multiply-add would round
// differently from the single-trial products) and for the baseline instruction set, and chosen at
// run time.
#define NEURODE_INLINE __attribute__((always_inline)) inline

// Four doubles as one value: with target avx2 one ymm register, otherwise two xmm. Written out
// rather than left to the auto-vectoriser, which vectorises the loop over a row's entries (with
// gathers) instead of the one over trials.
// The 32-byte type only ever crosses always-inline calls, never an ABI boundary.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double Lanes __attribute__((vector_size(32)));

NEURODE_INLINE Lanes load(const double* p) {
  Lanes v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

NEURODE_INLINE void store(double* p, Lanes v) { __builtin_memcpy(p, &v, sizeof v); }

// Rows of A times trials [first, first + 4 V): V accumulators live in registers across the row.
template <std::size_t V>
NEURODE_INLINE void multiply_lanes(const SparseMatrix& A, const double* __restrict in, std::size_t trials,
                                   std::size_t first, double* __restrict out) {
  const std::size_t* row_start = A.row_start.data();
  const std::size_t* col = A.col.data();
  const double* value = A.value.data();
  for (std::size_t i = 0; i < A.rows; ++i) {
    Lanes acc[V] = {};
    for (std::size_t e = row_start[i]; e < row_start[i + 1]; ++e) {
      const Lanes w = {value[e], value[e], value[e], value[e]};
      const double* source = in + col[e] * trials + first;
      for (std::size_t v = 0; v < V; ++v) acc[v] += w * load(source + 4 * v);
    }
    for (std::size_t v = 0; v < V; ++v) store(out + i * trials + first + 4 * v, acc[v]);
  }
}

// One trial: the scalar form of the same sums.
NEURODE_INLINE void multiply_one(const SparseMatrix& A, const double* __restrict in, std::size_t trials,
                                 std::size_t trial, double* __restrict out) {
  for (std::size_t i = 0; i < A.rows; ++i) {
    double acc = 0.0;
    for (std::size_t e = A.row_start[i]; e < A.row_start[i + 1]; ++e)
      acc += A.value[e] * in[A.col[e] * trials + trial];
    out[i * trials + trial] = acc;
  }
}

// One trial with the dense copy: rows [first_row, first_row + 4 V) in V accumulators, every column
// in order.
template <std::size_t V>
NEURODE_INLINE void multiply_dense_rows(const DenseColumns& D, const double* __restrict in,
                                        std::size_t trials, std::size_t trial, std::size_t first_row,
                                        double* __restrict out) {
  Lanes acc[V] = {};
  const double* column = D.value.data() + first_row;
  for (std::size_t j = 0; j < D.cols; ++j, column += D.padded_rows) {
    const double x = in[j * trials + trial];
    const Lanes xs = {x, x, x, x};
    for (std::size_t v = 0; v < V; ++v) acc[v] += load(column + 4 * v) * xs;
  }
  double sums[4 * V];
  for (std::size_t v = 0; v < V; ++v) store(sums + 4 * v, acc[v]);
  const std::size_t count = std::min(4 * V, D.rows - first_row);
  for (std::size_t k = 0; k < count; ++k) out[(first_row + k) * trials + trial] = sums[k];
}

NEURODE_INLINE void multiply_dense_one(const DenseColumns& D, const double* in, std::size_t trials,
                                       std::size_t trial, double* out) {
  std::size_t row = 0;
  for (; row + 8 <= D.padded_rows; row += 8) multiply_dense_rows<2>(D, in, trials, trial, row, out);
  if (row < D.padded_rows) multiply_dense_rows<1>(D, in, trials, trial, row, out);
}

NEURODE_INLINE void multiply_all(const SparseMatrix& A, const DenseColumns* dense, const double* in,
                                 std::size_t trials, double* out) {
  // As many trials per pass over A as fit in registers beside the rest: its entries (value, column)
  // are read once per pass.
  std::size_t first = 0;
  for (; first + 16 <= trials; first += 16) multiply_lanes<4>(A, in, trials, first, out);
  for (; first + 8 <= trials; first += 8) multiply_lanes<2>(A, in, trials, first, out);
  if (first + 4 <= trials) {
    multiply_lanes<1>(A, in, trials, first, out);
    first += 4;
  }
  for (; first < trials; ++first) {
    if (dense != nullptr && dense->used())
      multiply_dense_one(*dense, in, trials, first, out);
    else
      multiply_one(A, in, trials, first, out);
  }
}

__attribute__((target("avx2"))) void multiply_avx2(const SparseMatrix& A, const DenseColumns* dense,
                                                   const double* in, std::size_t trials, double* out) {
  multiply_all(A, dense, in, trials, out);
}

void multiply_baseline(const SparseMatrix& A, const DenseColumns* dense, const double* in, std::size_t trials,
                       double* out) {
  multiply_all(A, dense, in, trials, out);
}

#pragma GCC diagnostic pop

// out[c out_stride + r] = in[r in_stride + c] for r < rows, c < cols, in 4 x 4 tiles of registers.
__attribute__((target("avx2"))) void transpose_copy_avx2(const double* __restrict in, std::size_t in_stride,
                                                         std::size_t rows, std::size_t cols,
                                                         double* __restrict out, std::size_t out_stride) {
  std::size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    std::size_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      const __m256d a = _mm256_loadu_pd(in + (r + 0) * in_stride + c);
      const __m256d b = _mm256_loadu_pd(in + (r + 1) * in_stride + c);
      const __m256d d = _mm256_loadu_pd(in + (r + 2) * in_stride + c);
      const __m256d e = _mm256_loadu_pd(in + (r + 3) * in_stride + c);
      const __m256d ab_even = _mm256_unpacklo_pd(a, b), ab_odd = _mm256_unpackhi_pd(a, b);
      const __m256d de_even = _mm256_unpacklo_pd(d, e), de_odd = _mm256_unpackhi_pd(d, e);
      _mm256_storeu_pd(out + (c + 0) * out_stride + r, _mm256_permute2f128_pd(ab_even, de_even, 0x20));
      _mm256_storeu_pd(out + (c + 1) * out_stride + r, _mm256_permute2f128_pd(ab_odd, de_odd, 0x20));
      _mm256_storeu_pd(out + (c + 2) * out_stride + r, _mm256_permute2f128_pd(ab_even, de_even, 0x31));
      _mm256_storeu_pd(out + (c + 3) * out_stride + r, _mm256_permute2f128_pd(ab_odd, de_odd, 0x31));
    }
    for (; c < cols; ++c)
      for (std::size_t k = 0; k < 4; ++k) out[c * out_stride + r + k] = in[(r + k) * in_stride + c];
  }
  for (; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) out[c * out_stride + r] = in[r * in_stride + c];
}

void transpose_copy_baseline(const double* __restrict in, std::size_t in_stride, std::size_t rows,
                             std::size_t cols, double* __restrict out, std::size_t out_stride) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) out[c * out_stride + r] = in[r * in_stride + c];
}

bool have_avx2() {
  static const bool supported = __builtin_cpu_supports("avx2");
  return supported;
}

void transpose_copy(const double* in, std::size_t in_stride, std::size_t rows, std::size_t cols, double* out,
                    std::size_t out_stride) {
  if (have_avx2())
    transpose_copy_avx2(in, in_stride, rows, cols, out, out_stride);
  else
    transpose_copy_baseline(in, in_stride, rows, cols, out, out_stride);
}

}  // namespace

void multiply_over_trials(const SparseMatrix& A, const double* in, std::size_t trials, double* out,
                          const DenseColumns* dense) {
  if (have_avx2())
    multiply_avx2(A, dense, in, trials, out);
  else
    multiply_baseline(A, dense, in, trials, out);
}

DenseColumns dense_columns(const SparseMatrix& A) {
  DenseColumns D;
  D.rows = A.rows;
  D.cols = A.cols;
  D.padded_rows = (A.rows + 3) / 4 * 4;
  // A dense column costs about a third of a stored entry's indexed multiply-add per row.
  if (A.value.size() * 12 >= A.rows * A.cols && A.rows > 0) {
    D.value.assign(D.cols * D.padded_rows, 0.0);
    refresh_dense_columns(A, D);
  }
  return D;
}

void refresh_dense_columns(const SparseMatrix& A, DenseColumns& D) {
  if (!D.used()) return;
  for (std::size_t i = 0; i < A.rows; ++i)
    for (std::size_t e = A.row_start[i]; e < A.row_start[i + 1]; ++e)
      D.value[A.col[e] * D.padded_rows + i] = A.value[e];
}

void to_population_major(const double* in, std::size_t stride, std::size_t n, std::size_t trials,
                         double* out) {
  transpose_copy(in, stride, trials, n, out, trials);
}

void to_trial_major(const double* in, std::size_t n, std::size_t trials, double* out) {
  transpose_copy(in, trials, n, trials, out, n);
}

SparseMatrix transpose(const SparseMatrix& A, std::vector<std::size_t>& source) {
  SparseMatrix t;
  t.rows = A.cols;
  t.cols = A.rows;
  t.row_start.assign(A.cols + 1, 0);
  for (std::size_t c : A.col) ++t.row_start[c + 1];
  for (std::size_t j = 0; j < A.cols; ++j) t.row_start[j + 1] += t.row_start[j];
  const std::size_t entries = A.value.size();
  t.col.resize(entries);
  t.value.resize(entries);
  source.resize(entries);
  std::vector<std::size_t> next(t.row_start.begin(), t.row_start.end() - 1);
  for (std::size_t i = 0; i < A.rows; ++i)  // rows in increasing order: each row of A^T sorted by i
    for (std::size_t e = A.row_start[i]; e < A.row_start[i + 1]; ++e) {
      const std::size_t slot = next[A.col[e]]++;
      t.col[slot] = i;
      t.value[slot] = A.value[e];
      source[slot] = e;
    }
  return t;
}

}  // namespace neurode::models
