// Order of convergence of the fixed-step methods and tolerance proportionality of adaptive DP5,
// measured on the two-column winner-take-all network (with its input jumps at 50 and 100 ms).
#include <gtest/gtest.h>

#include <cmath>

#include "models/column/network_file.hpp"
#include "solvers/integrator.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

class Convergence : public ::testing::Test {
 protected:
  void SetUp() override {
    net_ = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
    model_ = std::make_unique<models::ColumnNetwork>(net_.weights, net_.constants, std::vector{net_.drive});
    solvers::SolverSettings tight;
    tight.method = "dopri5";
    tight.rtol = tight.atol = 1e-13;
    tight.dt = 1e-7;
    exact_ = final_state(tight);
  }

  std::vector<double> final_state(const solvers::SolverSettings& settings) {
    solvers::Integrator integrator(*model_, settings);
    const auto solution = integrator.solve(0.0, net_.initial_state, {0.0, 0.15});
    EXPECT_TRUE(solution.ok()) << solution.message;
    last_steps_ = solution.statistics.steps;
    return {solution.state(1), solution.state(1) + solution.state_size};
  }

  double error(const solvers::SolverSettings& settings) {
    const auto y = final_state(settings);
    double e = 0;
    for (std::size_t i = 0; i < y.size(); ++i) e = std::max(e, std::abs(y[i] - exact_[i]));
    return e;
  }

  static solvers::SolverSettings fixed(const std::string& method, double dt) {
    solvers::SolverSettings s;
    s.method = method;
    s.adaptive = false;
    s.dt = dt;
    return s;
  }

  models::NetworkFile net_;
  std::unique_ptr<models::ColumnNetwork> model_;
  std::vector<double> exact_;
  long last_steps_ = 0;
};

TEST_F(Convergence, EulerIsFirstOrder) {
  const double e1 = error(fixed("euler", 2e-5));
  EXPECT_EQ(last_steps_, 7500);
  const double e2 = error(fixed("euler", 1e-5));
  const double order = std::log2(e1 / e2);
  RecordProperty("euler_order", std::to_string(order));
  EXPECT_NEAR(order, 1.0, 0.1);
}

TEST_F(Convergence, Rk4IsFourthOrder) {
  const double e1 = error(fixed("rk4", 4e-4));
  const double e2 = error(fixed("rk4", 2e-4));
  const double order = std::log2(e1 / e2);
  RecordProperty("rk4_order", std::to_string(order));
  EXPECT_NEAR(order, 4.0, 0.3);
}

TEST_F(Convergence, CrankNicolsonIsSecondOrder) {
  const double e1 = error(fixed("cn", 4e-4));
  const double e2 = error(fixed("cn", 2e-4));
  EXPECT_NEAR(std::log2(e1 / e2), 2.0, 0.2);
}

TEST_F(Convergence, BackwardEulerIsFirstOrder) {
  const double e1 = error(fixed("beuler", 2e-4));
  const double e2 = error(fixed("beuler", 1e-4));
  EXPECT_NEAR(std::log2(e1 / e2), 1.0, 0.1);
}

TEST_F(Convergence, ThetaIsSecondOrderAtOneHalfAndFirstOrderElsewhere) {
  // theta = 0.5 with the end point is the trapezoidal rule (Crank-Nicolson); any other theta is
  // first order, and theta = 1 is backward Euler (PETSc's two implementations agree to rounding and
  // the nonlinear solver's tolerance, far below the discretisation error).
  auto theta = [](double value, double dt) {
    auto s = fixed("theta", dt);
    s.theta = value;
    return s;
  };
  EXPECT_NEAR(std::log2(error(theta(0.5, 4e-4)) / error(theta(0.5, 2e-4))), 2.0, 0.2);
  EXPECT_NEAR(std::log2(error(theta(0.75, 2e-4)) / error(theta(0.75, 1e-4))), 1.0, 0.15);
  const auto by_theta = final_state(theta(1.0, 2e-4)), by_beuler = final_state(fixed("beuler", 2e-4));
  double difference = 0;
  for (std::size_t i = 0; i < by_theta.size(); ++i)
    difference = std::max(difference, std::abs(by_theta[i] - by_beuler[i]));
  EXPECT_LT(difference, 1e-3 * error(fixed("beuler", 2e-4)));
}

TEST_F(Convergence, AdaptiveDopri5ErrorFollowsTheTolerance) {
  double previous = INFINITY;
  long previous_steps = 0;
  for (double tol : {1e-4, 1e-6, 1e-8, 1e-10}) {
    solvers::SolverSettings s;
    s.method = "dopri5";
    s.rtol = s.atol = tol;
    const double e = error(s);
    EXPECT_LT(e, previous) << "tol " << tol;
    EXPECT_GT(last_steps_, previous_steps);
    // Error per unit tolerance stays within a modest band (global error ~ tol for a stable problem).
    EXPECT_LT(e, 1e3 * tol) << "tol " << tol;
    previous = e;
    previous_steps = last_steps_;
  }
}

