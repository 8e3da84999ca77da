#include "models/kernels/normal_pairs.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace neurode::models {
namespace {

using philox::kMultiplier0, philox::kMultiplier1, philox::kWeyl0, philox::kWeyl1, philox::kTwoToMinus53;

constexpr double kTwoTo21 = 2097152.0;
// ln 2 in two parts (fdlibm's): e ln2_hi is exact for every exponent e of a double.
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kHalfPi = 1.57079632679489661923;

// log m = 2 atanh(s) = 2 s + 2 s z (1/3 + z/5 + ... + z^9/21), z = s^2 <= 0.0295 for m in
// (sqrt(2)/2, sqrt(2)]; the next term is below 2e-17 relative. Highest power first (Horner).
constexpr double kAtanh[] = {1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13,
                             1.0 / 11, 1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3};
// sin t = t + t z S(z), cos t = 1 + z (-1/2 + z C(z)), z = t^2, |t| <= pi/4: Taylor to t^17 and
// t^18 (next terms below 1e-19). Highest power first.
constexpr double kSin[] = {
    1.0 / 355687428096000.0, -1.0 / 1307674368000.0, 1.0 / 6227020800.0, -1.0 / 39916800.0,
    1.0 / 362880.0,          -1.0 / 5040.0,          1.0 / 120.0,        -1.0 / 6.0};
constexpr double kCos[] = {
    -1.0 / 6402373705728000.0, 1.0 / 20922789888000.0, -1.0 / 87178291200.0, 1.0 / 479001600.0,
    -1.0 / 3628800.0,          1.0 / 40320.0,          -1.0 / 720.0,         1.0 / 24.0};

// ---- Portable code: every operation a separate IEEE operation, in the vector code's order. ----

template <std::size_t N>
double horner(const double (&c)[N], double z) {
  double acc = c[0];
  for (std::size_t i = 1; i < N; ++i) acc = acc * z + c[i];
  return acc;
}

double log_of(double x) {  // x in [2^-53, 1]
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  double e = static_cast<double>(static_cast<std::int64_t>(bits >> 52) - 1023);
  bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
  double m;
  std::memcpy(&m, &bits, sizeof m);
  if (m > kSqrt2) {
    m = m * 0.5;
    e = e + 1.0;
  }
  const double f = m - 1.0;
  const double s = f / (f + 2.0);
  const double z = s * s;
  const double two_s = s + s;
  const double log_m = two_s + two_s * (z * horner(kAtanh, z));
  return e * kLn2Hi + (log_m + e * kLn2Lo);
}

void pair_of_block(const std::array<std::uint32_t, 4>& b, double* out) {
  const double u1 = (static_cast<double>(b[1]) * kTwoTo21 + static_cast<double>(b[0] >> 11)) * kTwoToMinus53;
  const double u2 = (static_cast<double>(b[3]) * kTwoTo21 + static_cast<double>(b[2] >> 11)) * kTwoToMinus53;
  const double radius = std::sqrt(-2.0 * log_of(1.0 - u1));
  const double v = 4.0 * u2;
  const double k = std::nearbyint(v);
  const double t = (v - k) * kHalfPi;
  const double z = t * t;
  const double s = t + t * (z * horner(kSin, z));
  const double c = 1.0 + z * (-0.5 + z * horner(kCos, z));
  double cosine = c, sine = s;
  if (k == 1.0) {
    cosine = -s;
    sine = c;
  } else if (k == 2.0) {
    cosine = -c;
    sine = -s;
  } else if (k == 3.0) {
    cosine = s;
    sine = -c;
  }
  out[0] = radius * cosine;
  out[1] = radius * sine;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
// ---- AVX2: 4 blocks at a time, one per 64-bit lane (Philox's 32-bit words in the low halves). ----
// No FMA in the target: multiply and add stay separate operations, as in the portable code.
#define NEURODE_AVX2 __attribute__((target("avx2")))

template <std::size_t N>
NEURODE_AVX2 inline __m256d horner4(const double (&c)[N], __m256d z) {
  __m256d acc = _mm256_set1_pd(c[0]);
  for (std::size_t i = 1; i < N; ++i) acc = _mm256_add_pd(_mm256_mul_pd(acc, z), _mm256_set1_pd(c[i]));
  return acc;
}

// An integer below 2^52 in each 64-bit lane, as a double (exact).
NEURODE_AVX2 inline __m256d to_double(__m256i x) {
  const __m256d magic = _mm256_set1_pd(4503599627370496.0);  // 2^52
  return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(x, _mm256_castpd_si256(magic))), magic);
}

