// The IMEX split (solver.method: imex): the column model's linear decay implicit, its coupling
// explicit, by PETSc's ARKIMEX 3(2). Against the stiff reference, its order at fixed steps, its
// continuous-adjoint gradients (trainable time constants included, which move the split), and the
// refusal for a model without a split.
#include <gtest/gtest.h>

#include <cmath>

#include "io/hdf5_file.hpp"
#include "models/column/network_file.hpp"
#include "models/hopf/mlp_vector_field.hpp"
#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"
#include "support/finite_differences.hpp"
#include "support/gradient_problems.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

solvers::SolverSettings imex(bool adaptive, double dt, double tol = 1e-8) {
  solvers::SolverSettings s;
  s.method = "imex";
  s.adaptive = adaptive;
  s.dt = dt;
  s.rtol = s.atol = tol;
  return s;
}

double max_rate_error(const std::string& reference, const solvers::SolverSettings& s, long* steps = nullptr) {
  const auto net = models::load_network_file(testing::reference_path(reference));
  models::ColumnNetwork model(net.weights, net.constants, std::vector{net.drive});
  solvers::Integrator integrator(model, s);
  const auto solution = integrator.solve(0.0, net.initial_state, net.times);
  EXPECT_TRUE(solution.ok()) << solution.message;
  EXPECT_NE(solution.method.find("linear decay implicit"), std::string::npos) << solution.method;
  if (steps) *steps = solution.statistics.steps;
  io::Hdf5File file(testing::reference_path(reference), io::Hdf5File::Mode::read);
  const auto r = file.read("r").values;
  const std::size_t N = net.weights.populations;
  double e = 0;
  for (std::size_t k = 0; k < solution.times.size(); ++k)
    for (std::size_t i = 0; i < N; ++i)
      e = std::max(e, std::abs(solution.state(k)[2 * N + i] - r[k * N + i]));
  return e;
}

TEST(Imex, MatchesTheStiffReferenceAtItsTolerance) {
  EXPECT_LT(max_rate_error("stiff_60hz.h5", imex(true, 1e-6, 1e-8)), 1e-5);  // Hz; measured 2.1e-6
  EXPECT_LT(max_rate_error("wta_two_columns.h5", imex(true, 1e-6, 1e-8)), 1e-5);
}

// ARKIMEX 3(2) is third order in both parts.
TEST(Imex, IsThirdOrderAtFixedSteps) {
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  models::ColumnNetwork model(net.weights, net.constants, std::vector{net.drive});
  solvers::SolverSettings tight;
  tight.rtol = tight.atol = 1e-13;
  tight.dt = 1e-7;
  solvers::Integrator exact_integrator(model, tight);
  const auto exact = exact_integrator.solve(0.0, net.initial_state, {0.0, 0.15});
  auto error = [&](double dt) {
    solvers::Integrator integrator(model, imex(false, dt));
    const auto s = integrator.solve(0.0, net.initial_state, {0.0, 0.15});
    EXPECT_TRUE(s.ok()) << s.message;
    double e = 0;
    for (std::size_t i = 0; i < s.state_size; ++i)
      e = std::max(e, std::abs(s.state(1)[i] - exact.state(1)[i]));
    return e;
  };
  const double order = std::log2(error(2e-4) / error(1e-4));
  RecordProperty("imex_order", std::to_string(order));
  EXPECT_NEAR(order, 3.0, 0.3);
}

// The continuous adjoint of an IMEX forward solve (and IMEX backwards: lambda decays with the
// forward D), the time constants and adaptation strengths trainable: changing tau moves the split's
// diagonal, which each solve must take up. The oracle is the exact discrete adjoint of Dormand-
// Prince at 1e-11 (itself checked against finite differences in gradients.cpp).
TEST(Imex, ContinuousAdjointMatchesTheExactGradient) {
  auto p = testing::random_network_problem(5, 1, true);
  const auto r = testing::gradient_of(p, imex(true, 1e-6, 1e-9), solvers::GradientMethod::continuous);
  solvers::SolverSettings dopri5;
  dopri5.rtol = dopri5.atol = 1e-11;
  dopri5.dt = 1e-6;
  const auto exact = testing::gradient_of(p, dopri5, solvers::GradientMethod::discrete);
  const auto g = exact.summed_gradient();
  double largest = 0;
  for (double x : g) largest = std::max(largest, std::abs(x));
  EXPECT_TRUE(testing::all_close(r.summed_gradient(), g, 1e-5, 1e-6 * largest)) << r.method;
  EXPECT_NE(r.method.find("linear decay implicit"), std::string::npos) << r.method;
}

// A trainer reuses its integrator across steps: a solve after new time constants takes up the new
// decay, the same bits as a new integrator.
TEST(Imex, AReusedIntegratorTakesUpNewTimeConstants) {
  auto p = testing::random_network_problem(6, 1, true);
  const auto settings = imex(true, 1e-6, 1e-8);
  solvers::Integrator reused(*p.model, settings);
  const auto before = reused.solve(p.times.front(), p.y0, p.times);
  auto values = p.model->parameters();
  for (double& v : values) v *= 1.2;  // tau_m, tau_a among them
  p.model->set_parameters(values);
  const auto after = reused.solve(p.times.front(), p.y0, p.times);
  solvers::Integrator fresh(*p.model, settings);
  const auto expected = fresh.solve(p.times.front(), p.y0, p.times);
  ASSERT_TRUE(before.ok() && after.ok() && expected.ok());
  EXPECT_NE(before.states, after.states);
  EXPECT_EQ(after.states, expected.states);
}

TEST(Imex, RefusedForAModelWithoutADecaySplit) {
  models::MlpSpec spec;
  spec.layers = {3, 4, 2};
  models::MuForcing forcing;
  forcing.phases = {0.3};
  models::MlpVectorField model(spec, forcing, models::initial_mlp_parameters(spec, 1));
  try {
    solvers::Integrator integrator(model, imex(true, 1e-3));
    FAIL() << "expected a refusal";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no linear decay split"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace neurode
