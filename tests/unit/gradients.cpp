// Gradients of trajectory losses: against the independent reference (gradient_wta.h5), against
// central finite differences of neurode's own loss, and the identities between methods.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "solvers/gradient.hpp"
#include "support/finite_differences.hpp"
#include "support/gradient_problems.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

using solvers::GradientMethod;

using testing::method;

// Gradients against central finite differences, entry by entry: |g_k - fd_k| <= kFdRtol |fd_k| +
// kFdAtol max |fd|. The absolute part is the differences' own floor: the loss (about 12 in the random
// networks) is computed to about 1e-14 and divided by steps of 1e-4 max(1, |w|), which leaves up to
// 4e-8 of the largest entry in the smallest ones (measured, exact discrete adjoints of fixed steps).
constexpr double kFdRtol = 1e-6, kFdAtol = 1e-7;
double largest(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}
::testing::AssertionResult matches_differences(const std::vector<double>& gradient,
                                               const std::vector<double>& fd, double rtol = kFdRtol) {
  return testing::all_close(gradient, fd, rtol, kFdAtol * largest(fd));
}

solvers::GradientResult gradient(testing::GradientProblem& p, const solvers::SolverSettings& solver,
                                 GradientMethod m, std::size_t checkpoint_every = 1) {
  return testing::gradient_of(p, solver, m, checkpoint_every);
}
using testing::loss_of;

// Central differences, Richardson-extrapolated over h and h/2.
std::vector<double> finite_differences(testing::GradientProblem& p, const solvers::SolverSettings& solver,
                                       double relative_step) {
  return testing::richardson_gradient(
      *p.model, [&] { return loss_of(p, solver); }, relative_step);
}

std::vector<double> reference_gradient() {
  io::Hdf5File file(testing::reference_path("gradient_wta.h5"), io::Hdf5File::Mode::read);
  return file.read("dL_dW").values;
}

// The same settings with outputs from the method's interpolant (solver.dense_output).
solvers::SolverSettings interpolated(solvers::SolverSettings s) {
  s.dense_output = true;
  return s;
}

struct Pair {
  const char* name;
  solvers::SolverSettings solver;
  GradientMethod method;
};
void PrintTo(const Pair& pair, std::ostream* os) { *os << pair.name; }

class ReferenceGradient : public ::testing::TestWithParam<Pair> {};

TEST_P(ReferenceGradient, MatchesTo1e5) {
  auto p = testing::reference_wta_problem();
  const auto r = gradient(p, GetParam().solver, GetParam().method);
  const auto expected = reference_gradient();
  const auto mine = r.summed_gradient();
  // Each entry to 1e-5 of itself; the reference's entries have 9 correct digits (its README).
  EXPECT_TRUE(testing::all_close(mine, expected, 1e-5, 0.0)) << r.method;
  io::Hdf5File file(testing::reference_path("gradient_wta.h5"), io::Hdf5File::Mode::read);
  EXPECT_NEAR(r.loss(), file.read_scalar("loss"), 1e-7 * file.read_scalar("loss"));
}

INSTANTIATE_TEST_SUITE_P(
    Methods, ReferenceGradient,
    ::testing::Values(Pair{"discrete_dopri5", method("dopri5", true, 1e-6), GradientMethod::discrete},
                      Pair{"discrete_bs3", method("bs3", true, 1e-6, 1e-11), GradientMethod::discrete},
                      Pair{"discrete_rk4", method("rk4", false, 2e-5), GradientMethod::discrete},
                      Pair{"discrete_dopri5_interpolated", interpolated(method("dopri5", true, 1e-6)),
                           GradientMethod::discrete},
                      Pair{"continuous_dopri5_interpolated", interpolated(method("dopri5", true, 1e-6)),
                           GradientMethod::continuous},
                      Pair{"continuous_dopri5", method("dopri5", true, 1e-6), GradientMethod::continuous},
                      Pair{"continuous_bdf", method("bdf", true, 1e-6, 1e-11), GradientMethod::continuous},
                      Pair{"continuous_cn", method("cn", false, 2e-6), GradientMethod::continuous},
                      Pair{"continuous_arkimex", method("arkimex", true, 1e-6, 1e-8),
                           GradientMethod::continuous}),
    [](const auto& test) { return std::string(test.param.name); });

