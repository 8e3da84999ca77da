// Fixed points by PETSc's SNES and their stability from the Jacobian's eigenvalues
// (solvers/fixed_points.hpp), on vector fields whose fixed points are known in closed form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "solvers/fixed_points.hpp"

namespace neurode {
namespace {

// dy/dt = y - y^3 in each of two uncoupled states, plus a linear pair: y' = A y + b with
// A = [[-1, 2], [0, -3]], b = (1, 3), whose fixed point is (3, 1) with eigenvalues -1 and -3.
class KnownField final : public models::Model {
 public:
  std::size_t state_size() const override { return 4; }
  std::size_t parameter_size() const override { return 0; }
  const std::vector<double>& breakpoints() const override { return none_; }
  void rhs(double, std::size_t, const double* y, double* f) override {
    f[0] = y[0] - y[0] * y[0] * y[0];
    f[1] = y[1] - y[1] * y[1] * y[1];
    f[2] = -y[2] + 2 * y[3] + 1;
    f[3] = -3 * y[3] + 3;
  }
  void jacobian_vector(double, std::size_t, const double*, const double*, double*) override {}
  void jacobian_transpose_vector(double, std::size_t, const double*, const double*, double*) override {}
  void parameter_transpose_vector(double, std::size_t, const double*, const double*, double*) override {}
  bool has_assembled_jacobian() const override { return true; }
  void jacobian_entries(double, std::size_t, const double* y, std::vector<models::MatrixEntry>& e) override {
    e.push_back({0, 0, 1 - 3 * y[0] * y[0]});
    e.push_back({1, 1, 1 - 3 * y[1] * y[1]});
    e.push_back({2, 2, -1.0});
    e.push_back({2, 3, 2.0});
    e.push_back({3, 3, -3.0});
  }
  std::vector<double> parameters() const override { return {}; }
  void set_parameters(const std::vector<double>&) override {}

 private:
  std::vector<double> none_;
};

std::vector<double> sorted_real_parts(const solvers::FixedPoint& p) {
  std::vector<double> re;
  for (const auto& e : p.eigenvalues) re.push_back(e.real());
  std::sort(re.begin(), re.end());
  return re;
}

TEST(FixedPoints, NewtonFindsEachBranchAndItsStability) {
  KnownField field;
  // From (0.8, -0.7): the stable states +1 and -1 (eigenvalue -2 each) and the linear pair's (3, 1).
  const auto stable = solvers::find_fixed_point(field, 0, {0.8, -0.7, 0.0, 0.0});
  ASSERT_TRUE(stable.converged);
  EXPECT_NEAR(stable.state[0], 1.0, 1e-12);
  EXPECT_NEAR(stable.state[1], -1.0, 1e-12);
  EXPECT_NEAR(stable.state[2], 3.0, 1e-12);
  EXPECT_NEAR(stable.state[3], 1.0, 1e-12);
  EXPECT_LT(stable.residual_norm, 1e-10);
  const auto re = sorted_real_parts(stable);
  ASSERT_EQ(re.size(), 4u);
  EXPECT_NEAR(re[0], -3.0, 1e-12);
  EXPECT_NEAR(re[1], -2.0, 1e-12);
  EXPECT_NEAR(re[2], -2.0, 1e-12);
  EXPECT_NEAR(re[3], -1.0, 1e-12);
  EXPECT_NEAR(stable.max_real_eigenvalue, -1.0, 1e-12);
  // From (0.1, 0.1): the unstable origin of the cubic states (eigenvalue +1).
  const auto unstable = solvers::find_fixed_point(field, 0, {0.1, 0.1, 0.0, 0.0});
  ASSERT_TRUE(unstable.converged);
  EXPECT_NEAR(unstable.state[0], 0.0, 1e-12);
  EXPECT_NEAR(unstable.max_real_eigenvalue, 1.0, 1e-12);
}

TEST(FixedPoints, AModelWithoutAnAssembledJacobianIsRefused) {
  class NoJacobian final : public models::Model {
   public:
    std::size_t state_size() const override { return 1; }
    std::size_t parameter_size() const override { return 0; }
    const std::vector<double>& breakpoints() const override { return none_; }
    void rhs(double, std::size_t, const double* y, double* f) override { f[0] = -y[0]; }
    void jacobian_vector(double, std::size_t, const double*, const double*, double*) override {}
    void jacobian_transpose_vector(double, std::size_t, const double*, const double*, double*) override {}
    void parameter_transpose_vector(double, std::size_t, const double*, const double*, double*) override {}
    std::vector<double> parameters() const override { return {}; }
    void set_parameters(const std::vector<double>&) override {}

   private:
    std::vector<double> none_;
  } model;
  EXPECT_THROW(solvers::find_fixed_point(model, 0, {1.0}), std::invalid_argument);
  EXPECT_THROW(solvers::jacobian_eigenvalues(model, 0, {1.0}), std::invalid_argument);
}

}  // namespace
}  // namespace neurode
