// A model without assembled Jacobians (Model::has_assembled_jacobian() false) runs with every
// method and gradient that needs only F and its products: explicit methods with the discrete
// adjoint, the continuous adjoint, and the implicit methods, whose Newton solves are then
// matrix-free. Asking for what it lacks (its entries, or a preconditioner built from them) is a
// std::invalid_argument naming the model and what to use instead.
#include <gtest/gtest.h>
#include <petscsys.h>

#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "models/column/network_file.hpp"
#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"
#include "support/finite_differences.hpp"
#include "support/reference.hpp"
#include "support/required_part.hpp"

namespace neurode {
namespace {

// Three states on a ring, dy_i/dt = -a y_i + b tanh(y_{i+1}) + c u(t), with u a step from 1 to
// `after` at t = 0.4 (a breakpoint): parameters (a, b, c), and only the products of its derivatives.
class RingWithoutAssembledJacobian final : public models::Model {
 public:
  explicit RingWithoutAssembledJacobian(double after = -0.5) : after_(after) {}
  std::string name() const override { return "products-only ring"; }
  std::size_t state_size() const override { return 3; }
  std::size_t parameter_size() const override { return 3; }
  const std::vector<double>& breakpoints() const override { return breakpoints_; }

  void rhs(double, std::size_t segment, const double* y, double* dydt) override {
    for (std::size_t i = 0; i < 3; ++i)
      dydt[i] = -p_[0] * y[i] + p_[1] * std::tanh(y[(i + 1) % 3]) + p_[2] * drive(segment);
  }
  void jacobian_vector(double, std::size_t, const double* y, const double* v, double* out) override {
    for (std::size_t i = 0; i < 3; ++i) {
      const std::size_t j = (i + 1) % 3;
      out[i] = -p_[0] * v[i] + p_[1] * slope(y[j]) * v[j];
    }
  }
  void jacobian_transpose_vector(double, std::size_t, const double* y, const double* w,
                                 double* out) override {
    for (std::size_t j = 0; j < 3; ++j) {
      const std::size_t i = (j + 2) % 3;  // the row whose tanh reads y_j
      out[j] = -p_[0] * w[j] + p_[1] * slope(y[j]) * w[i];
    }
  }
  void parameter_transpose_vector(double, std::size_t segment, const double* y, const double* w,
                                  double* grad) override {
    for (std::size_t i = 0; i < 3; ++i) {
      grad[0] -= w[i] * y[i];
      grad[1] += w[i] * std::tanh(y[(i + 1) % 3]);
      grad[2] += w[i] * drive(segment);
    }
  }
  std::vector<double> parameters() const override { return p_; }
  void set_parameters(const std::vector<double>& values) override { p_ = values; }

