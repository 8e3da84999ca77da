// L-BFGS (train/lbfgs.hpp): it minimises what it should, in either coordinate system, backs off
// from points where the model fails, and resumes from its saved state with the same bits.
#include "train/lbfgs.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "train/trainer.hpp"

namespace neurode::train {
namespace {

OptimizerSettings lbfgs(double trust, const char* update = "additive") {
  OptimizerSettings s;
  s.type = "lbfgs";
  s.learning_rate = trust;
  s.update = update;
  return s;
}

// Rosenbrock's valley: the textbook test that plain gradient descent crawls along.
std::pair<double, std::vector<double>> rosenbrock(const std::vector<double>& p) {
  const double x = p[0], y = p[1];
  return {(1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x),
          {-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)}};
}

void no_constraints(std::vector<double>&) {}

TEST(Lbfgs, MinimisesRosenbrocksFunction) {
  Lbfgs optimiser(lbfgs(1.0), 2);
  std::vector<double> p{-1.2, 1.0};
  int evaluations = 0;
  for (int k = 0; k < 100; ++k) evaluations += optimiser.iterate(p, rosenbrock, no_constraints).evaluations;
  EXPECT_NEAR(p[0], 1.0, 1e-8);
  EXPECT_NEAR(p[1], 1.0, 1e-8);
  EXPECT_LT(evaluations, 200);  // Adam at any fixed rate needs thousands of steps here
}

TEST(Lbfgs, MultiplicativeUpdatesKeepSignsAndZeros) {
  // L = sum_i (log|p_i| - log t_i)^2 over p of mixed signs, with one weight at 0.
  const std::vector<double> target{0.01, -300.0, 2.0, 0.0};
  const auto loss = [&](const std::vector<double>& p) {
    double l = 0;
    std::vector<double> g(4, 0.0);
    for (int i = 0; i < 3; ++i) {
      const double r = std::log(std::abs(p[i])) - std::log(std::abs(target[i]));
      l += r * r;
      g[i] = 2 * r / p[i];
    }
    return std::make_pair(l, g);
  };
  Lbfgs optimiser(lbfgs(2.0, "multiplicative"), 4);
  std::vector<double> p{1.0, -1.0, 1.0, 0.0};
  for (int k = 0; k < 30; ++k) optimiser.iterate(p, loss, no_constraints);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(p[i] / target[i], 1.0, 1e-8) << i;
  EXPECT_EQ(p[3], 0.0);
}

TEST(Lbfgs, TheTrustBoundLimitsTheFirstStep) {
  Lbfgs optimiser(lbfgs(0.01), 2);
  std::vector<double> p{-1.2, 1.0};
  optimiser.iterate(p, rosenbrock, no_constraints);
  EXPECT_LE(std::abs(p[0] + 1.2), 0.01 + 1e-15);
  EXPECT_LE(std::abs(p[1] - 1.0), 0.01 + 1e-15);
  EXPECT_LT(rosenbrock(p).first, rosenbrock({-1.2, 1.0}).first);
}

TEST(Lbfgs, BacksOffFromPointsWhereTheSolveFails) {
  // Beyond x = 0.5 the "model" fails to integrate: the search must stay below it.
  const auto failing = [](const std::vector<double>& p) {
    if (p[0] > 0.5) throw TrainingFailure("diverged");
    return std::make_pair((p[0] - 1) * (p[0] - 1), std::vector<double>{2 * (p[0] - 1)});
  };
  Lbfgs optimiser(lbfgs(10.0), 1);
  std::vector<double> p{0.0};
  const auto iteration = optimiser.iterate(p, failing, no_constraints);
  EXPECT_TRUE(iteration.moved);
  EXPECT_GT(p[0], 0.0);
  EXPECT_LE(p[0], 0.5);
  EXPECT_GT(iteration.evaluations, 2);  // the start, failed trial points, the accepted one
}

TEST(Lbfgs, ResumesFromItsStateWithTheSameBits) {
  Lbfgs straight(lbfgs(1.0), 2);
  std::vector<double> a{-1.2, 1.0};
  for (int k = 0; k < 20; ++k) straight.iterate(a, rosenbrock, no_constraints);

  Lbfgs first(lbfgs(1.0), 2);
  std::vector<double> b{-1.2, 1.0};
  for (int k = 0; k < 8; ++k) first.iterate(b, rosenbrock, no_constraints);
  const std::vector<double> saved = first.state();
  ASSERT_EQ(saved.size(), Lbfgs::state_size(2, 10));
  Lbfgs resumed(lbfgs(1.0), 2);
  resumed.restore(saved);
  for (int k = 8; k < 20; ++k) resumed.iterate(b, rosenbrock, no_constraints);
  EXPECT_EQ(a, b);
  EXPECT_THROW(resumed.restore(std::vector<double>(3, 0.0)), std::invalid_argument);
  // A damaged state whose counters would index outside the history of 10 pairs is refused.
  for (const auto& [slot, value] :
       std::vector<std::pair<std::size_t, double>>{{0, 11}, {1, 10}, {1, 0.5}, {2, 2}}) {
    std::vector<double> damaged = saved;
    damaged[slot] = value;
    EXPECT_THROW(resumed.restore(damaged), std::invalid_argument) << slot << " = " << value;
  }
}

TEST(Lbfgs, ProjectsTrialPointsOntoTheConstraints) {
  // Minimum at x = -1, constraint x >= 0: the accepted points stay feasible and reach 0.
  const auto loss = [](const std::vector<double>& p) {
    return std::make_pair((p[0] + 1) * (p[0] + 1), std::vector<double>{2 * (p[0] + 1)});
  };
  const auto nonnegative = [](std::vector<double>& p) { p[0] = std::max(p[0], 0.0); };
  Lbfgs optimiser(lbfgs(10.0), 1);
  std::vector<double> p{3.0};
  for (int k = 0; k < 5; ++k) optimiser.iterate(p, loss, nonnegative);
  EXPECT_EQ(p[0], 0.0);
}

}  // namespace
}  // namespace neurode::train
