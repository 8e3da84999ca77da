// A block's loss and gradient with the start its trials share solved once
// (solvers/shared_prefix.hpp), against the unshared block: the same losses bit for bit with fixed
// steps and the same gradient to rounding; with adaptive steps and interpolated observations, the
// same to the tolerance; and the shared end a column task finds in its drives.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "solvers/shared_prefix.hpp"
#include "support/gradient_problems.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

constexpr std::size_t kTrials = 3;

// The random three-column network of the gradient tests, a block of 3 trials whose stimuli (on
// [10, 30) ms) differ and whose first 10 ms are silent for all; the loss observes every output
// (so the shared part's observations count too) with a per-trial target.
struct Problem {
  testing::GradientProblem block;
  std::unique_ptr<models::ColumnNetwork> one_trial;
  std::unique_ptr<train::TrajectoryLoss> loss;
  std::size_t n = 0;
};

Problem make_problem(const std::vector<double>& times) {
  Problem p;
  p.block = testing::random_network_problem(11, kTrials);
  p.block.times = times;
  const auto& net = *p.block.model;
  p.n = net.state_size() / kTrials;
  // Trial 0's drive for the prefix model (every trial's up to 10 ms).
  p.one_trial = std::make_unique<models::ColumnNetwork>(net.weights(), net.constants(),
                                                        std::vector{net.drives().front()});
  p.one_trial->set_parameters(net.parameters());
  train::TrajectoryLossSpec spec;
  spec.populations = net.weights().populations;
  spec.trials = kTrials;
  spec.kind = train::LossKind::mse;
  spec.loss_populations = {16, 20, 2};
  spec.observation_weights = train::mean_over_window(times, 0.0, times.back());
  for (std::size_t b = 0; b < kTrials; ++b)
    for (std::size_t k = 0; k < times.size(); ++k)
      for (std::size_t q = 0; q < 3; ++q) spec.targets.push_back(2.0 + q + 1.5 * static_cast<double>(b));
  p.loss = std::make_unique<train::TrajectoryLoss>(spec);
  return p;
}

struct Both {
  solvers::GradientResult unshared, shared;
};

Both compute(Problem& p, const solvers::SolverSettings& solver, double t_shared) {
  solvers::GradientSettings settings;
  settings.keep_forward_states = false;
  solvers::GradientSolver block(*p.block.model, solver, settings), prefix(*p.one_trial, solver, settings);
  Both out;
  out.unshared = block.compute(0.0, p.block.y0, p.block.times, *p.loss);
  solvers::SharedPrefixProblem shared;
  shared.t_shared = t_shared;
  shared.trial_state.assign(p.n, 0.0);
  shared.trials = kTrials;
  shared.observation_times = p.block.times;
  shared.block_cost = p.loss.get();
  out.shared = solvers::compute_with_shared_prefix(prefix, block, shared);
  EXPECT_TRUE(out.unshared.forward.ok() && out.shared.forward.ok()) << out.shared.forward.message;
  EXPECT_EQ(out.shared.gradient_rows, kTrials);
  return out;
}

std::vector<double> grid(double dt, double end) {
  std::vector<double> t;
  for (std::size_t k = 0; k * dt <= end + 1e-12; ++k) t.push_back(static_cast<double>(k) * dt);
  return t;
}

double max_relative(const std::vector<double>& a, const std::vector<double>& b) {
  double scale = 0, worst = 0;
  for (double x : b) scale = std::max(scale, std::abs(x));
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst / scale;
}

TEST(SharedPrefix, FixedStepsGiveTheSameLossesBitForBitAndTheSameGradient) {
  auto p = make_problem(grid(0.001, 0.04));  // 10 ms is an observation: it belongs to the prefix
  const auto r = compute(p, testing::method("rk4", false, 1e-4), 0.01);
  ASSERT_EQ(r.shared.loss_per_trial.size(), kTrials);
  EXPECT_EQ(
      std::memcmp(r.shared.loss_per_trial.data(), r.unshared.loss_per_trial.data(), kTrials * sizeof(double)),
      0);
  const auto shared = r.shared.summed_gradient(), unshared = r.unshared.summed_gradient();
  ASSERT_EQ(shared.size(), unshared.size());
  EXPECT_LT(max_relative(shared, unshared), 1e-12);
  // Fixed steps: the prefix's 100 and the block's 300 are the unshared block's 400.
  EXPECT_EQ(r.shared.forward.statistics.steps, r.unshared.forward.statistics.steps);
}

TEST(SharedPrefix, AdaptiveStepsWithInterpolatedObservationsAgreeToTheTolerance) {
  // Observations every 0.7 ms: 10 ms falls between two of them (the prefix gets its own last output).
  auto p = make_problem(grid(0.0007, 0.04));
  auto solver = testing::method("dopri5", true, 1e-5, 1e-9);
  solver.dense_output = true;
  const auto r = compute(p, solver, 0.01);
  EXPECT_LT(max_relative(r.shared.loss_per_trial, r.unshared.loss_per_trial), 1e-7);
  EXPECT_LT(max_relative(r.shared.summed_gradient(), r.unshared.summed_gradient()), 1e-6);
}

TEST(SharedPrefix, RefusesAnEndOutsideTheSolve) {
  auto p = make_problem(grid(0.001, 0.04));
  solvers::GradientSettings settings;
  const auto solver = testing::method("rk4", false, 1e-4);
  solvers::GradientSolver block(*p.block.model, solver, settings), prefix(*p.one_trial, solver, settings);
  solvers::SharedPrefixProblem shared;
  shared.trial_state.assign(p.n, 0.0);
  shared.trials = kTrials;
  shared.observation_times = p.block.times;
  shared.block_cost = p.loss.get();
  for (double end : {0.0, 0.04, 0.05}) {
    shared.t_shared = end;
    EXPECT_THROW(solvers::compute_with_shared_prefix(prefix, block, shared), std::invalid_argument) << end;
  }
}

}  // namespace
}  // namespace neurode
