#include "models/column/transfer_function.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "support/reference.hpp"

namespace neurode {
namespace {

TEST(TransferFunction, MatchesReferenceValuesAndSlopes) {
  io::Hdf5File file(testing::reference_path("transfer_function.h5"), io::Hdf5File::Mode::read);
  const auto x = file.read("x").values;
  const auto f = file.read("f").values;
  const auto df = file.read("df_dx").values;
  models::TransferFunction transfer;
  double worst_rate = 0, worst_slope = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto rs = transfer.rate_and_slope(x[i]);
    ASSERT_TRUE(std::isfinite(rs.rate) && std::isfinite(rs.slope)) << "x = " << x[i];
    worst_rate = std::max(worst_rate, std::abs(rs.rate - f[i]) / std::abs(f[i]));
    worst_slope = std::max(worst_slope, std::abs(rs.slope - df[i]) / std::max(std::abs(df[i]), 1e-300));
    EXPECT_EQ(transfer.rate(x[i]), rs.rate);
  }
  EXPECT_LT(worst_rate, 1e-10);
  EXPECT_LT(worst_slope, 1e-10);
}

TEST(TransferFunction, SmoothThroughTheSingularity) {
  models::TransferFunction transfer;
  const double x0 = transfer.singular_point();
  EXPECT_DOUBLE_EQ(x0, 981.0 / 48.0);
  const auto at = transfer.rate_and_slope(x0);
  EXPECT_NEAR(at.rate, 1.0 / 0.0089, 1e-12);
  EXPECT_NEAR(at.slope, 24.0, 1e-10);
  // Approaching from both sides at every scale gives the same limit, with no jump or NaN.
  for (double h = 1e-12; h <= 1e-2; h *= 10) {
    const auto left = transfer.rate_and_slope(x0 - h);
    const auto right = transfer.rate_and_slope(x0 + h);
    EXPECT_NEAR(left.rate, at.rate - 24.0 * h, 2.0 * h * h + 1e-12);
    EXPECT_NEAR(right.rate, at.rate + 24.0 * h, 2.0 * h * h + 1e-12);
    // f''(x0) is about 3.4 Hz/mV^2, so the slope moves by about 3.4 h.
    EXPECT_NEAR(left.slope, 24.0, 4.0 * h + 1e-10);
    EXPECT_NEAR(right.slope, 24.0, 4.0 * h + 1e-10);
  }
}

TEST(TransferFunction, SlopeIsTheDerivativeOfTheRate) {
  models::TransferFunction transfer;
  for (double x = -40; x < 90; x += 3.7) {
    const double h = 1e-5;
    const double fd = (transfer.rate(x + h) - transfer.rate(x - h)) / (2 * h);
    EXPECT_NEAR(transfer.rate_and_slope(x).slope, fd, 1e-6 * std::max(1.0, std::abs(fd))) << "x = " << x;
  }
}

// The array version (vector code on AVX2 machines) against the scalar one: across the series
// region (|s| < 0.1, within ~0.23 mV of the singular point) and its edges, the working range and
// huge |x|, at every position of the array (vector lanes and the padded tail).
// Points across the series region (|s| < 0.1, within ~0.23 mV of the singular point) and its
// edges, the working range and huge |x|.
std::vector<double> test_points(const models::TransferFunction& transfer) {
  const double x0 = transfer.singular_point();
  std::vector<double> x = {x0, 0.0, -0.0, 1e300, -1e300, 1e6, -1e6};
  for (double h = 1e-15; h < 1e7; h *= 1.07) {
    x.push_back(x0 + h);
    x.push_back(x0 - h);
    x.push_back(h);
    x.push_back(-h);
  }
  for (double v = -100; v <= 150; v += 0.0137) x.push_back(v);
  // |s| = 0.1 (the series limit) sits at |w| = atanh(0.1 / c), x0 -+ atanh(0.1 / c) c / (d g) mV;
  // and mixed vectors, some lanes in the series region and some not, come from the steps of 1e-6.
  const double edge = std::atanh(0.1 / 80.0) * 80.0 / (0.0089 * 48.0);
  for (double h = -1e-3; h <= 1e-3; h += 1e-6) {
    x.push_back(x0 + edge + h);
    x.push_back(x0 - edge + h);
  }
  return x;
}

TEST(TransferFunction, ArrayVersionMatchesTheScalarOne) {
  models::TransferFunction transfer;
  const std::vector<double> x = test_points(transfer);
  const double dw_dx = 0.0089 * 48.0 / 80.0;
  for (std::size_t offset = 0; offset < 4; ++offset) {
    const std::size_t n = x.size() - offset;
    std::vector<double> rate(n), slope(n);
    transfer.rates_and_slopes(x.data() + offset, n, rate.data(), slope.data());
    double worst_rate = 0, worst_slope = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto rs = transfer.rate_and_slope(x[offset + i]);
      ASSERT_TRUE(std::isfinite(rate[i]) && std::isfinite(slope[i])) << "x = " << x[offset + i];
      worst_rate = std::max(worst_rate, std::abs(rate[i] - rs.rate) / std::max(std::abs(rs.rate), 1e-300));
      // Below about -560 mV (f ~ 1e-30 Hz) the exponent clamp makes f' cross zero, as a difference
      // of terms of size f |dw/dx|; both versions are accurate relative to that size only.
      const double slope_scale = std::max(std::abs(rs.slope), std::abs(rs.rate) * dw_dx);
      worst_slope = std::max(worst_slope, std::abs(slope[i] - rs.slope) / std::max(slope_scale, 1e-300));
    }
    EXPECT_LT(worst_rate, 1e-13) << "offset " << offset;
    EXPECT_LT(worst_slope, 1e-13) << "offset " << offset;
    if (offset == 0)
      std::printf("array vs scalar, max relative difference: rate %.3g, slope %.3g\n", worst_rate,
                  worst_slope);
  }
  // One point alone (the padded tail) gives what it gives inside a full group of vectors (32
  // points with AVX-512, 16 with AVX2) or a single vector.
  double alone_rate, alone_slope;
  std::vector<double> rate(40), slope(40);
  transfer.rates_and_slopes(x.data(), 40, rate.data(), slope.data());
  for (std::size_t i = 0; i < 40; ++i) {
    transfer.rates_and_slopes(&x[i], 1, &alone_rate, &alone_slope);
    EXPECT_EQ(alone_rate, rate[i]);
    EXPECT_EQ(alone_slope, slope[i]);
  }
}