TEST(Divergence, EulerBeyondItsStabilityLimitStopsWithAMessage) {
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  models::ColumnNetwork model(net.weights, net.constants, {net.drive});
  solvers::SolverSettings s;
  s.method = "euler";
  s.adaptive = false;
  s.dt = 2e-3;  // stability limit is 2 tau_s = 1 ms
  solvers::Integrator integrator(model, s);
  const auto solution = integrator.solve(0.0, net.initial_state, net.times);
  EXPECT_EQ(solution.status, solvers::SolveStatus::diverged);
  EXPECT_LT(solution.time_reached, 0.15);
  EXPECT_NE(solution.message.find("integration stopped at t = "), std::string::npos) << solution.message;
  EXPECT_NE(solution.message.find("smaller dt"), std::string::npos);
  EXPECT_NE(solution.message.find("implicit"), std::string::npos);
  for (std::size_t k = 0; k < solution.valid_rows; ++k)
    for (std::size_t i = 0; i < solution.state_size; ++i) ASSERT_TRUE(std::isfinite(solution.state(k)[i]));
}

TEST(Divergence, StepLimitIsReported) {
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  models::ColumnNetwork model(net.weights, net.constants, {net.drive});
  solvers::SolverSettings s;
  s.method = "rk4";
  s.adaptive = false;
  s.dt = 1e-5;
  s.max_steps = 100;
  solvers::Integrator integrator(model, s);
  const auto solution = integrator.solve(0.0, net.initial_state, {0.0, 0.15});
  EXPECT_EQ(solution.status, solvers::SolveStatus::step_limit);
  EXPECT_NE(solution.message.find("step limit"), std::string::npos) << solution.message;
}

TEST(Breakpoints, StepsLandOnInputJumpsAndRk4StaysExact) {
  // With the jumps at 50 and 100 ms landed on exactly, fixed-step RK4 at 0.1 ms is accurate to
  // ~1e-9; reading the input at stage times across a jump would cost ~1e-4 (see docs/solvers.md).
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  models::ColumnNetwork model(net.weights, net.constants, {net.drive});
  solvers::SolverSettings s;
  s.method = "rk4";
  s.adaptive = false;
  s.dt = 1.3e-4;  // not a divisor of 50 ms: the jumps force shortened steps
  solvers::Integrator integrator(model, s);
  const auto solution = integrator.solve(0.0, net.initial_state, {0.0, 0.15});
  ASSERT_TRUE(solution.ok());
  io::Hdf5File ref(testing::reference_path("wta_two_columns.h5"), io::Hdf5File::Mode::read);
  const auto r = ref.read("r");
  double e = 0;
  for (std::size_t i = 0; i < 16; ++i) e = std::max(e, std::abs(solution.state(1)[32 + i] - r.at(1500, i)));
  EXPECT_LT(e, 1e-6);
}

}  // namespace
}  // namespace neurode

namespace neurode {
namespace {

// A fixed step keeps its grid whatever the outputs: an output between grid points is the linear
// interpolation of the grid states around it (the integrator keeps a step's start state only when
// an output can fall inside the step), one on a grid point is that grid state, and sparse outputs
// do not change the grid. Across the WTA input jumps at 50 and 100 ms (grid restarts).
TEST(FixedStepOutputs, OffGridOutputsInterpolateTheGridStates) {
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  models::ColumnNetwork model(net.weights, net.constants, std::vector{net.drive});
  solvers::SolverSettings settings;
  settings.method = "rk4";
  settings.adaptive = false;
  settings.dt = 1e-3;
  std::vector<double> grid_times;
  for (int k = 0; k <= 150; ++k) grid_times.push_back(1e-3 * k);
  solvers::Integrator grid_integrator(model, settings);
  const auto grid = grid_integrator.solve(0.0, net.initial_state, grid_times);
  ASSERT_TRUE(grid.ok()) << grid.message;
  const std::vector<double> sparse_times = {0.0, 0.0004, 0.0105, 0.02, 0.0499, 0.0507, 0.1, 0.13725, 0.15};
  solvers::Integrator sparse_integrator(model, settings);
  const auto sparse = sparse_integrator.solve(0.0, net.initial_state, sparse_times);
  ASSERT_TRUE(sparse.ok()) << sparse.message;
  EXPECT_EQ(sparse.statistics.steps, grid.statistics.steps);
  const std::size_t n = grid.state_size;
  for (std::size_t k = 0; k < sparse_times.size(); ++k) {
    const double t = sparse_times[k];
    const auto below = static_cast<std::size_t>(std::floor(t / 1e-3 + 1e-9));
    const double theta = t / 1e-3 - static_cast<double>(below);
    for (std::size_t i = 0; i < n; ++i) {
      const double a = grid.state(below)[i];
      const double expected =
          theta < 1e-9 ? a : (1.0 - theta) * a + theta * grid.state(std::min<std::size_t>(below + 1, 150))[i];
      EXPECT_NEAR(sparse.state(k)[i], expected, 1e-9 * std::max(1.0, std::abs(expected)))
          << "output " << t << " s, state " << i;
    }
  }
}

}  // namespace
}  // namespace neurode