// Forward Euler converges only to first order: at dt = 0.5 us its gradient is within 1e-3 of the
// reference, and halving dt halves the error (an exact gradient of a first-order discretisation).
TEST(ReferenceGradientEuler, BackpropEulerConvergesAtFirstOrder) {
  auto p = testing::reference_wta_problem();
  const auto expected = reference_gradient();
  const auto coarse =
      gradient(p, method("euler", false, 1e-6), GradientMethod::backprop_euler, 100).summed_gradient();
  const auto fine =
      gradient(p, method("euler", false, 5e-7), GradientMethod::backprop_euler, 100).summed_gradient();
  const double e1 = testing::max_relative_error(coarse, expected),
               e2 = testing::max_relative_error(fine, expected);
  EXPECT_LT(e2, 1e-3);
  EXPECT_NEAR(e1 / e2, 2.0, 0.2);
}

class FiniteDifferences : public ::testing::TestWithParam<Pair> {};

TEST_P(FiniteDifferences, RandomNetworksWithLateralAndFeedback) {
  for (unsigned seed : {1u, 2u}) {
    auto p = testing::random_network_problem(seed);
    ASSERT_GT(p.model->parameter_size(), 20u);
    const auto r = gradient(p, GetParam().solver, GetParam().method);
    const auto fd = finite_differences(p, GetParam().solver, 1e-4);
    EXPECT_TRUE(matches_differences(r.summed_gradient(), fd)) << r.method << ", seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Methods, FiniteDifferences,
    ::testing::Values(Pair{"discrete_euler", method("euler", false, 1e-4), GradientMethod::discrete},
                      Pair{"discrete_rk4", method("rk4", false, 2e-4), GradientMethod::discrete},
                      Pair{"discrete_bs3_fixed", method("bs3", false, 2e-4), GradientMethod::discrete},
                      Pair{"discrete_dopri5_fixed", method("dopri5", false, 2e-4), GradientMethod::discrete},
                      Pair{"continuous_dopri5", method("dopri5", true, 1e-6, 1e-11),
                           GradientMethod::continuous}),
    [](const auto& test) { return std::string(test.param.name); });

// Observations inside steps, written by the methods' interpolants (solver.dense_output): the
// discrete adjoint differentiates the interpolant exactly at fixed steps; with adaptive steps (and
// for the continuous adjoint) the gradient agrees with the differences at the tolerance.
class InterpolatedObservations : public ::testing::TestWithParam<Pair> {};

TEST_P(InterpolatedObservations, MatchFiniteDifferences) {
  for (unsigned seed : {1u, 2u}) {
    auto p = testing::random_network_problem(seed);
    // Every 1 ms as before, but half-way through a step of 2e-4 s (the last one the end time).
    for (std::size_t k = 1; k + 1 < p.times.size(); ++k) p.times[k] += 1e-4;
    const auto r = gradient(p, GetParam().solver, GetParam().method);
    ASSERT_GT(r.loss(), 1.0);  // the loss's window (20 to 40 ms) sees the shifted times
    const auto fd = finite_differences(p, GetParam().solver, 1e-4);
    EXPECT_TRUE(matches_differences(r.summed_gradient(), fd)) << r.method << ", seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Methods, InterpolatedObservations,
    ::testing::Values(
        Pair{"discrete_rk4", interpolated(method("rk4", false, 2e-4)), GradientMethod::discrete},
        Pair{"discrete_bs3_fixed", interpolated(method("bs3", false, 2e-4)), GradientMethod::discrete},
        Pair{"discrete_dopri5_fixed", interpolated(method("dopri5", false, 2e-4)), GradientMethod::discrete},
        Pair{"discrete_dopri5", interpolated(method("dopri5", true, 1e-6, 1e-11)), GradientMethod::discrete},
        Pair{"discrete_bs3", interpolated(method("bs3", true, 1e-6, 1e-10)), GradientMethod::discrete},
        Pair{"continuous_dopri5", interpolated(method("dopri5", true, 1e-6, 1e-11)),
             GradientMethod::continuous}),
    [](const auto& test) { return std::string(test.param.name); });

// The activity bound of the loss (max(0, r - limit)^2 over every population and observation) is
// part of the exact gradient: set low enough that several populations exceed it.
TEST(FiniteDifferencesRateLimit, ActivityBoundEntersTheGradient) {
  auto p = testing::random_network_problem(3, 2);
  auto spec = p.loss->spec();
  spec.rate_limit = 2.0;
  spec.rate_limit_weight = 0.5;
  const auto unbounded = gradient(p, method("rk4", false, 2e-4), GradientMethod::discrete);
  p.loss = std::make_unique<train::TrajectoryLoss>(spec);
  const auto r = gradient(p, method("rk4", false, 2e-4), GradientMethod::discrete);
  const auto fd = finite_differences(p, method("rk4", false, 2e-4), 1e-4);
  EXPECT_TRUE(matches_differences(r.summed_gradient(), fd));
  EXPECT_GT(testing::max_relative_error(r.summed_gradient(), unbounded.summed_gradient()), 1e-2);
}

TEST(FiniteDifferencesScalars, TimeConstantsAndAdaptationStrength) {
  auto p = testing::random_network_problem(8, 1, true);
  const auto labels = p.model->parameter_size();
  ASSERT_GT(labels, 5u);
  for (const auto& solver : {method("rk4", false, 2e-4), method("dopri5", false, 2e-4)}) {
    const auto r = gradient(p, solver, GradientMethod::discrete);
    const auto fd = finite_differences(p, solver, 1e-4);
    const auto mine = r.summed_gradient();
    // The scalars (tau_m, tau_a, three kappas) are the last five parameters; their gradients are
    // small (tau_a = 10 s), so each is checked against its own size, at the finite differences'
    // noise level.
    for (std::size_t k = mine.size() - 5; k < mine.size(); ++k)
      EXPECT_NEAR(mine[k], fd[k], 1e-4 * std::abs(fd[k])) << "parameter " << k;
    EXPECT_TRUE(matches_differences(mine, fd));
  }
  // The continuous adjoint of an implicit method uses the assembled parameter Jacobian.
  const auto c = gradient(p, method("bdf", true, 1e-6, 1e-10), GradientMethod::continuous);
  const auto fd = finite_differences(p, method("dopri5", true, 1e-6, 1e-11), 1e-4);
  EXPECT_TRUE(matches_differences(c.summed_gradient(), fd, 1e-4));
}

TEST(GradientIdentities, BackpropEulerIsTheDiscreteAdjointOfEuler) {
  auto p = testing::random_network_problem(3);
  const auto a = gradient(p, method("euler", false, 1e-4), GradientMethod::backprop_euler);
  const auto b = gradient(p, method("euler", false, 1e-4), GradientMethod::discrete);
  ASSERT_EQ(a.gradient.size(), b.gradient.size());
  for (std::size_t k = 0; k < a.gradient.size(); ++k) EXPECT_EQ(a.gradient[k], b.gradient[k]);
  EXPECT_NE(a.method.find("backprop-euler"), std::string::npos);
}

TEST(GradientIdentities, CheckpointingEqualsFullStorage) {
  auto p = testing::random_network_problem(4);
  const auto full = gradient(p, method("dopri5", true, 1e-6, 1e-8), GradientMethod::discrete, 1);
  const auto checkpointed = gradient(p, method("dopri5", true, 1e-6, 1e-8), GradientMethod::discrete, 16);
  EXPECT_TRUE(
      testing::all_close(checkpointed.gradient, full.gradient, 1e-12, 1e-15 * largest(full.gradient)));
  EXPECT_LT(checkpointed.trajectory_bytes * 4, full.trajectory_bytes);
}

// The continuous adjoint with a state every 16 steps recomputes each block of steps from its
// checkpoint with the forward method (two blocks held at a time): the same gradient to rounding,
// in a fraction of the memory, for a forward solve that stops at every output and for one that
// interpolates them.
TEST(GradientIdentities, ContinuousAdjointCheckpointingEqualsFullStorage) {
  auto p = testing::random_network_problem(4);
  for (bool dense : {false, true}) {
    auto solver = method("dopri5", true, 1e-6, 1e-8);
    solver.dense_output = dense;
    const auto full = gradient(p, solver, GradientMethod::continuous, 1);
    const auto checkpointed = gradient(p, solver, GradientMethod::continuous, 16);
    ASSERT_GT(full.forward.statistics.steps, 100);
    EXPECT_TRUE(
        testing::all_close(checkpointed.gradient, full.gradient, 1e-10, 1e-14 * largest(full.gradient)))
        << "dense output " << dense;
    EXPECT_LT(checkpointed.trajectory_bytes * 3, full.trajectory_bytes) << "dense output " << dense;
  }
}

TEST(GradientSupport, ContinuousCheckpointingNeedsAnExplicitForwardMethod) {
  auto p = testing::random_network_problem(4);
  solvers::GradientSettings g;
  g.method = GradientMethod::continuous;
  g.checkpoint_every = 4;
  EXPECT_THROW(solvers::GradientSolver(*p.model, method("bdf", true, 1e-6), g), std::invalid_argument);
}

TEST(GradientIdentities, BatchGivesPerTrialGradientsOfEachTrial) {
  auto batch = testing::random_network_problem(5, 3);
  const auto solver = method("rk4", false, 2e-4);
  const auto r = gradient(batch, solver, GradientMethod::discrete);
  ASSERT_EQ(r.loss_per_trial.size(), 3u);
  const std::size_t P = batch.model->parameter_size();
  ASSERT_EQ(r.gradient.size(), 3 * P);
  // Each trial's row is the gradient of that trial's own loss, not of the batch total.
  for (std::size_t b = 0; b < 3; ++b) {
    const auto fd = testing::richardson_gradient(
        *batch.model,
        [&] {
          solvers::Integrator integrator(*batch.model, solver);
          const auto s = integrator.solve(batch.times.front(), batch.y0, batch.times);
          std::vector<double> per_trial(3, 0.0);
          for (std::size_t k = 0; k < batch.times.size(); ++k)
            batch.loss->add_value(k, s.state(k), per_trial);
          return per_trial[b];
        },
        1e-4);
    const std::vector<double> row(r.gradient.begin() + static_cast<std::ptrdiff_t>(b * P),
                                  r.gradient.begin() + static_cast<std::ptrdiff_t>((b + 1) * P));
    EXPECT_TRUE(matches_differences(row, fd)) << "trial " << b;
    EXPECT_GT(r.loss_per_trial[b], 0.0);
  }
}

TEST(GradientSupport, DiscreteAdjointOfImplicitMethodsIsRefused) {
  auto p = testing::random_network_problem(6);
  solvers::GradientSettings g;
  g.method = GradientMethod::discrete;
  try {
    solvers::GradientSolver gs(*p.model, method("bdf", true, 1e-6), g);
    FAIL() << "expected a refusal";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("use gradient: continuous"), std::string::npos) << e.what();
  }
  EXPECT_THROW(solvers::parse_gradient_method("adjoint"), std::invalid_argument);
}

}  // namespace
}  // namespace neurode