// Every length of array, so every tail (up to 4 vectors of 4 or 8 lanes after the groups of 16 or
// 32 points): each point's result is that of the point alone, bit for bit.
TEST(TransferFunction, EveryArrayLengthGivesEachPointItsOwnResult) {
  models::TransferFunction transfer;
  std::vector<double> x;
  for (std::size_t i = 0; i < 80; ++i) x.push_back(-40.0 + 1.7 * static_cast<double>(i));
  for (std::size_t n = 1; n <= x.size(); ++n) {
    std::vector<double> rate(n), slope(n);
    transfer.rates_and_slopes(x.data(), n, rate.data(), slope.data());
    for (std::size_t i = 0; i < n; ++i) {
      double r = 0, d = 0;
      transfer.rates_and_slopes(&x[i], 1, &r, &d);
      ASSERT_EQ(rate[i], r) << "n = " << n << ", point " << i;
      ASSERT_EQ(slope[i], d) << "n = " << n << ", point " << i;
    }
  }
}

// The 8-lane AVX-512 code and the 4-lane AVX2 code perform the same operations lane by lane: the
// same bits at every point, so results do not depend on the CPU's vector width (nor, through the
// padded tails, on a point's position).
TEST(TransferFunction, Avx512AndAvx2CodeGiveTheSameBits) {
  models::TransferFunction transfer;
  if (!models::TransferFunction::uses_avx512())
    GTEST_SKIP() << "no AVX-512 on this CPU: one vector code only";
  const std::vector<double> x = test_points(transfer);
  std::vector<double> rate(x.size()), slope(x.size()), rate4(x.size()), slope4(x.size());
  transfer.rates_and_slopes(x.data(), x.size(), rate.data(), slope.data());
  ASSERT_TRUE(transfer.rates_and_slopes_avx2(x.data(), x.size(), rate4.data(), slope4.data()));
  for (std::size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(rate[i], rate4[i]) << "x = " << x[i];
    ASSERT_EQ(slope[i], slope4[i]) << "x = " << x[i];
  }
}

TEST(TransferFunction, ArrayVersionMatchesTheReference) {
  io::Hdf5File file(testing::reference_path("transfer_function.h5"), io::Hdf5File::Mode::read);
  const auto x = file.read("x").values;
  const auto f = file.read("f").values;
  const auto df = file.read("df_dx").values;
  models::TransferFunction transfer;
  std::vector<double> rate(x.size()), slope(x.size());
  transfer.rates_and_slopes(x.data(), x.size(), rate.data(), slope.data());
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_LT(std::abs(rate[i] - f[i]) / std::abs(f[i]), 1e-10) << "x = " << x[i];
    EXPECT_LT(std::abs(slope[i] - df[i]) / std::max(std::abs(df[i]), 1e-300), 1e-10) << "x = " << x[i];
  }
}

TEST(TransferFunction, KnownValuesFromTheSpec) {
  models::TransferFunction transfer;
  EXPECT_NEAR(transfer.rate(0.0), 0.16, 0.01);
  EXPECT_NEAR(transfer.rate(25.0), 255.0, 1.0);
  // Finite at extreme inputs thanks to the exponent clamp.
  EXPECT_TRUE(std::isfinite(transfer.rate(1e6)));
  EXPECT_TRUE(std::isfinite(transfer.rate(-1e6)));
  EXPECT_GE(transfer.rate(-1e6), 0.0);
}

}  // namespace
}  // namespace neurode
