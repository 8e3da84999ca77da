// The winner-take-all metrics (train/wta_metrics.hpp) on hand-made trajectory pairs whose values
// are known in closed form.
#include <gtest/gtest.h>

#include <cmath>

#include "train/wta_metrics.hpp"

namespace neurode {
namespace {

// Observations every 10 ms from 0 to 0.15 s (16 times). Targets: A (the winner) 0 before the
// stimulus, 4 Hz during it, 2 Hz after; B (the loser) 1 Hz before and 0.5 Hz from the stimulus on.
struct Pair {
  std::vector<double> times, targets, rates, weights;
  Pair() {
    for (int k = 0; k <= 15; ++k) {
      const double t = 0.01 * k;
      times.push_back(t);
      const double a = t < 0.05 - 1e-9 ? 0.0 : (t < 0.10 - 1e-9 ? 4.0 : 2.0);
      const double b = t < 0.05 - 1e-9 ? 1.0 : 0.5;
      targets.insert(targets.end(), {a, b});
      weights.push_back(1.0);
    }
    rates = targets;
  }
};

TEST(WtaMetrics, AnExactFitHasR2OneAndTheTargetsOwnValues) {
  const Pair p;
  const auto m = train::wta_metrics(p.times, p.rates, p.targets, p.weights, 0, {});
  EXPECT_DOUBLE_EQ(m.r2, 1.0);
  // Loser over the stimulus's second half [0.075, 0.1): t = 0.08, 0.09 -> 0.5 Hz.
  EXPECT_DOUBLE_EQ(m.loser_rate_Hz, 0.5);
  EXPECT_DOUBLE_EQ(m.target_loser_rate_Hz, 0.5);
  // Winner from 0.11 s to the end: 2 Hz.
  EXPECT_DOUBLE_EQ(m.winner_persistent_Hz, 2.0);
  EXPECT_DOUBLE_EQ(m.target_winner_persistent_Hz, 2.0);
}

// Rates that are the targets' mean everywhere fit nothing (R^2 = 0); a constant offset c leaves
// R^2 = 1 - c^2 / var; the windows read the rates, not the targets.
TEST(WtaMetrics, R2AndWindowsOfKnownTrajectories) {
  const Pair p;
  double mean = 0, var = 0;
  for (double x : p.targets) mean += x / 32.0;
  for (double x : p.targets) var += (x - mean) * (x - mean) / 32.0;
  auto flat = p.targets;
  for (double& x : flat) x = mean;
  EXPECT_NEAR(train::wta_metrics(p.times, flat, p.targets, p.weights, 0, {}).r2, 0.0, 1e-14);
  auto offset = p.targets;
  for (double& x : offset) x += 0.3;
  const auto m = train::wta_metrics(p.times, offset, p.targets, p.weights, 0, {});
  EXPECT_NEAR(m.r2, 1.0 - 0.09 / var, 1e-12);
  EXPECT_NEAR(m.loser_rate_Hz, 0.8, 1e-14);
  EXPECT_NEAR(m.winner_persistent_Hz, 2.3, 1e-14);
  // B declared the winner: the roles swap (A late in the stimulus 4.3 Hz, B after it 0.8 Hz).
  const auto swapped = train::wta_metrics(p.times, offset, p.targets, p.weights, 1, {});
  EXPECT_NEAR(swapped.loser_rate_Hz, 4.3, 1e-14);
  EXPECT_NEAR(swapped.winner_persistent_Hz, 0.8, 1e-14);
}

// Observations with weight 0 (the WTA task's extra stimulus-end time) do not count for the fit.
TEST(WtaMetrics, UnweightedObservationsAreLeftOutOfTheFit) {
  Pair p;
  p.rates[2 * 3] += 100.0;  // a wild value at t = 0.03
  p.weights[3] = 0.0;
  EXPECT_DOUBLE_EQ(train::wta_metrics(p.times, p.rates, p.targets, p.weights, 0, {}).r2, 1.0);
}

TEST(WtaMetrics, InconsistentInputIsRefused) {
  const Pair p;
  EXPECT_THROW(train::wta_metrics(p.times, std::vector<double>(3), p.targets, p.weights, 0, {}),
               std::invalid_argument);
  EXPECT_THROW(train::wta_metrics(p.times, p.rates, p.targets, p.weights, 2, {}), std::invalid_argument);
  EXPECT_THROW(train::wta_metrics(p.times, p.rates, p.targets, std::vector<double>(16, 0.0), 0, {}),
               std::invalid_argument);
}

}  // namespace
}  // namespace neurode