 private:
  double drive(std::size_t segment) const { return segment == 0 ? 1.0 : after_; }
  static double slope(double x) {
    const double t = std::tanh(x);
    return 1.0 - t * t;
  }
  double after_;
  std::vector<double> p_ = {2.0, 1.5, 0.8};
  std::vector<double> breakpoints_ = {0.4};
};

// L = sum over the outputs of 1/2 |y - 0.3|^2.
class DistanceCost final : public solvers::ObservationCost {
 public:
  void add_value(std::size_t, const double* y, std::vector<double>& per_trial) const override {
    for (std::size_t i = 0; i < 3; ++i) per_trial[0] += 0.5 * (y[i] - 0.3) * (y[i] - 0.3);
  }
  void add_cotangent(std::size_t, const double* y, double* dl_dy) const override {
    for (std::size_t i = 0; i < 3; ++i) dl_dy[i] += y[i] - 0.3;
  }
};

const std::vector<double> kStart = {0.1, -0.2, 0.4};
const std::vector<double> kTimes = {0.0, 0.25, 0.5, 0.75, 1.0};

solvers::SolverSettings settings(const std::string& method, bool adaptive, double dt, double tol = 1e-10) {
  solvers::SolverSettings s;
  s.method = method;
  s.adaptive = adaptive;
  s.dt = dt;
  s.rtol = s.atol = tol;
  return s;
}

double loss(models::Model& model, const solvers::SolverSettings& s) {
  solvers::Integrator integrator(model, s);
  const auto solution = integrator.solve(0.0, kStart, kTimes);
  EXPECT_TRUE(solution.ok()) << solution.message;
  std::vector<double> per_trial(1, 0.0);
  DistanceCost cost;
  for (std::size_t k = 0; k < kTimes.size(); ++k) cost.add_value(k, solution.state(k), per_trial);
  return per_trial[0];
}

solvers::GradientResult gradient(models::Model& model, const solvers::SolverSettings& s,
                                 solvers::GradientMethod method,
                                 const solvers::SolverSettings& backward = solvers::SolverSettings{}) {
  solvers::GradientSettings g;
  g.method = method;
  g.adjoint_solver = backward;
  solvers::GradientSolver solver(model, s, g);
  auto r = solver.compute(0.0, kStart, kTimes, DistanceCost{});
  EXPECT_TRUE(r.forward.ok()) << r.forward.message;
  return r;
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected std::invalid_argument";
  return "";
}

TEST(ModelCapabilities, AskingForMissingEntriesNamesTheModel) {
  RingWithoutAssembledJacobian model;
  EXPECT_FALSE(model.has_assembled_jacobian());
  EXPECT_FALSE(model.has_assembled_parameter_jacobian());
  std::vector<models::MatrixEntry> entries;
  const std::vector<double> y(3, 0.0);
  const std::string jacobian = message_of([&] { model.jacobian_entries(0.0, 0, y.data(), entries); });
  EXPECT_NE(jacobian.find("model 'products-only ring' has no assembled Jacobian"), std::string::npos)
      << jacobian;
  EXPECT_NE(jacobian.find("dopri5"), std::string::npos) << jacobian;
  const std::string parameter =
      message_of([&] { model.parameter_jacobian_entries(0.0, 0, y.data(), entries); });
  EXPECT_NE(parameter.find("model 'products-only ring' has no assembled parameter Jacobian"),
            std::string::npos)
      << parameter;
}

TEST(ModelCapabilities, ExplicitMethodAndDiscreteAdjointMatchFiniteDifferences) {
  RingWithoutAssembledJacobian model;
  // Fixed steps: the discrete adjoint is the exact gradient of this discretisation.
  const auto s = settings("dopri5", false, 1e-2);
  const auto r = gradient(model, s, solvers::GradientMethod::discrete);
  const auto fd = testing::richardson_gradient(
      model, [&] { return loss(model, s); }, 1e-3);
  EXPECT_EQ(r.forward.statistics.jacobian_evaluations, 0);
  EXPECT_NEAR(r.loss(), loss(model, s), 1e-15);
  EXPECT_LT(testing::max_relative_error(r.summed_gradient(), fd), 1e-8)
      << r.summed_gradient()[0] << " " << fd[0];
}

TEST(ModelCapabilities, ContinuousAdjointMatchesFiniteDifferences) {
  RingWithoutAssembledJacobian model;
  const auto s = settings("dopri5", true, 1e-3, 1e-11);
  auto backward = s;
  const auto r = gradient(model, s, solvers::GradientMethod::continuous, backward);
  const auto fd = testing::richardson_gradient(
      model, [&] { return loss(model, s); }, 1e-3);
  EXPECT_LT(testing::max_relative_error(r.summed_gradient(), fd), 1e-7);
}

// Backward Euler by Newton-Krylov on the Jacobian-vector products: first order towards the
// adaptive Dormand-Prince solution, with Jacobian and linear iterations counted.
TEST(ModelCapabilities, ImplicitMethodsRunMatrixFree) {
  RingWithoutAssembledJacobian model;
  auto final_state = [&](const solvers::SolverSettings& s, solvers::SolverStatistics* statistics = nullptr) {
    solvers::Integrator integrator(model, s);
    const auto solution = integrator.solve(0.0, kStart, {0.0, 1.0});
    EXPECT_TRUE(solution.ok()) << solution.message;
    if (statistics) *statistics = solution.statistics;
    return std::vector<double>(solution.state(1), solution.state(1) + 3);
  };
  const auto exact = final_state(settings("dopri5", true, 1e-4, 1e-12));
  auto error = [&](const std::string& method, double dt) {
    const auto y = final_state(settings(method, false, dt));
    double e = 0;
    for (std::size_t i = 0; i < 3; ++i) e = std::max(e, std::abs(y[i] - exact[i]));
    return e;
  };
  EXPECT_NEAR(std::log2(error("beuler", 2e-3) / error("beuler", 1e-3)), 1.0, 0.1);
  EXPECT_NEAR(std::log2(error("cn", 2e-2) / error("cn", 1e-2)), 2.0, 0.2);
  solvers::SolverStatistics statistics;
  final_state(settings("beuler", false, 1e-2), &statistics);
  EXPECT_GT(statistics.jacobian_evaluations, 0);
  EXPECT_GT(statistics.linear_iterations, 0);
  for (const char* method : {"theta", "bdf", "arkimex"}) {
    const auto y = final_state(settings(method, solvers::default_adaptive(method), 1e-3, 1e-8));
    for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(y[i], exact[i], 1e-3) << method;
  }
}

// Crank-Nicolson both ways: the backward TS's model (the adjoint system) has no assembled Jacobian
// either. The forcing jumps at t = 0.4: the backward steps must take the forcing of their own
// segment, or the gradient drops to first order at the jump (3e-3 here instead of 2e-7).
TEST(ModelCapabilities, ContinuousAdjointOfAnImplicitMethodRunsMatrixFree) {
  RingWithoutAssembledJacobian model;
  const auto forward = settings("cn", false, 1e-3);
  const auto r = gradient(model, forward, solvers::GradientMethod::continuous, settings("cn", false, 1e-3));
  const auto fd = testing::richardson_gradient(
      model, [&] { return loss(model, forward); }, 1e-3);
  EXPECT_LT(testing::max_relative_error(r.summed_gradient(), fd), 1e-6);
  EXPECT_GT(r.forward.statistics.linear_iterations, 0);
}

// Fixed-step Dormand-Prince both ways across the jump: fifth order on each segment, so at
// dt = 1e-3 the continuous adjoint agrees with finite differences to rounding (6e-4 if the first
// stage after the jump read the forcing beyond it).
TEST(ModelCapabilities, ContinuousAdjointKeepsItsOrderAcrossAForcingJump) {
  RingWithoutAssembledJacobian model;
  const auto forward = settings("dopri5", false, 1e-3);
  const auto r =
      gradient(model, forward, solvers::GradientMethod::continuous, settings("dopri5", false, 1e-3));
  const auto fd = testing::richardson_gradient(
      model, [&] { return loss(model, forward); }, 1e-3);
  EXPECT_LT(testing::max_relative_error(r.summed_gradient(), fd), 1e-9);
}

TEST(ModelCapabilities, APreconditionerThatNeedsEntriesIsRefusedWithTheAlternative) {
  RingWithoutAssembledJacobian model;
  PetscOptionsSetValue(nullptr, "-capability_pc_type", "lu");
  const std::string message = message_of(
      [&] { solvers::Integrator integrator(model, settings("beuler", false, 1e-2), "capability_"); });
  PetscOptionsClearValue(nullptr, "-capability_pc_type");
  EXPECT_NE(message.find("model 'products-only ring' has no assembled Jacobian"), std::string::npos)
      << message;
  EXPECT_NE(message.find("method 'beuler'"), std::string::npos) << message;
  EXPECT_NE(message.find("-capability_pc_type lu"), std::string::npos) << message;
  EXPECT_NE(message.find("-capability_pc_type none"), std::string::npos) << message;
  EXPECT_NE(message.find("explicit method"), std::string::npos) << message;
}

TEST(ModelCapabilities, DiscreteAdjointOfAnImplicitMethodIsRefusedByTheTable) {
  RingWithoutAssembledJacobian model;
  solvers::GradientSettings g;
  g.method = solvers::GradientMethod::discrete;
  const std::string message =
      message_of([&] { solvers::GradientSolver solver(model, settings("beuler", false, 1e-2), g); });
  EXPECT_NE(message.find("use gradient: continuous"), std::string::npos) << message;
  EXPECT_NE(message.find("euler, rk4, bs3, dopri5"), std::string::npos) << message;
}

// The column model without its assembled Jacobian (the same products, no entries): backward Euler
// solves the same discrete equations matrix-free on this stiff network, to within Newton's
// tolerance, far below the discretisation error.
// The products only: the column network without its assembled Jacobians.
using ProductsOnly = testing::RequiredPart;

TEST(ModelCapabilities, MatrixFreeBackwardEulerEqualsTheAssembledOneOnTheColumnModel) {
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  models::ColumnNetwork column(net.weights, net.constants, std::vector{net.drive});
  ProductsOnly products(column);
  EXPECT_EQ(column.name(), "column network");
  EXPECT_TRUE(column.has_assembled_jacobian());
  EXPECT_TRUE(column.has_assembled_parameter_jacobian());
  EXPECT_FALSE(products.has_assembled_jacobian());
  auto final_state = [&](models::Model& model, const solvers::SolverSettings& s) {
    solvers::Integrator integrator(model, s);
    const auto solution = integrator.solve(0.0, net.initial_state, {0.0, 0.15});
    EXPECT_TRUE(solution.ok()) << solution.message;
    return std::vector<double>(solution.state(1), solution.state(1) + solution.state_size);
  };
  const auto exact = final_state(column, settings("dopri5", true, 1e-7, 1e-12));
  const auto assembled = final_state(column, settings("beuler", false, 2e-4));
  const auto matrix_free = final_state(products, settings("beuler", false, 2e-4));
  double difference = 0, error = 0;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    difference = std::max(difference, std::abs(matrix_free[i] - assembled[i]));
    error = std::max(error, std::abs(assembled[i] - exact[i]));
  }
  EXPECT_LT(difference, 1e-3 * error) << "difference " << difference << ", discretisation error " << error;
}

}  // namespace
}  // namespace neurode
