// A gradient without the forward states (GradientSettings::keep_forward_states = false, as in a
// training) keeps at each output only the components its loss reads, and gives bitwise the same
// loss and gradient: for each loss read-out (the rate state, the instantaneous rate f(V - a)), with
// the activity bound, for fixed steps whose outputs fall inside steps (interpolated rows), adaptive
// steps, the continuous adjoint and a batch of trials.
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>

#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"
#include "support/gradient_problems.hpp"

namespace neurode {
namespace {

using solvers::GradientMethod;
using testing::method;

struct Variant {
  const char* name;
  train::Readout readout;
  double rate_limit;
};

// random_network_problem's network and drives with a loss of the given read-out and bound.
std::unique_ptr<train::TrajectoryLoss> loss_for(const testing::GradientProblem& p, const Variant& v) {
  train::TrajectoryLossSpec spec = p.loss->spec();
  spec.readout = v.readout;
  spec.rate_limit = v.rate_limit;
  return std::make_unique<train::TrajectoryLoss>(spec);
}

solvers::GradientResult gradient(testing::GradientProblem& p, const solvers::ObservationCost& loss,
                                 const solvers::SolverSettings& solver, GradientMethod m, bool keep) {
  solvers::GradientSettings g;
  g.method = m;
  g.adjoint_solver = solver;
  g.keep_forward_states = keep;
  solvers::GradientSolver gs(*p.model, solver, g);
  auto r = gs.compute(p.times.front(), p.y0, p.times, loss);
  EXPECT_TRUE(r.forward.ok()) << r.forward.message;
  return r;
}

TEST(ObservedComponents, TrajectoryLossNamesWhatItReads) {
  auto p = testing::random_network_problem(2, 3);
  const std::size_t n = p.model->populations();
  const Variant rate{"rate", train::Readout::state_rate, std::numeric_limits<double>::infinity()};
  const auto loss = loss_for(p, rate);  // observed_components() points into it: keep it alive
  const auto* c = loss->observed_components();
  ASSERT_NE(c, nullptr);
  // Populations 16 and 20 (the last column's L2/3e and L5e): their r, in each of the 3 trials.
  std::vector<std::size_t> expected;
  for (std::size_t b = 0; b < 3; ++b)
    for (std::size_t pop : {16, 20}) expected.push_back(3 * n * b + 2 * n + pop);
  EXPECT_EQ(*c, expected);
  const Variant instantaneous{"f", train::Readout::instantaneous_rate,
                              std::numeric_limits<double>::infinity()};
  EXPECT_EQ(loss_for(p, instantaneous)->observed_components()->size(), 3u * 4u);  // V and a of 2
  const Variant bounded{"bound", train::Readout::state_rate, 50.0};
  EXPECT_EQ(loss_for(p, bounded)->observed_components()->size(), 3 * n);  // every r
}

TEST(ObservedComponents, SameLossAndGradientWithoutTheForwardStates) {
  const Variant variants[] = {
      {"rate", train::Readout::state_rate, std::numeric_limits<double>::infinity()},
      {"instantaneous", train::Readout::instantaneous_rate, std::numeric_limits<double>::infinity()},
      {"rate bound", train::Readout::state_rate, 20.0},
  };
  struct Setting {
    solvers::SolverSettings solver;
    GradientMethod method;
  };
  // Euler at 3e-4 puts most outputs (every 1 ms) inside a step: interpolated rows.
  const Setting settings[] = {
      {method("euler", false, 3e-4), GradientMethod::backprop_euler},
      {method("rk4", false, 2e-4), GradientMethod::discrete},
      {method("dopri5", true, 1e-3, 1e-7), GradientMethod::discrete},
      {method("dopri5", true, 1e-3, 1e-7), GradientMethod::continuous},
  };
  for (const auto& v : variants) {
    for (const auto& s : settings) {
      auto p = testing::random_network_problem(7, 2);
      const auto loss = loss_for(p, v);
      const auto full = gradient(p, *loss, s.solver, s.method, true);
      const auto lean = gradient(p, *loss, s.solver, s.method, false);
      const std::string what = std::string(v.name) + ", " + full.method;
      EXPECT_EQ(lean.loss_per_trial, full.loss_per_trial) << what;
      EXPECT_EQ(lean.gradient, full.gradient) << what;
      EXPECT_EQ(lean.dl_dy0, full.dl_dy0) << what;
      // The lean rows are the full rows' observed components.
      const auto& c = *loss->observed_components();
      EXPECT_TRUE(full.forward.components.empty());
      ASSERT_EQ(lean.forward.components, c);
      ASSERT_EQ(lean.forward.state_size, c.size());
      ASSERT_EQ(lean.forward.valid_rows, full.forward.valid_rows);
      for (std::size_t k = 0; k < full.forward.valid_rows; ++k)
        for (std::size_t j = 0; j < c.size(); ++j)
          ASSERT_EQ(lean.forward.state(k)[j], full.forward.state(k)[c[j]]) << what << ", row " << k;
    }
  }
}

TEST(ObservedComponents, IntegratorRefusesAComponentOutsideTheState) {
  auto p = testing::random_network_problem(1);
  solvers::Integrator integrator(*p.model, method("rk4", false, 1e-4));
  EXPECT_THROW(integrator.solve(0.0, p.y0, {0.001}, nullptr, {0, p.y0.size()}), std::invalid_argument);
}

}  // namespace
}  // namespace neurode