NEURODE_AVX2 inline __m256d log4(__m256d x) {
  const __m256i bits = _mm256_castpd_si256(x);
  const __m256i biased = _mm256_srli_epi64(bits, 52);
  __m256d e = _mm256_sub_pd(to_double(biased), _mm256_set1_pd(1023.0));
  __m256d m =
      _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000FFFFFFFFFFFFFll)),
                                          _mm256_set1_epi64x(0x3FF0000000000000ll)));
  const __m256d above = _mm256_cmp_pd(m, _mm256_set1_pd(kSqrt2), _CMP_GT_OQ);
  m = _mm256_blendv_pd(m, _mm256_mul_pd(m, _mm256_set1_pd(0.5)), above);
  e = _mm256_blendv_pd(e, _mm256_add_pd(e, _mm256_set1_pd(1.0)), above);
  const __m256d f = _mm256_sub_pd(m, _mm256_set1_pd(1.0));
  const __m256d s = _mm256_div_pd(f, _mm256_add_pd(f, _mm256_set1_pd(2.0)));
  const __m256d z = _mm256_mul_pd(s, s);
  const __m256d two_s = _mm256_add_pd(s, s);
  const __m256d log_m = _mm256_add_pd(two_s, _mm256_mul_pd(two_s, _mm256_mul_pd(z, horner4(kAtanh, z))));
  return _mm256_add_pd(_mm256_mul_pd(e, _mm256_set1_pd(kLn2Hi)),
                       _mm256_add_pd(log_m, _mm256_mul_pd(e, _mm256_set1_pd(kLn2Lo))));
}

