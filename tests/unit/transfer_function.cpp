#include "models/transfer_function.hpp"

#include <gtest/gtest.h>

#include <cmath>

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