namespace neurode {
namespace {

// XOR-sized network (areas [mt x2, mt x1], 72 states), 1 s with input in the second half: with a
// checkpoint every 64 steps the stored trajectory stays under 64 KiB (full storage: every step's
// state) and the gradient equals the fully stored one to 1e-12.
TEST(GradientMemory, OneSecondXorSizedRunFitsTheCheckpointBudget) {
  auto parameters = models::default_column_parameters();
  models::NetworkSpec spec;
  spec.areas = {{"mt", 2}, {"mt", 1}};
  spec.small_network = true;
  spec.feedforward = {true, true, parameters.feedforward};
  spec.input = {2, true, parameters.input_mask, parameters.input_init};
  const auto weights = models::build_network(parameters, spec);
  models::PiecewiseDrive drive;
  drive.times = {0.0, 0.5};
  drive.population_rates.assign(2, std::vector<double>(weights.populations, 0.0));
  drive.channel_values = {{0.0, 0.0}, {20.0, 0.0}};
  testing::GradientProblem p;
  p.model = std::make_unique<models::ColumnNetwork>(weights, models::ColumnConstants::from(parameters),
                                                    std::vector{drive});
  p.y0.assign(p.model->state_size(), 0.0);
  p.times = {0.0, 1.0};
  train::TrajectoryLossSpec loss;
  loss.populations = weights.populations;
  loss.loss_populations = {16};
  loss.observation_weights = train::final_time_only(2);
  loss.targets = {1.0, 1.0};
  p.loss = std::make_unique<train::TrajectoryLoss>(loss);
  const auto settings = method("dopri5", true, 1e-5, 1e-8);
  const auto full = gradient(p, settings, GradientMethod::discrete, 1);
  const auto checkpointed = gradient(p, settings, GradientMethod::discrete, 64);
  RecordProperty("steps", std::to_string(full.forward.statistics.steps));
  RecordProperty("full_bytes", std::to_string(full.trajectory_bytes));
  RecordProperty("checkpointed_bytes", std::to_string(checkpointed.trajectory_bytes));
  std::printf("1 s XOR-sized run: %ld steps, trajectory %zu bytes full, %zu bytes with checkpoint_every 64\n",
              full.forward.statistics.steps, full.trajectory_bytes, checkpointed.trajectory_bytes);
  EXPECT_LT(checkpointed.trajectory_bytes, 64u * 1024u);
  EXPECT_TRUE(
      testing::all_close(checkpointed.gradient, full.gradient, 1e-12, 1e-15 * largest(full.gradient)));
  EXPECT_GT(p.model->parameter_size(), 0u);
}

}  // namespace
}  // namespace neurode
