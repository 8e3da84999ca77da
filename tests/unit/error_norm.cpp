// neurode's weighted error norm of an adaptive TSRK step (petsc/error_norm.hpp): equal bit for bit
// to PETSc's TSErrorWeightedNorm2, and adaptive solves that take the same steps, to the last bit,
// as with PETSc's own path (option -neurode_petsc_error_norm).
#include <gtest/gtest.h>
#include <petscts.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "models/column/network_file.hpp"
#include "petsc/error.hpp"
#include "petsc/error_norm.hpp"
#include "petsc/handle.hpp"
#include "solvers/integrator.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

double petsc_norm(const std::vector<double>& u, const std::vector<double>& y, double atol, double rtol) {
  petsc::TSHandle ts;
  NEURODE_PETSC_CHECK(TSCreate(PETSC_COMM_SELF, ts.out()));
  NEURODE_PETSC_CHECK(TSSetTolerances(ts, atol, nullptr, rtol, nullptr));
  TSAdapt adapt;
  NEURODE_PETSC_CHECK(TSGetAdapt(ts, &adapt));
  const auto n = static_cast<PetscInt>(u.size());
  petsc::VecHandle U, Y;
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, n, U.out()));
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, n, Y.out()));
  PetscScalar *a, *b;
  NEURODE_PETSC_CHECK(VecGetArray(U, &a));
  NEURODE_PETSC_CHECK(VecGetArray(Y, &b));
  std::memcpy(a, u.data(), u.size() * sizeof(double));
  std::memcpy(b, y.data(), y.size() * sizeof(double));
  NEURODE_PETSC_CHECK(VecRestoreArray(Y, &b));
  NEURODE_PETSC_CHECK(VecRestoreArray(U, &a));
  PetscReal norm, absolute, relative;
  NEURODE_PETSC_CHECK(TSErrorWeightedNorm2(ts, U, Y, &norm, &absolute, &relative));
  return norm;
}

TEST(ErrorNorm, EqualsPetscsWeightedNormBitForBit) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> unit(-1.0, 1.0), exponent(-12.0, 3.0);
  const std::vector<std::pair<double, double>> tolerances{
      {1e-6, 1e-6}, {1e-8, 1e-3}, {0.0, 1e-5}, {1e-4, 0.0}};
  for (std::size_t n : {1u, 7u, 48u, 2496u}) {
    for (const auto& [atol, rtol] : tolerances) {
      std::vector<double> u(n), y(n);
      for (std::size_t i = 0; i < n; ++i) {
        u[i] = unit(random) * std::pow(10.0, exponent(random));
        // Errors from far below to far above the tolerance, and some entries exactly equal.
        y[i] = i % 5 == 4 ? u[i] : u[i] + unit(random) * std::pow(10.0, exponent(random) - 3.0);
      }
      if (n > 1) u[1] = y[1] = 0.0;  // no tolerance at all where atol is 0: the entry does not count
      const double ours = petsc::weighted_rms_error(u.data(), y.data(), n, atol, rtol, -1.0);
      const double theirs = petsc_norm(u, y, atol, rtol);
      EXPECT_EQ(std::memcmp(&ours, &theirs, sizeof(double)), 0)
          << "n " << n << ", atol " << atol << ", rtol " << rtol << ": " << ours << " against " << theirs;
      EXPECT_GT(ours, 0.0);
    }
  }
}

TEST(ErrorNorm, SkipsEntriesWithoutToleranceOrBelowTheIgnoredMagnitude) {
  // With atol 0, an entry that is 0 in both has no tolerance and does not count: the mean is over
  // the others. Entries below ignore_below in either vector do not count either.
  const std::vector<double> u{0.0, 1.0, 2.0, 1e-9}, y{0.0, 1.1, 2.0, 5e-9};
  const double q = (1.1 - 1.0) / (0.1 * 1.1);
  EXPECT_DOUBLE_EQ(petsc::weighted_rms_error(u.data(), y.data(), 3, 0.0, 0.1, -1.0), std::sqrt(q * q / 2.0));
  EXPECT_DOUBLE_EQ(petsc::weighted_rms_error(u.data(), y.data(), 4, 0.0, 0.1, 1e-6), std::sqrt(q * q / 2.0));
  EXPECT_EQ(petsc::weighted_rms_error(u.data(), y.data(), 1, 0.0, 0.1, -1.0), 0.0);
  // A not-a-number error poisons the norm (the hook then signals PETSc's floating-point error,
  // which the divergence guard turns into a diverged solve).
  const std::vector<double> good{1.0, 1.0}, bad{1.0, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_TRUE(std::isnan(petsc::weighted_rms_error(good.data(), bad.data(), 2, 1e-6, 1e-6, -1.0)));
}

class ErrorNormSolve : public ::testing::Test {
 protected:
  void SetUp() override {
    net_ = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
    // A block of three trials with different stimulus strengths: one error norm over all of them.
    std::vector<models::PiecewiseDrive> drives(3, net_.drive);
    for (std::size_t b = 1; b < drives.size(); ++b)
      for (auto& segment : drives[b].population_rates)
        for (double& rate : segment) rate *= 1.0 + 0.25 * static_cast<double>(b);
    model_ = std::make_unique<models::ColumnNetwork>(net_.weights, net_.constants, drives);
    y0_.clear();
    for (std::size_t b = 0; b < drives.size(); ++b)
      y0_.insert(y0_.end(), net_.initial_state.begin(), net_.initial_state.end());
  }

  solvers::Solution solve(const solvers::SolverSettings& settings, bool petsc_norm) {
    if (petsc_norm) NEURODE_PETSC_CHECK(PetscOptionsSetValue(nullptr, "-neurode_petsc_error_norm", nullptr));
    solvers::Integrator integrator(*model_, settings);
    if (petsc_norm) NEURODE_PETSC_CHECK(PetscOptionsClearValue(nullptr, "-neurode_petsc_error_norm"));
    std::vector<double> times;
    for (int k = 0; k <= 15; ++k) times.push_back(0.01 * k);
    auto solution = integrator.solve(0.0, y0_, times);
    EXPECT_TRUE(solution.ok()) << solution.message;
    return solution;
  }

  models::NetworkFile net_;
  std::unique_ptr<models::ColumnNetwork> model_;
  std::vector<double> y0_;
};

TEST_F(ErrorNormSolve, AdaptiveStepsAreBitwiseThoseOfPetscsNorm) {
  for (const std::string method : {"dopri5", "bs3"}) {
    for (bool dense : {false, true}) {
      solvers::SolverSettings settings;
      settings.method = method;
      settings.rtol = settings.atol = 1e-6;
      settings.dense_output = dense;
      const auto ours = solve(settings, false), theirs = solve(settings, true);
      const std::string what = method + (dense ? " dense" : " stops");
      EXPECT_EQ(ours.statistics.steps, theirs.statistics.steps) << what;
      EXPECT_EQ(ours.statistics.rejected_steps, theirs.statistics.rejected_steps) << what;
      EXPECT_GT(ours.statistics.rejected_steps, 0) << what << ": the case should reject steps";
      ASSERT_EQ(ours.states.size(), theirs.states.size());
      EXPECT_EQ(std::memcmp(ours.states.data(), theirs.states.data(), ours.states.size() * sizeof(double)), 0)
          << what;
    }
  }
}

}  // namespace
}  // namespace neurode