NEURODE_AVX2 void normal_pairs_avx2(const RandomStream& stream, std::uint64_t first_block, std::size_t groups,
                                    double* out) {
  const std::uint64_t id = stream.stream_id(), seed = stream.seed();
  const __m256i low32 = _mm256_set1_epi64x(0xFFFFFFFFll);
  const __m256i m0 = _mm256_set1_epi64x(kMultiplier0), m1 = _mm256_set1_epi64x(kMultiplier1);
  const __m256i c2_start = _mm256_set1_epi64x(static_cast<std::uint32_t>(id));
  const __m256i c3_start = _mm256_set1_epi64x(static_cast<std::uint32_t>(id >> 32));
  // Two passes over chunks of groups, so that the out-of-order core overlaps independent groups
  // (each group's Philox rounds are one long dependent chain): the uniforms first, then the normals.
  constexpr std::size_t kChunk = 16;
  __m256d u1s[kChunk], u2s[kChunk];
  for (std::size_t chunk = 0; chunk < groups; chunk += kChunk) {
    const std::size_t count = std::min(kChunk, groups - chunk);
    for (std::size_t j = 0; j < count; ++j) {
      const std::uint64_t index = first_block + 4 * (chunk + j);
      __m256i counter =
          _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(index)), _mm256_set_epi64x(3, 2, 1, 0));
      __m256i c0 = _mm256_and_si256(counter, low32), c1 = _mm256_srli_epi64(counter, 32);
      __m256i c2 = c2_start, c3 = c3_start;
      std::uint32_t key0 = static_cast<std::uint32_t>(seed), key1 = static_cast<std::uint32_t>(seed >> 32);
      for (int round = 0; round < 10; ++round) {
        if (round > 0) {
          key0 += kWeyl0;
          key1 += kWeyl1;
        }
        const __m256i p0 = _mm256_mul_epu32(c0, m0), p1 = _mm256_mul_epu32(c2, m1);
        const __m256i next0 =
            _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1), _mm256_set1_epi64x(key0));
        const __m256i next2 =
            _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3), _mm256_set1_epi64x(key1));
        c1 = _mm256_and_si256(p1, low32);
        c3 = _mm256_and_si256(p0, low32);
        c0 = next0;
        c2 = next2;
      }
      const __m256d two21 = _mm256_set1_pd(kTwoTo21), unit = _mm256_set1_pd(kTwoToMinus53);
      u1s[j] = _mm256_mul_pd(
          _mm256_add_pd(_mm256_mul_pd(to_double(c1), two21), to_double(_mm256_srli_epi64(c0, 11))), unit);
      u2s[j] = _mm256_mul_pd(
          _mm256_add_pd(_mm256_mul_pd(to_double(c3), two21), to_double(_mm256_srli_epi64(c2, 11))), unit);
    }
    for (std::size_t j = 0; j < count; ++j) {
      const std::size_t g = chunk + j;
      const __m256d u1 = u1s[j], u2 = u2s[j];
      const __m256d radius =
          _mm256_sqrt_pd(_mm256_mul_pd(_mm256_set1_pd(-2.0), log4(_mm256_sub_pd(_mm256_set1_pd(1.0), u1))));
      const __m256d v = _mm256_mul_pd(_mm256_set1_pd(4.0), u2);
      const __m256d k = _mm256_round_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const __m256d t = _mm256_mul_pd(_mm256_sub_pd(v, k), _mm256_set1_pd(kHalfPi));
      const __m256d z = _mm256_mul_pd(t, t);
      const __m256d s = _mm256_add_pd(t, _mm256_mul_pd(t, _mm256_mul_pd(z, horner4(kSin, z))));
      const __m256d c = _mm256_add_pd(
          _mm256_set1_pd(1.0),
          _mm256_mul_pd(z, _mm256_add_pd(_mm256_set1_pd(-0.5), _mm256_mul_pd(z, horner4(kCos, z)))));
      // Quadrant k (4 is 0): 1 -> (-s, c), 2 -> (-c, -s), 3 -> (s, -c).
      const __m256d is1 = _mm256_cmp_pd(k, _mm256_set1_pd(1.0), _CMP_EQ_OQ);
      const __m256d is2 = _mm256_cmp_pd(k, _mm256_set1_pd(2.0), _CMP_EQ_OQ);
      const __m256d is3 = _mm256_cmp_pd(k, _mm256_set1_pd(3.0), _CMP_EQ_OQ);
      const __m256d swap = _mm256_or_pd(is1, is3);
      const __m256d sign = _mm256_set1_pd(-0.0);
      __m256d cosine = _mm256_blendv_pd(c, s, swap), sine = _mm256_blendv_pd(s, c, swap);
      cosine = _mm256_xor_pd(cosine, _mm256_and_pd(sign, _mm256_or_pd(is1, is2)));
      sine = _mm256_xor_pd(sine, _mm256_and_pd(sign, _mm256_or_pd(is2, is3)));
      const __m256d z0 = _mm256_mul_pd(radius, cosine), z1 = _mm256_mul_pd(radius, sine);
      // Interleave: out = z0[0], z1[0], z0[1], z1[1], ...
      const __m256d lo = _mm256_unpacklo_pd(z0, z1), hi = _mm256_unpackhi_pd(z0, z1);
      _mm256_storeu_pd(out + 8 * g, _mm256_permute2f128_pd(lo, hi, 0x20));
      _mm256_storeu_pd(out + 8 * g + 4, _mm256_permute2f128_pd(lo, hi, 0x31));
    }
  }
}
#undef NEURODE_AVX2
#pragma GCC diagnostic pop

}  // namespace

namespace detail {

void normal_pairs_portable(const RandomStream& stream, std::uint64_t first_block, std::size_t pairs,
                           double* out) {
  for (std::size_t i = 0; i < pairs; ++i) pair_of_block(stream.block(first_block + i), out + 2 * i);
}

bool normal_pairs_vectorised() {
  static const bool supported = __builtin_cpu_supports("avx2");
  return supported;
}

}  // namespace detail

void normal_pairs(const RandomStream& stream, std::uint64_t first_block, std::size_t pairs, double* out) {
  std::size_t done = 0;
  if (detail::normal_pairs_vectorised()) {
    done = pairs / 4 * 4;
    normal_pairs_avx2(stream, first_block, pairs / 4, out);
  }
  detail::normal_pairs_portable(stream, first_block + done, pairs - done, out + 2 * done);
}

}  // namespace neurode::models
