#include "models/transfer_function.hpp"

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
#define NEURODE_AVX2 __attribute__((target("avx2,fma")))

// Horner's scheme: poly(z, a_k, a_{k-1}, ..., a_0) = sum a_j z^j, from the highest power down.
NEURODE_AVX2 inline __m256d poly(__m256d, __m256d acc) { return acc; }
template <class... Rest>
NEURODE_AVX2 inline __m256d poly(__m256d z, __m256d acc, double next, Rest... rest) {
  return poly(z, _mm256_fmadd_pd(acc, z, _mm256_set1_pd(next)), rest...);
}

struct VectorConstants {
  __m256d one, two, sign_bit, limit_s, c, gain, threshold, minus_d_over_c, c_over_d, inverse_d, dw_dx;
};

// The vector code works on G groups of 4 points at once, statement by statement over the groups:
// each point is a long chain of dependent operations (expm1, a division, expm1, a division), and
// interleaving G independent chains in program order keeps the floating-point units busy where
// one chain would leave them waiting (G = 4: 1.8x the throughput of G = 1 on this machine,
// bench/ BM_TransferFunction).
template <int G>
struct Lanes {
  __m256d v[G];
};

#define NEURODE_EACH(j) _Pragma("GCC unroll 4") for (int j = 0; j < G; ++j)

// a + b r
NEURODE_AVX2 inline __m256d pair(__m256d r, double a, double b) {
  return _mm256_fmadd_pd(_mm256_set1_pd(b), r, _mm256_set1_pd(a));
}

// expm1 on 4 lanes per group, |x| <= 128: x = k ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, so
// that r is exact to rounding), expm1(r) = r + r^2 P(r) with P(r) = sum_j r^j / (j + 2)! for
// j <= 11 (the next term is < 2e-17 of the result), then expm1(x) = 2^k expm1(r) + (2^k - 1).
// Within 2 ulp, and exactly expm1(r) for |x| < ln2 / 2, where the relative accuracy of small
// results matters. P by Estrin's scheme (pairs, then powers r^2, r^4, r^8): 5 dependent steps
// instead of Horner's 11.
template <int G>
NEURODE_AVX2 inline Lanes<G> expm1_lanes(const Lanes<G>& x) {
  Lanes<G> out;
  NEURODE_EACH(j) {
    const __m256d k = _mm256_round_pd(_mm256_mul_pd(x.v[j], _mm256_set1_pd(1.4426950408889634)),
                                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(0x1.62e42fefa39efp-1), x.v[j]);
    r = _mm256_fnmadd_pd(k, _mm256_set1_pd(0x1.abc9e3b39803fp-56), r);
    const __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
    const __m256d b0 = _mm256_fmadd_pd(pair(r, 1.0 / 24, 1.0 / 120), r2, pair(r, 1.0 / 2, 1.0 / 6));
    const __m256d b1 =
        _mm256_fmadd_pd(pair(r, 1.0 / 40320, 1.0 / 362880), r2, pair(r, 1.0 / 720, 1.0 / 5040));
    const __m256d b2 = _mm256_fmadd_pd(pair(r, 1.0 / 479001600, 1.0 / 6227020800), r2,
                                       pair(r, 1.0 / 3628800, 1.0 / 39916800));
    const __m256d P = _mm256_fmadd_pd(b2, r8, _mm256_fmadd_pd(b1, r4, b0));
    const __m256d p = _mm256_fmadd_pd(r2, P, r);
    const __m256i biased =
        _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k)), _mm256_set1_epi64x(1023));
    const __m256d two_k = _mm256_castsi256_pd(_mm256_slli_epi64(biased, 52));
    out.v[j] = _mm256_fmadd_pd(two_k, p, _mm256_sub_pd(two_k, _mm256_set1_pd(1.0)));
  }
  return out;
}

// Near the singular point (|s| < 0.1 in some lane): f and df/dw from the series, selected in those
// lanes. Rarely needed, so kept out of line.
NEURODE_AVX2 __attribute__((noinline)) void blend_series(const VectorConstants& k, __m256d w, __m256d t,
                                                         __m256d s, __m256d s_small, __m256d& rate,
                                                         __m256d& df_dw) {
  const __m256d w2 = _mm256_mul_pd(w, w);
  const __m256d h = poly(w2, _mm256_set1_pd(2.0 / 93555), -1.0 / 4725, 2.0 / 945, -1.0 / 45, 1.0 / 3, 1.0);
  const __m256d dh =
      _mm256_mul_pd(w, poly(w2, _mm256_set1_pd(20.0 / 93555), -8.0 / 4725, 12.0 / 945, -4.0 / 45, 2.0 / 3));
  const __m256d s2 = _mm256_mul_pd(s, s);
  const __m256d q =
      _mm256_fmadd_pd(s2, poly(s2, _mm256_set1_pd(-1.0 / 1209600), 1.0 / 30240, -1.0 / 720, 1.0 / 12),
                      _mm256_fnmadd_pd(_mm256_set1_pd(0.5), s, k.one));
  const __m256d dq = _mm256_fmadd_pd(
      s, poly(s2, _mm256_set1_pd(-8.0 / 1209600), 6.0 / 30240, -4.0 / 720, 1.0 / 6), _mm256_set1_pd(-0.5));
  const __m256d ds_dw = _mm256_mul_pd(k.c, _mm256_fnmadd_pd(t, t, k.one));
  const __m256d rate_series = _mm256_mul_pd(k.inverse_d, _mm256_mul_pd(h, q));
  const __m256d df_dw_series = _mm256_mul_pd(
      k.inverse_d, _mm256_add_pd(_mm256_mul_pd(dh, q), _mm256_mul_pd(h, _mm256_mul_pd(dq, ds_dw))));
  rate = _mm256_blendv_pd(rate, rate_series, s_small);
  df_dw = _mm256_blendv_pd(df_dw, df_dw_series, s_small);
}

