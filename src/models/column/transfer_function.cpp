#include "models/column/transfer_function.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace neurode::models {
namespace {

// f = (c / d) w / expm1(s) with w = -d (g x - theta) / c and s = c tanh(w) is the spec's formula
// itself, accurate to rounding wherever s != 0, and so is its derivative in the form
//   df/dw = (c / d) / expm1(s) - f c (1 - tanh^2 w) (1 + 1 / expm1(s))
// as long as |s| >= 0.1: the two terms cancel as s -> 0 (f -> 1/d, df/dw -> c / (2 d)), costing up to
// 0.2 / |s| ulp. Below |s| = 0.1 (within 0.23 mV of the singular point g x = theta, where the
// formula is 0/0) f = (1/d) h(w) q(s), with h(w) = w coth w and q(s) = s / expm1(s) as Taylor
// series, truncated where the next term is < 1e-17 relative (|w| <= |s| / c there).
constexpr double kSeriesLimitS = 0.1;

// h(w) = w coth(w) and h'(w), for |w| < 0.1.
inline void w_coth_w_series(double w, double& h, double& dh) {
  const double w2 = w * w;
  // w coth w = 1 + w^2/3 - w^4/45 + 2 w^6/945 - w^8/4725 + 2 w^10/93555
  h = 1.0 + w2 * (1.0 / 3 + w2 * (-1.0 / 45 + w2 * (2.0 / 945 + w2 * (-1.0 / 4725 + w2 * (2.0 / 93555)))));
  dh = w * (2.0 / 3 + w2 * (-4.0 / 45 + w2 * (12.0 / 945 + w2 * (-8.0 / 4725 + w2 * (20.0 / 93555)))));
}

// q(s) = s / expm1(s) and q'(s), for |s| < 0.1.
inline void s_over_expm1_series(double s, double& q, double& dq) {
  const double s2 = s * s;
  // Bernoulli series: 1 - s/2 + s^2/12 - s^4/720 + s^6/30240 - s^8/1209600
  q = 1.0 - 0.5 * s + s2 * (1.0 / 12 + s2 * (-1.0 / 720 + s2 * (1.0 / 30240 + s2 * (-1.0 / 1209600))));
  dq = -0.5 + s * (1.0 / 6 + s2 * (-4.0 / 720 + s2 * (6.0 / 30240 + s2 * (-8.0 / 1209600))));
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_pd(), which it then reports as possibly
// uninitialised (a false positive of the header, not of this code).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// ---- AVX2 + FMA: 4 lanes. ----
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
struct Ops {
  using V = __m256d;
  using M = __m256d;
  static constexpr std::size_t width = 4;
  static V set1(double a) { return _mm256_set1_pd(a); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
  static V sub(V a, V b) { return _mm256_sub_pd(a, b); }
  static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
  static V div(V a, V b) { return _mm256_div_pd(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm256_fnmadd_pd(a, b, c); }
  static V min(V a, V b) { return _mm256_min_pd(a, b); }
  static V max(V a, V b) { return _mm256_max_pd(a, b); }
  static V abs(V a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
  static V round_nearest(V a) { return _mm256_round_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V two_to(V k) {  // k integral, |k| < 1023
    const __m256i biased =
        _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k)), _mm256_set1_epi64x(1023));
    return _mm256_castsi256_pd(_mm256_slli_epi64(biased, 52));
  }
  static M less(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
  static bool any(M m) { return _mm256_movemask_pd(m) != 0; }
  static V select(M m, V a, V b) { return _mm256_blendv_pd(a, b, m); }
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, V a) { _mm256_storeu_pd(p, a); }
};
#include "models/column/transfer_lanes.inc"
}  // namespace avx2
#pragma GCC pop_options

// ---- AVX-512 (F + DQ): 8 lanes, the same operations lane by lane. ----
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
namespace avx512 {
struct Ops {
  using V = __m512d;
  using M = __mmask8;
  static constexpr std::size_t width = 8;
  static V set1(double a) { return _mm512_set1_pd(a); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
  static V sub(V a, V b) { return _mm512_sub_pd(a, b); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static V div(V a, V b) { return _mm512_div_pd(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm512_fnmadd_pd(a, b, c); }
  static V min(V a, V b) { return _mm512_min_pd(a, b); }
  static V max(V a, V b) { return _mm512_max_pd(a, b); }
  static V abs(V a) { return _mm512_abs_pd(a); }
  static V round_nearest(V a) {
    return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static V two_to(V k) {
    const __m512i biased =
        _mm512_add_epi64(_mm512_cvtepi32_epi64(_mm512_cvtpd_epi32(k)), _mm512_set1_epi64(1023));
    return _mm512_castsi512_pd(_mm512_slli_epi64(biased, 52));
  }
  static M less(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
  static bool any(M m) { return m != 0; }
  static V select(M m, V a, V b) { return _mm512_mask_blend_pd(m, a, b); }
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, V a) { _mm512_storeu_pd(p, a); }
};
#include "models/column/transfer_lanes.inc"
}  // namespace avx512
#pragma GCC pop_options
#pragma GCC diagnostic pop

bool have_avx2() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported;
}

bool have_avx512() {
  static const bool supported =
      have_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  return supported;
}

}  // namespace

TransferFunction::TransferFunction(const TransferParameters& parameters)
    : parameters_(parameters),
      inverse_d_(1.0 / parameters.noise_factor),
      dw_dx_(-parameters.noise_factor * parameters.gain / parameters.exponent_clamp) {
  if (!(parameters.gain > 0) || !(parameters.noise_factor > 0) || !(parameters.exponent_clamp > 0))
    throw std::invalid_argument("transfer function: gain, noise_factor and exponent_clamp must be positive");
}

double TransferFunction::rate(double x_mV) const { return rate_and_slope(x_mV).rate; }

RateAndSlope TransferFunction::rate_and_slope(double x_mV) const {
  const double c = parameters_.exponent_clamp;
  const double w = -parameters_.noise_factor * (parameters_.gain * x_mV - parameters_.threshold) / c;
  const double tanh_w = std::tanh(w);
  const double s = c * tanh_w;
  const double ds_dw = c * (1.0 - tanh_w * tanh_w);
  double rate, df_dw;
  if (std::abs(s) < kSeriesLimitS) {
    double h, dh, q, dq;
    w_coth_w_series(w, h, dh);
    s_over_expm1_series(s, q, dq);
    rate = inverse_d_ * (h * q);
    df_dw = inverse_d_ * (dh * q + h * (dq * ds_dw));
  } else {
    const double inverse_em1 = 1.0 / std::expm1(s);
    const double c_over_d = c * inverse_d_;
    rate = (c_over_d * w) * inverse_em1;
    df_dw = c_over_d * inverse_em1 - (rate * ds_dw) * (1.0 + inverse_em1);
  }
  return {rate, dw_dx_ * df_dw};
}

bool TransferFunction::rates_and_slopes_avx2(const double* x_mV, std::size_t n, double* rate,
                                             double* slope) const {
  if (!have_avx2()) return false;
  avx2::rates_and_slopes(parameters_, inverse_d_, dw_dx_, x_mV, n, rate, slope);
  return true;
}

bool TransferFunction::uses_avx512() { return have_avx512(); }

void TransferFunction::rates_and_slopes(const double* x_mV, std::size_t n, double* rate,
                                        double* slope) const {
  if (have_avx512()) {
    avx512::rates_and_slopes(parameters_, inverse_d_, dw_dx_, x_mV, n, rate, slope);
    return;
  }
  if (have_avx2()) {
    avx2::rates_and_slopes(parameters_, inverse_d_, dw_dx_, x_mV, n, rate, slope);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const RateAndSlope rs = rate_and_slope(x_mV[i]);
    rate[i] = rs.rate;
    slope[i] = rs.slope;
  }
}

}  // namespace neurode::models
