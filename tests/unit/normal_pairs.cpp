// Bulk normals for the Wiener paths (models/normal_pairs.hpp): the vector code equals the portable
// code bit for bit, both agree with libm's Box-Muller (RandomStream::normal_pair) to a few ulp, and
// the draws have a normal distribution's moments and tails.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "models/kernels/normal_pairs.hpp"

namespace neurode {
namespace {

using models::RandomStream;

TEST(NormalPairs, VectorCodeEqualsThePortableCodeBitForBit) {
  if (!models::detail::normal_pairs_vectorised()) GTEST_SKIP() << "no AVX2 on this CPU: one code path only";
  const RandomStream stream(12345, models::RandomDomain::brownian_path, 77);
  for (std::size_t pairs : {1, 3, 4, 5, 8, 1001}) {            // whole groups of 4 and tails
    for (std::uint64_t first : {0ull, 3ull, 4294967294ull}) {  // the counter's low word wrapping
      std::vector<double> vector_code(2 * pairs), portable(2 * pairs);
      models::normal_pairs(stream, first, pairs, vector_code.data());
      models::detail::normal_pairs_portable(stream, first, pairs, portable.data());
      ASSERT_EQ(vector_code, portable) << pairs << " pairs from block " << first;
    }
  }
}

TEST(NormalPairs, AgreeWithLibmBoxMuller) {
  const RandomStream stream(3, models::RandomDomain::brownian_path, 5);
  const std::size_t pairs = 20000;
  std::vector<double> out(2 * pairs);
  models::normal_pairs(stream, 0, pairs, out.data());
  double worst = 0;
  for (std::size_t i = 0; i < pairs; ++i) {
    const auto [c, s] = stream.normal_pair(i);
    worst = std::max({worst, std::abs(out[2 * i] - c), std::abs(out[2 * i + 1] - s)});
  }
  std::printf("largest difference from libm: %.3g\n", worst);
  EXPECT_LT(worst, 1e-14);
}

TEST(NormalPairs, HaveTheMomentsAndTailsOfAStandardNormal) {
  const RandomStream stream(8, models::RandomDomain::brownian_path, 0);
  const std::size_t pairs = 500000, n = 2 * pairs;
  std::vector<double> z(n);
  models::normal_pairs(stream, 0, pairs, z.data());
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0, beyond3 = 0, products = 0;
  for (std::size_t i = 0; i < n; ++i) {
    m1 += z[i];
    m2 += z[i] * z[i];
    m3 += z[i] * z[i] * z[i];
    m4 += z[i] * z[i] * z[i] * z[i];
    beyond3 += std::abs(z[i]) > 3.0 ? 1.0 : 0.0;
    if (i % 2 == 0) products += z[i] * z[i + 1];  // the two normals of one block: independent
  }
  const double N = static_cast<double>(n);
  EXPECT_NEAR(m1 / N, 0.0, 5 / std::sqrt(N));
  EXPECT_NEAR(m2 / N, 1.0, 5 * std::sqrt(2.0 / N));
  EXPECT_NEAR(m3 / N, 0.0, 5 * std::sqrt(15.0 / N));
  EXPECT_NEAR(m4 / N, 3.0, 5 * std::sqrt(96.0 / N));
  EXPECT_NEAR(products / (N / 2), 0.0, 5 / std::sqrt(N / 2));
  const double p3 = 0.0026997960632601866;  // P(|Z| > 3)
  EXPECT_NEAR(beyond3 / N, p3, 5 * std::sqrt(p3 / N));
}

}  // namespace
}  // namespace neurode
