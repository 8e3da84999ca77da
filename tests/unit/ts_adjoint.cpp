// PETSc's TSAdjoint as a gradient method (gradient: tsadjoint): equal to neurode's exact discrete
// adjoint for fixed-step Runge-Kutta, exact for Crank-Nicolson and backward Euler against central
// finite differences of their own loss, and refused where PETSc 3.18 is wrong or has no adjoint.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "solvers/gradient.hpp"
#include "solvers/ts_adjoint.hpp"
#include "support/finite_differences.hpp"
#include "support/gradient_problems.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

using solvers::GradientMethod;
using testing::method;

solvers::GradientResult gradient(testing::GradientProblem& p, const solvers::SolverSettings& solver,
                                 GradientMethod m) {
  return testing::gradient_of(p, solver, m);
}
using testing::loss_of;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// The reference case gradient_wta.h5 (15 s, three forcing segments, 1501 observations): PETSc's
// adjoint of RK4 against neurode's own adjoint of the same steps.
TEST(TsAdjoint, Rk4EqualsTheDiscreteAdjointOnTheReferenceWta) {
  auto p = testing::reference_wta_problem();
  const auto solver = method("rk4", false, 1e-4);
  const auto mine = gradient(p, solver, GradientMethod::discrete);
  const auto petsc = gradient(p, solver, GradientMethod::tsadjoint);
  EXPECT_NE(petsc.method.find("PETSc TSAdjoint of rk/4"), std::string::npos) << petsc.method;
  EXPECT_NEAR(petsc.loss(), mine.loss(), 1e-12 * mine.loss());
  EXPECT_EQ(petsc.forward.statistics.steps, mine.forward.statistics.steps);
  EXPECT_LT(testing::max_relative_error(petsc.summed_gradient(), mine.summed_gradient()), 1e-8);
  EXPECT_LT(testing::max_relative_error(petsc.dl_dy0, mine.dl_dy0), 1e-8);
  // Both are the gradient of the RK4 solution, which at this step is the reference's to 1e-5.
  io::Hdf5File file(testing::reference_path("gradient_wta.h5"), io::Hdf5File::Mode::read);
  EXPECT_TRUE(testing::all_close(petsc.summed_gradient(), file.read("dL_dW").values, 1e-5, 0.0));
}

// A batch of two trials with per-trial gradient rows, three segments, observations on the grid.
// (dopri5 and rk8 are refused: PETSc's adjoint of their stages with zero weight is wrong.)
TEST(TsAdjoint, FixedStepRungeKuttaEqualsTheDiscreteAdjointPerTrial) {
  for (const char* name : {"euler", "rk4", "bs3"}) {
    auto p = testing::random_network_problem(3, 2, true);
    const auto solver = method(name, false, 2e-4);
    const auto mine = gradient(p, solver, GradientMethod::discrete);
    const auto petsc = gradient(p, solver, GradientMethod::tsadjoint);
    ASSERT_EQ(petsc.gradient.size(), mine.gradient.size()) << name;
    EXPECT_EQ(petsc.gradient_rows, 2u);
    EXPECT_LT(testing::max_relative_error(petsc.gradient, mine.gradient), 1e-9) << name;
    EXPECT_NEAR(petsc.loss(), mine.loss(), 1e-12 * mine.loss()) << name;
  }
}

// The theta methods have no discrete adjoint of neurode's own: PETSc's is checked against central
// differences of the same method's loss (Newton converged far below the differences' error).
TEST(TsAdjoint, ThetaMethodsMatchFiniteDifferencesOfTheirOwnLoss) {
  for (const char* name : {"cn", "beuler"}) {
    auto p = testing::random_network_problem(5, 1, true);
    const auto solver = method(name, false, 2e-4);
    const auto petsc = gradient(p, solver, GradientMethod::tsadjoint);
    EXPECT_NEAR(petsc.loss(), loss_of(p, solver), 1e-9 * petsc.loss()) << name;
    const auto fd = testing::richardson_gradient(
        *p.model, [&] { return loss_of(p, solver); }, 1e-4);
    double largest = 0;
    for (double v : fd) largest = std::max(largest, std::abs(v));
    EXPECT_TRUE(testing::all_close(petsc.summed_gradient(), fd, 1e-6, 1e-7 * largest)) << name;
  }
}

TEST(TsAdjoint, RefusesWherePetscIsWrongOrHasNoAdjoint) {
  auto p = testing::random_network_problem(1);
  const auto refused = [&](const solvers::SolverSettings& s) {
    return message_of([&] {
      solvers::GradientSettings g;
      g.method = GradientMethod::tsadjoint;
      solvers::GradientSolver gs(*p.model, s, g);
    });
  };
  EXPECT_NE(refused(method("dopri5", true, 1e-4, 1e-6)).find("use gradient: discrete"), std::string::npos);
  // At a fixed step too (measured: 2e-4 and 4e-5 relative errors in the parameter gradient).
  EXPECT_NE(refused(method("dopri5", false, 1e-4)).find("wrong parameter gradients"), std::string::npos);
  EXPECT_NE(refused(method("rk8", false, 1e-4)).find("wrong parameter gradients"), std::string::npos);
  EXPECT_NE(refused(method("bdf", true, 1e-4, 1e-6)).find("no adjoint"), std::string::npos);
  EXPECT_NE(refused(method("arkimex", true, 1e-4, 1e-6)).find("gradient: continuous"), std::string::npos);
  EXPECT_EQ(solvers::parse_gradient_method("tsadjoint"), GradientMethod::tsadjoint);
}

TEST(TsAdjoint, RefusesOutputTimesOffTheStepGrid) {
  auto q = testing::random_network_problem(1);
  solvers::GradientSettings g;
  g.method = GradientMethod::tsadjoint;
  solvers::GradientSolver gs(*q.model, method("rk4", false, 2e-4), g);
  const std::string message = message_of([&] { gs.compute(0.0, q.y0, {0.0, 0.00105, 0.04}, *q.loss); });
  EXPECT_NE(message.find("output time 0.00105"), std::string::npos) << message;
  EXPECT_NE(message.find("not on the grid"), std::string::npos) << message;
}

}  // namespace
}  // namespace neurode
