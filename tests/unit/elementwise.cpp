// models/kernels/elementwise: tanh and the sigmoid of arrays through SLEEF's deterministic vector
// functions. Against the scalar libm on a million values spread over the whole range (within
// 1 ulp of libm's, which is itself within 1 ulp), with the limits and the special values right,
// and bitwise the same on the AVX and the SSE2 paths and for every array length (the padded tail).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "models/kernels/elementwise.hpp"
#include "models/kernels/random_stream.hpp"

namespace neurode::models::kernels {
namespace {

// A million values: normal of scale 3 (the hGRU's range), then wide ones (|x| up to 800, past the
// saturation of both functions), then tiny ones (|x| down to 1e-300, where tanh x = x).
std::vector<double> test_values() {
  const RandomStream stream(21, 1);
  std::vector<double> x;
  for (std::size_t i = 0; i < 600000; ++i) x.push_back(3.0 * stream.normal(i));
  for (std::size_t i = 0; i < 300000; ++i) x.push_back(800.0 * (2.0 * stream.uniform(600000 + i) - 1.0));
  for (std::size_t i = 0; i < 100000; ++i)
    x.push_back((i % 2 ? -1.0 : 1.0) * std::pow(10.0, -300.0 * stream.uniform(900000 + i)));
  return x;
}

// Units in the last place between a and b (both finite, same sign or zero).
double ulps(double a, double b) {
  if (a == b) return 0.0;
  const double scale = std::max(std::abs(a), std::abs(b));
  return std::abs(a - b) / (std::nextafter(scale, std::numeric_limits<double>::infinity()) - scale);
}

std::vector<VectorPath> paths() {
  std::vector<VectorPath> p = {VectorPath::sse2};
  if (best_vector_path() == VectorPath::avx) p.push_back(VectorPath::avx);
  return p;
}

TEST(Elementwise, TanhIsWithinOneUlpOfLibm) {
  const auto x = test_values();
  for (const VectorPath path : paths()) {
    auto t = x;
    tanh_in_place(t.data(), t.size(), path);
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, ulps(t[i], std::tanh(x[i])));
    EXPECT_LE(worst, 2.0) << "path " << static_cast<int>(path);
  }
}

TEST(Elementwise, SigmoidIsWithinTwoUlpsOfLibm) {
  const auto x = test_values();
  for (const VectorPath path : paths()) {
    auto s = x;
    sigmoid_in_place(s.data(), s.size(), path);
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double expected = 1.0 / (1.0 + std::exp(-x[i]));
      ASSERT_GE(s[i], 0.0) << x[i];
      ASSERT_LE(s[i], 1.0) << x[i];
      if (expected > 1e-300) worst = std::max(worst, ulps(s[i], expected));
    }
    EXPECT_LE(worst, 3.0) << "path " << static_cast<int>(path);
  }
}

TEST(Elementwise, LimitsAndSpecialValues) {
  std::vector<double> t = {0.0,
                           -0.0,
                           1e3,
                           -1e3,
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()};
  auto s = t;
  tanh_in_place(t.data(), t.size());
  EXPECT_EQ(t[0], 0.0);
  EXPECT_TRUE(std::signbit(t[1]));
  EXPECT_EQ(t[2], 1.0);
  EXPECT_EQ(t[3], -1.0);
  EXPECT_EQ(t[4], 1.0);
  EXPECT_EQ(t[5], -1.0);
  sigmoid_in_place(s.data(), s.size());
  EXPECT_EQ(s[0], 0.5);
  EXPECT_EQ(s[1], 0.5);
  EXPECT_EQ(s[2], 1.0);
  EXPECT_EQ(s[3], 0.0);
  EXPECT_EQ(s[4], 1.0);
  EXPECT_EQ(s[5], 0.0);
  std::vector<double> nan = {std::numeric_limits<double>::quiet_NaN()};
  tanh_in_place(nan.data(), 1);
  EXPECT_TRUE(std::isnan(nan[0]));
}

// The same bits on both paths, and for each length 0 to 9 (every tail of both widths) the same
// bits as in the long array.
TEST(Elementwise, EveryPathAndLengthGivesTheSameBits) {
  const auto x = test_values();
  for (auto* f : {static_cast<void (*)(double*, std::size_t, VectorPath)>(tanh_in_place),
                  static_cast<void (*)(double*, std::size_t, VectorPath)>(sigmoid_in_place)}) {
    auto sse2 = x;
    f(sse2.data(), sse2.size(), VectorPath::sse2);
    if (best_vector_path() == VectorPath::avx) {
      auto avx = x;
      f(avx.data(), avx.size(), VectorPath::avx);
      EXPECT_EQ(std::memcmp(avx.data(), sse2.data(), x.size() * sizeof(double)), 0);
    }
    for (const VectorPath path : paths())
      for (std::size_t n = 0; n < 10; ++n) {
        std::vector<double> part(x.begin() + 3, x.begin() + 3 + static_cast<std::ptrdiff_t>(n));
        f(part.data(), n, path);
        for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(part[i], sse2[3 + i]) << n << " " << i;
      }
  }
}

}  // namespace
}  // namespace neurode::models::kernels
