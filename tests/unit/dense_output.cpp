// Interpolated outputs (solver.dense_output): the interpolants' coefficients, their order of
// convergence inside steps, adaptive Dormand-Prince against the reference with outputs that are no
// longer stops, and what is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "io/hdf5_file.hpp"
#include "models/column/network_file.hpp"
#include "solvers/butcher_tableau.hpp"
#include "solvers/integrator.hpp"
#include "solvers/solver_settings.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

struct Interpolated {
  const char* method;  // neurode's name
  const char* rk_type;
  int order;  // of the interpolated state
};
void PrintTo(const Interpolated& m, std::ostream* os) { *os << m.method; }

class Interpolant : public ::testing::TestWithParam<Interpolated> {};

// b_i(1) = b_i (the interpolant ends on the step's result), b_i(0) = 0, and the order conditions
// sum b_i(theta) = theta and sum b_i(theta) c_i = theta^2 / 2 for every theta.
TEST_P(Interpolant, EndsOnTheStepAndIsConsistent) {
  const auto tableau = solvers::rk_tableau(GetParam().rk_type);
  ASSERT_TRUE(tableau.interpolant.available());
  EXPECT_EQ(tableau.interpolant.order, GetParam().order);
  std::vector<double> w(static_cast<std::size_t>(tableau.stages));
  tableau.interpolant.weights(1.0, w.data());
  for (int i = 0; i < tableau.stages; ++i) EXPECT_NEAR(w[i], tableau.b[i], 1e-15) << "stage " << i;
  tableau.interpolant.weights(0.0, w.data());
  for (double x : w) EXPECT_EQ(x, 0.0);
  for (double theta : {0.1, 0.37, 0.5, 0.81}) {
    tableau.interpolant.weights(theta, w.data());
    double sum = 0, first_moment = 0;
    for (int i = 0; i < tableau.stages; ++i) {
      sum += w[i];
      first_moment += w[i] * tableau.c[i];
    }
    EXPECT_NEAR(sum, theta, 1e-14) << theta;
    if (GetParam().order >= 2) {
      EXPECT_NEAR(first_moment, theta * theta / 2, 1e-14) << theta;
    }
  }
}

