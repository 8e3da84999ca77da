#include "models/kernels/elementwise.hpp"

#include <emmintrin.h>
#include <sleef.h>

#include "models/kernels/elementwise_avx.hpp"

namespace neurode::models::kernels {
namespace {

// f over x[0, n) two at a time; a last odd value goes through f padded with a zero.
template <class F>
void apply_sse2(double* x, std::size_t n, F&& f) {
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) _mm_storeu_pd(x + i, f(_mm_loadu_pd(x + i)));
  if (i < n) {
    alignas(16) double tail[2] = {x[i], 0.0};
    _mm_store_pd(tail, f(_mm_load_pd(tail)));
    x[i] = tail[0];
  }
}

__m128d sigmoid_sse2(__m128d a) {
  const __m128d one = _mm_set1_pd(1.0);
  const __m128d e = Sleef_cinz_expd2_u10sse2(_mm_sub_pd(_mm_setzero_pd(), a));
  return _mm_div_pd(one, _mm_add_pd(one, e));
}

}  // namespace

VectorPath best_vector_path() {
  static const VectorPath path = __builtin_cpu_supports("avx") ? VectorPath::avx : VectorPath::sse2;
  return path;
}

void tanh_in_place(double* x, std::size_t n, VectorPath path) {
  if (path == VectorPath::avx) return tanh_in_place_avx(x, n);
  apply_sse2(x, n, [](__m128d v) { return Sleef_cinz_tanhd2_u10sse2(v); });
}

void sigmoid_in_place(double* x, std::size_t n, VectorPath path) {
  if (path == VectorPath::avx) return sigmoid_in_place_avx(x, n);
  apply_sse2(x, n, sigmoid_sse2);
}

void tanh_in_place(double* x, std::size_t n) { tanh_in_place(x, n, best_vector_path()); }
void sigmoid_in_place(double* x, std::size_t n) { sigmoid_in_place(x, n, best_vector_path()); }

}  // namespace neurode::models::kernels