template <int G>
NEURODE_AVX2 inline void rate_and_slope_lanes(const VectorConstants& k, const Lanes<G>& x, Lanes<G>& rate,
                                              Lanes<G>& slope) {
  Lanes<G> w, two_w, t, s;
  NEURODE_EACH(j) {
    w.v[j] = _mm256_mul_pd(k.minus_d_over_c, _mm256_sub_pd(_mm256_mul_pd(k.gain, x.v[j]), k.threshold));
    // tanh w = E / (E + 2) with E = expm1(2 w); beyond |w| = 20, tanh w rounds to +-1, and the
    // clamp keeps E finite for any x.
    two_w.v[j] = _mm256_max_pd(_mm256_set1_pd(-40.0),
                               _mm256_min_pd(_mm256_set1_pd(40.0), _mm256_add_pd(w.v[j], w.v[j])));
  }
  const Lanes<G> E = expm1_lanes(two_w);
  NEURODE_EACH(j) {
    t.v[j] = _mm256_div_pd(E.v[j], _mm256_add_pd(E.v[j], k.two));
    s.v[j] = _mm256_mul_pd(k.c, t.v[j]);
  }
  const Lanes<G> em1 = expm1_lanes(s);
  NEURODE_EACH(j) {
    // f = (c / d) w / expm1(s); df/dw = (c / d) / expm1(s) - f c (1 - t^2) (1 + 1 / expm1(s)).
    const __m256d inverse_em1 = _mm256_div_pd(k.one, em1.v[j]);
    __m256d r = _mm256_mul_pd(_mm256_mul_pd(k.c_over_d, w.v[j]), inverse_em1);
    const __m256d ds_dw = _mm256_mul_pd(k.c, _mm256_fnmadd_pd(t.v[j], t.v[j], k.one));
    __m256d df_dw = _mm256_sub_pd(_mm256_mul_pd(k.c_over_d, inverse_em1),
                                  _mm256_mul_pd(_mm256_mul_pd(r, ds_dw), _mm256_add_pd(k.one, inverse_em1)));
    const __m256d s_small = _mm256_cmp_pd(_mm256_andnot_pd(k.sign_bit, s.v[j]), k.limit_s, _CMP_LT_OQ);
    if (_mm256_movemask_pd(s_small) != 0) blend_series(k, w.v[j], t.v[j], s.v[j], s_small, r, df_dw);
    rate.v[j] = r;
    slope.v[j] = _mm256_mul_pd(k.dw_dx, df_dw);
  }
}

#undef NEURODE_EACH

// rates_and_slopes on 4 lanes at a time: the arithmetic of rate_and_slope, the direct form in every
// lane, replaced by the series in the lanes near the singular point (the direct form's 0/0 at s = 0
// is discarded, not propagated). A tail shorter than 4 is padded, so that a point's result does not
// depend on where it sits in the array.
NEURODE_AVX2 void rates_and_slopes_avx2(const TransferParameters& p, double inverse_d, double dw_dx,
                                        const double* x, std::size_t n, double* rate, double* slope) {
  const VectorConstants k{_mm256_set1_pd(1.0),
                          _mm256_set1_pd(2.0),
                          _mm256_set1_pd(-0.0),
                          _mm256_set1_pd(kSeriesLimitS),
                          _mm256_set1_pd(p.exponent_clamp),
                          _mm256_set1_pd(p.gain),
                          _mm256_set1_pd(p.threshold),
                          _mm256_set1_pd(-p.noise_factor / p.exponent_clamp),
                          _mm256_set1_pd(p.exponent_clamp * inverse_d),
                          _mm256_set1_pd(inverse_d),
                          _mm256_set1_pd(dw_dx)};
  std::size_t i = 0;
  constexpr int G = 4;
  for (; i + 4 * G <= n; i += 4 * G) {
    Lanes<G> xs, r, d;
    for (int j = 0; j < G; ++j) xs.v[j] = _mm256_loadu_pd(x + i + 4 * j);
    rate_and_slope_lanes(k, xs, r, d);
    for (int j = 0; j < G; ++j) {
      _mm256_storeu_pd(rate + i + 4 * j, r.v[j]);
      _mm256_storeu_pd(slope + i + 4 * j, d.v[j]);
    }
  }
  // The rest one group of 4 at a time, the last one padded.
  for (; i < n; i += 4) {
    alignas(32) double xs[4] = {0, 0, 0, 0}, rs[4], ds[4];
    const std::size_t count = std::min<std::size_t>(4, n - i);
    std::copy(x + i, x + i + count, xs);
    Lanes<1> in{{_mm256_load_pd(xs)}}, r, d;
    rate_and_slope_lanes(k, in, r, d);
    _mm256_store_pd(rs, r.v[0]);
    _mm256_store_pd(ds, d.v[0]);
    std::copy(rs, rs + count, rate + i);
    std::copy(ds, ds + count, slope + i);
  }
}
#undef NEURODE_AVX2
#pragma GCC diagnostic pop

bool have_avx2() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
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

void TransferFunction::rates_and_slopes(const double* x_mV, std::size_t n, double* rate,
                                        double* slope) const {
  if (have_avx2()) {
    rates_and_slopes_avx2(parameters_, inverse_d_, dw_dx_, x_mV, n, rate, slope);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const RateAndSlope rs = rate_and_slope(x_mV[i]);
    rate[i] = rs.rate;
    slope[i] = rs.slope;
  }
}

}  // namespace neurode::models
