#include "models/kernels/elementwise_avx.hpp"

#include <immintrin.h>
#include <sleef.h>

namespace neurode::models::kernels {
namespace {

// f over x[0, n) four at a time; the last 1 to 3 values go through f padded with zeros.
template <class F>
void apply_avx(double* x, std::size_t n, F&& f) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, f(_mm256_loadu_pd(x + i)));
  if (i < n) {
    alignas(32) double tail[4] = {0.0, 0.0, 0.0, 0.0};
    for (std::size_t k = 0; i + k < n; ++k) tail[k] = x[i + k];
    _mm256_store_pd(tail, f(_mm256_load_pd(tail)));
    for (std::size_t k = 0; i + k < n; ++k) x[i + k] = tail[k];
  }
}

}  // namespace

void tanh_in_place_avx(double* x, std::size_t n) {
  apply_avx(x, n, [](__m256d v) { return Sleef_cinz_tanhd4_u10avx(v); });
}

void sigmoid_in_place_avx(double* x, std::size_t n) {
  apply_avx(x, n, [](__m256d a) {
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d e = Sleef_cinz_expd4_u10avx(_mm256_sub_pd(_mm256_setzero_pd(), a));
    return _mm256_div_pd(one, _mm256_add_pd(one, e));
  });
}

}  // namespace neurode::models::kernels