// The FSAL interpolants are C1: their slope at theta = 0 is the first stage's and at theta = 1 the
// last stage's (f at the step's end), so outputs have no kinks at step ends.
TEST(Interpolant, FsalInterpolantsMatchTheSlopesAtBothEnds) {
  for (const char* type : {"3bs", "5dp"}) {
    const auto t = solvers::rk_tableau(type);
    const std::size_t s = static_cast<std::size_t>(t.stages);
    const double e = 1e-6;
    for (const auto& [theta, expected_stage] : {std::pair{0.0, std::size_t{0}}, std::pair{1.0, s - 1}}) {
      // One-sided differences of second order: (-3 w(0) + 4 w(e) - w(2e)) / 2e, or at 1 from below.
      std::vector<double> w0(s), w1(s), w2(s);
      if (theta == 0.0) {
        t.interpolant.weights(0.0, w0.data());
        t.interpolant.weights(e, w1.data());
        t.interpolant.weights(2 * e, w2.data());
      } else {
        t.interpolant.weights(1.0, w0.data());
        t.interpolant.weights(1.0 - e, w1.data());
        t.interpolant.weights(1.0 - 2 * e, w2.data());
      }
      for (std::size_t i = 0; i < s; ++i) {
        const double slope = (theta == 0.0 ? 1.0 : -1.0) * (-3 * w0[i] + 4 * w1[i] - w2[i]) / (2 * e);
        EXPECT_NEAR(slope, i == expected_stage ? 1.0 : 0.0, 1e-8)
            << type << " stage " << i << " at " << theta;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Methods, Interpolant,
                         ::testing::Values(Interpolated{"euler", "1fe", 1}, Interpolated{"rk4", "4", 3},
                                           Interpolated{"bs3", "3bs", 3}, Interpolated{"dopri5", "5dp", 4}),
                         [](const auto& test) { return std::string(test.param.method); });

TEST(Interpolant, VernerEightHasNone) { EXPECT_FALSE(solvers::rk_tableau("8vr").interpolant.available()); }

// The two-column winner-take-all network (input jumps at 50 and 100 ms), observed at times that
// fall inside fixed steps.
class InterpolatedOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    net_ = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
    model_ = std::make_unique<models::ColumnNetwork>(net_.weights, net_.constants, std::vector{net_.drive});
    solvers::SolverSettings tight;
    tight.method = "dopri5";
    tight.rtol = tight.atol = 1e-13;
    tight.dt = 1e-7;
    exact_ = solve(tight);
  }

  solvers::Solution solve(const solvers::SolverSettings& settings) {
    solvers::Integrator integrator(*model_, settings);
    auto solution = integrator.solve(0.0, net_.initial_state, times_);
    EXPECT_TRUE(solution.ok()) << solution.message;
    return solution;
  }

  // Largest error over the outputs inside the run (the last one is its end, a step end).
  double interior_error(const solvers::SolverSettings& settings) {
    const auto s = solve(settings);
    double e = 0;
    for (std::size_t k = 1; k + 1 < times_.size(); ++k)
      for (std::size_t i = 0; i < s.state_size; ++i)
        e = std::max(e, std::abs(s.state(k)[i] - exact_.state(k)[i]));
    return e;
  }

  static solvers::SolverSettings fixed(const std::string& method, double dt, bool dense) {
    solvers::SolverSettings s;
    s.method = method;
    s.adaptive = false;
    s.dt = dt;
    s.dense_output = dense;
    return s;
  }

  double order(const std::string& method, double dt, bool dense) {
    return std::log2(interior_error(fixed(method, 2 * dt, dense)) / interior_error(fixed(method, dt, dense)));
  }

  models::NetworkFile net_;
  std::unique_ptr<models::ColumnNetwork> model_;
  // At a third of a step of 8e-4 s, which is a third or two thirds of every halved step: the
  // interpolants' error constants at theta and 1 - theta are alike (equal for the straight line).
  std::vector<double> times_ = {0.0, (46 + 1.0 / 3) * 8e-4, (91 + 1.0 / 3) * 8e-4, (152 + 1.0 / 3) * 8e-4,
                                0.15};
  solvers::Solution exact_;
};

// Inside a step the error is the step's start error plus the interpolant's own, O(h^(q+1)) for an
// interpolant of order q: RK4's and Dormand-Prince's keep their methods' orders (4 and 5),
// Bogacki-Shampine's its 3, Euler's its 1; the straight line between RK4's step ends only 2.
TEST_F(InterpolatedOutputs, KeepTheMethodsOrderInsideSteps) {
  // Measured: 1.00, 2.96, 4.06, 5.24 and 2.00 (order(m, dt) compares 2 dt with dt).
  EXPECT_NEAR(order("euler", 2e-5, true), 1.0, 0.1);
  EXPECT_NEAR(order("bs3", 5e-5, true), 3.0, 0.2);
  EXPECT_NEAR(order("rk4", 1e-4, true), 4.0, 0.3);
  EXPECT_NEAR(order("dopri5", 5e-5, true), 5.0, 0.5);
  EXPECT_NEAR(order("rk4", 1e-4, false), 2.0, 0.1);
}

// Only the outputs' components kept (a training's forward pass): the same bits as the whole rows.
TEST_F(InterpolatedOutputs, KeptComponentsEqualTheWholeRows) {
  auto s = fixed("dopri5", 4e-4, true);
  solvers::Integrator integrator(*model_, s);
  const auto whole = integrator.solve(0.0, net_.initial_state, times_);
  const std::vector<std::size_t> components = {32, 40, 3};
  const auto kept = integrator.solve(0.0, net_.initial_state, times_, nullptr, components);
  ASSERT_TRUE(kept.ok());
  for (std::size_t k = 0; k < times_.size(); ++k)
    for (std::size_t j = 0; j < components.size(); ++j)
      EXPECT_EQ(kept.state(k)[j], whole.state(k)[components[j]]) << k << " " << j;
}

// Outputs every 0.1 ms (the reference's 1501 times): with stops every step is capped at 0.1 ms;
// interpolated, Dormand-Prince takes the steps its tolerance asks for, at least 5x fewer, and its
// outputs stay at the tolerance's accuracy.
TEST(InterpolatedReference, DormandPrinceTakesFewerStepsAtTheSameAccuracy) {
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  io::Hdf5File file(testing::reference_path("wta_two_columns.h5"), io::Hdf5File::Mode::read);
  const std::vector<double> reference_rates = file.read("r").values;  // times x N
  const std::size_t N = net.weights.populations;
  // max |r - r_reference| over every output (the state is [V, a, r] of N populations each).
  const auto rate_error = [&](const solvers::Solution& s) {
    double e = 0;
    for (std::size_t k = 0; k < s.times.size(); ++k)
      for (std::size_t i = 0; i < N; ++i)
        e = std::max(e, std::abs(s.state(k)[2 * N + i] - reference_rates[k * N + i]));
    return e;
  };
  models::ColumnNetwork model(net.weights, net.constants, std::vector{net.drive});
  for (double tol : {1e-6, 1e-8}) {
    solvers::SolverSettings s;
    s.method = "dopri5";
    s.rtol = s.atol = tol;
    solvers::Integrator stops(model, s);
    s.dense_output = true;
    solvers::Integrator interpolated(model, s);
    const auto a = stops.solve(0.0, net.initial_state, net.times);
    const auto b = interpolated.solve(0.0, net.initial_state, net.times);
    ASSERT_TRUE(a.ok() && b.ok());
    const double error_a = rate_error(a), error_b = rate_error(b);
    RecordProperty("steps_stops_" + std::to_string(tol), std::to_string(a.statistics.steps));
    RecordProperty("steps_interpolated_" + std::to_string(tol), std::to_string(b.statistics.steps));
    if (tol == 1e-6) {
      EXPECT_GE(a.statistics.steps, 5 * b.statistics.steps);
    }
    EXPECT_LT(b.statistics.steps, a.statistics.steps);
    // Hz: rates of up to ~100 Hz at a relative tolerance tol
    EXPECT_LT(error_b, 100 * tol) << "tolerance " << tol << ", with stops " << error_a;
  }
}

TEST(InterpolatedRefusals, MethodsWithoutAnInterpolant) {
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  models::ColumnNetwork model(net.weights, net.constants, std::vector{net.drive});
  for (const char* method : {"rk8", "cn", "bdf"}) {
    solvers::SolverSettings s;
    s.method = method;
    s.dense_output = true;
    EXPECT_THROW(solvers::Integrator(model, s), std::invalid_argument) << method;
  }
  EXPECT_FALSE(solvers::has_dense_output("rk8"));
  EXPECT_TRUE(solvers::has_dense_output("dopri5"));
}

}  // namespace
}  // namespace neurode
