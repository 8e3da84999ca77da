// The Brownian tree (models/noise/brownian_tree.hpp): the law of its increments and time integrals
// on arbitrary intervals, additivity, and the same bits whatever was asked before.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "models/noise/brownian_tree.hpp"

namespace neurode {
namespace {

using models::BrownianTree;
using models::RandomStream;

BrownianTree tree(std::uint64_t stream, std::size_t components = 1, int depth = 16) {
  return BrownianTree(RandomStream(11, models::RandomDomain::brownian_path, stream), components, 0.0, 1.0,
                      depth);
}

// E dW = 0, E dW^2 = h, E Z^2 = h^3 / 3, E dW Z = h^2 / 2 on an interval that is not dyadic, and
// two neighbouring intervals' increments uncorrelated, over 4000 paths.
TEST(BrownianTree, IncrementsAndIntegralsHaveBrownianMoments) {
  const double s = 0.123, t = 0.456, h = t - s, u = 0.789;
  const int paths = 4000;
  double mean = 0, var = 0, varZ = 0, cov = 0, lagged = 0;
  for (int p = 0; p < paths; ++p) {
    BrownianTree path = tree(static_cast<std::uint64_t>(p));
    double dW, Z, next, nextZ;
    path.increment(s, t, &dW, &Z);
    path.increment(t, u, &next, &nextZ);
    mean += dW;
    var += dW * dW;
    varZ += Z * Z;
    cov += dW * Z;
    lagged += dW * next;
  }
  mean /= paths;
  var /= paths;
  varZ /= paths;
  cov /= paths;
  lagged /= paths;
  // 4.5 standard errors: sqrt(h / n) for the mean, sqrt(2 / n) times the second moments.
  const double n = paths;
  EXPECT_LT(std::abs(mean), 4.5 * std::sqrt(h / n));
  EXPECT_NEAR(var, h, 4.5 * std::sqrt(2.0 / n) * h);
  EXPECT_NEAR(varZ, h * h * h / 3.0, 4.5 * std::sqrt(2.0 / n) * h * h * h / 3.0);
  // Var(dW Z) = E dW^2 E Z^2 + (E dW Z)^2 = h^4 / 3 + h^4 / 4.
  EXPECT_NEAR(cov, h * h / 2.0, 4.5 * std::sqrt((1.0 / 3 + 1.0 / 4) / n) * h * h);
  EXPECT_LT(std::abs(lagged), 4.5 * std::sqrt(h * (u - t) / n));
}

// On a fine interval, deep in the tree, the increments still have variance h: the conditioning
// keeps every level's law.
TEST(BrownianTree, FineIntervalsKeepTheirVariance) {
  const double h = 1.0 / 4096;
  double var = 0, varZ = 0;
  const int paths = 4000;
  for (int p = 0; p < paths; ++p) {
    BrownianTree path = tree(static_cast<std::uint64_t>(p));
    double dW, Z;
    path.increment(0.5 + 3 * h, 0.5 + 4 * h, &dW, &Z);
    var += dW * dW;
    varZ += Z * Z;
  }
  EXPECT_NEAR(var / paths, h, 4.5 * std::sqrt(2.0 / paths) * h);
  EXPECT_NEAR(varZ / paths, h * h * h / 3, 4.5 * std::sqrt(2.0 / paths) * h * h * h / 3);
}

TEST(BrownianTree, IncrementsAndIntegralsAddUpOverSplitIntervals) {
  BrownianTree path = tree(3, 4);
  const double a = 0.1, b = 0.37, c = 0.9004;
  std::vector<double> W_ab(4), Z_ab(4), W_bc(4), Z_bc(4), W_ac(4), Z_ac(4);
  path.increment(a, b, W_ab.data(), Z_ab.data());
  path.increment(b, c, W_bc.data(), Z_bc.data());
  path.increment(a, c, W_ac.data(), Z_ac.data());
  for (std::size_t j = 0; j < 4; ++j) {
    EXPECT_NEAR(W_ac[j], W_ab[j] + W_bc[j], 1e-14);
    EXPECT_NEAR(Z_ac[j], Z_ab[j] + Z_bc[j] + (c - b) * W_ab[j], 1e-14);
  }
  // Components are independent paths.
  EXPECT_NE(W_ac[0], W_ac[1]);
}

// What was asked before (a step tried and rejected, a backward pass walking back) never changes an
// answer: the same bits as from a fresh tree.
TEST(BrownianTree, AnswersDoNotDependOnEarlierQueries) {
  BrownianTree fresh = tree(5, 3);
  std::vector<double> W(3), Z(3), W2(3), Z2(3), scratch(3), scratch_Z(3);
  fresh.increment(0.25, 0.3125, W.data(), Z.data());
  BrownianTree used = tree(5, 3);
  for (double s : {0.9, 0.0, 0.6, 0.2501, 0.31})
    used.increment(s, std::min(1.0, s + 0.05), scratch.data(), scratch_Z.data());
  used.increment(0.25, 0.3125, W2.data(), Z2.data());
  EXPECT_EQ(W, W2);
  EXPECT_EQ(Z, Z2);
  // Another stream is another path.
  BrownianTree other = tree(6, 3);
  other.increment(0.25, 0.3125, W2.data(), Z2.data());
  EXPECT_NE(W, W2);
}

// dyadic_end: a point of the coarsest level with nodes no longer than the step, inside the step;
// the path there is the same as seen through any other walk (continuous across leaf starts).
TEST(BrownianTree, DyadicEndsLieInTheStepOnACoarseLevel) {
  BrownianTree path = tree(9, 2);
  for (const auto& [s, e] : std::vector<std::pair<double, double>>{{0.1, 0.13}, {0.25, 0.5}, {0.7, 0.7001}}) {
    const double end = path.dyadic_end(s, e);
    EXPECT_GT(end, s);
    EXPECT_LE(end, e);
    // On the grid of nodes no longer than e - s (within a factor 2 of it, or finer when needed).
    const double level = std::ceil(std::log2(1.0 / (e - s)));
    const double n = end * std::pow(2.0, level + 1);
    EXPECT_NEAR(n, std::round(n), 1e-6) << s << " " << e;
  }
  EXPECT_EQ(path.dyadic_end(0.25, 0.5), 0.5);
  // W just before and at a leaf start (the walk to its level only) agree to the path's continuity.
  double W1[2], Z1[2], W2[2], Z2[2];
  path.increment(0.1, 0.375, W1, Z1);
  path.increment(0.1, 0.375 - 1e-12, W2, Z2);
  for (int j = 0; j < 2; ++j) EXPECT_NEAR(W1[j], W2[j], 1e-5);
}

TEST(BrownianTree, BadArgumentsAreRefused) {
  const RandomStream stream(1, 1);
  EXPECT_THROW(BrownianTree(stream, 0, 0.0, 1.0, 10), std::invalid_argument);
  EXPECT_THROW(BrownianTree(stream, 1, 1.0, 1.0, 10), std::invalid_argument);
  EXPECT_THROW(BrownianTree(stream, 1, 0.0, 1.0, 41), std::invalid_argument);
  BrownianTree path(stream, 1, 0.0, 1.0, 4);
  double dW, Z;
  EXPECT_THROW(path.increment(0.5, 0.4, &dW, &Z), std::invalid_argument);
}

}  // namespace
}  // namespace neurode
