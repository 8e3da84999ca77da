// neurode's PETSc integration against the independent reference trajectories (Radau at 1e-10).
#include <gtest/gtest.h>

#include "models/column/network_file.hpp"
#include "solvers/integrator.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

struct Errors {
  double V, a, r;
};

Errors run_case(const std::string& name, const solvers::SolverSettings& settings) {
  const auto net = models::load_network_file(testing::reference_path(name));
  models::ColumnNetwork model(net.weights, net.constants, {net.drive});
  solvers::Integrator integrator(model, settings);
  const auto solution = integrator.solve(net.times.front(), net.initial_state, net.times);
  EXPECT_TRUE(solution.ok()) << solution.message;
  io::Hdf5File ref(testing::reference_path(name), io::Hdf5File::Mode::read);
  const std::size_t n = net.weights.populations;
  Errors errors{};
  double* slots[3] = {&errors.V, &errors.a, &errors.r};
  const char* names[3] = {"V", "a", "r"};
  for (int v = 0; v < 3; ++v) {
    const auto expected = ref.read(names[v]).values;
    std::vector<double> mine(expected.size());
    for (std::size_t k = 0; k < net.times.size(); ++k)
      for (std::size_t i = 0; i < n; ++i) mine[k * n + i] = solution.state(k)[v * n + i];
    *slots[v] = testing::max_relative_error(mine, expected);
  }
  return errors;
}

solvers::SolverSettings tight(const std::string& method) {
  solvers::SolverSettings s;
  s.method = method;
  s.adaptive = true;
  s.rtol = s.atol = 1e-10;
  s.dt = 1e-6;
  return s;
}

class ReferenceTrajectory : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceTrajectory, AdaptiveDopri5MatchesTo1e6) {
  const Errors e = run_case(GetParam(), tight("dopri5"));
  EXPECT_LT(e.V, 1e-6);
  EXPECT_LT(e.a, 1e-6);
  EXPECT_LT(e.r, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Cases, ReferenceTrajectory,
                         ::testing::Values("single_column_mt.h5", "wta_two_columns.h5", "stiff_60hz.h5",
                                           "gradient_wta.h5"),
                         [](const auto& test) { return test.param.substr(0, test.param.find('.')); });

TEST(ReferenceTrajectoryImplicit, Stiff60HzWithBdf) {
  auto settings = tight("bdf");
  settings.bdf_order = 5;
  const Errors e = run_case("stiff_60hz.h5", settings);
  EXPECT_LT(e.V, 1e-6);
  EXPECT_LT(e.a, 1e-6);
  EXPECT_LT(e.r, 1e-6);
}

}  // namespace
}  // namespace neurode
