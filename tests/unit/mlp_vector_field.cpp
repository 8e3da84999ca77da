// The MLP vector field of the Hopf toy: its derivative products against finite differences of
// rhs and against each other, and full trajectory gradients (discrete adjoint) against central
// finite differences of the loss.
#include "models/hopf/mlp_vector_field.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "models/kernels/random_stream.hpp"
#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"
#include "support/finite_differences.hpp"
#include "train/hopf_task.hpp"

// Counts heap allocations, to check that the products allocate nothing (the solvers call them
// once per stage of every step).
namespace {
std::atomic<long> allocations{0};
}  // namespace

// GCC flags free() of memory from operator new wherever it inlines this pair, not knowing that the
// replacement new is malloc.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace neurode {
namespace {

using models::Activation;
using models::MlpSpec;
using models::MlpVectorField;
using models::MuForcing;

// Values in [-1, 1) from a test-only stream (domain id far from the library's).
std::vector<double> random_vector(std::size_t n, std::uint64_t stream_id, double scale = 1.0) {
  const models::RandomStream stream(12345, (std::uint64_t{0x7E57} << 48) | stream_id);
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * (2.0 * stream.uniform(i) - 1.0);
  return v;
}

// A small field with 3 trials. The biases start at 0, so they are set randomly too, which puts
// the units at generic operating points (and ReLU units on both sides of their kink).
MlpVectorField small_field(Activation activation, bool held = false,
                           std::vector<std::size_t> layers = {3, 7, 5, 2}) {
  MlpSpec spec;
  spec.layers = std::move(layers);
  spec.activation = activation;
  auto p = models::initial_mlp_parameters(spec, 7);
  const auto noise = random_vector(p.size(), 1, 0.3);
  for (std::size_t k = 0; k < p.size(); ++k) p[k] += noise[k];
  MuForcing forcing;
  forcing.phases = {0.3, -2.0, 1.7};
  forcing.held = held;
  return MlpVectorField(spec, forcing, p);
}

std::vector<double> rhs_of(MlpVectorField& f, double t, const std::vector<double>& y) {
  std::vector<double> out(f.state_size());
  f.rhs(t, 0, y.data(), out.data());
  return out;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

class MlpProducts : public ::testing::TestWithParam<Activation> {};

TEST_P(MlpProducts, JacobianVectorMatchesFiniteDifferences) {
  auto f = small_field(GetParam());
  const double t = 1.3, h = 1e-6;
  const auto y = random_vector(6, 2, 1.5), v = random_vector(6, 3);
  std::vector<double> jv(6);
  f.jacobian_vector(t, 0, y.data(), v.data(), jv.data());
  auto yp = y, ym = y;
  for (std::size_t i = 0; i < 6; ++i) {
    yp[i] += h * v[i];
    ym[i] -= h * v[i];
  }
  const auto fp = rhs_of(f, t, yp), fm = rhs_of(f, t, ym);
  for (std::size_t i = 0; i < 6; ++i)
    EXPECT_NEAR(jv[i], (fp[i] - fm[i]) / (2 * h), 1e-7 * (1 + max_abs(jv))) << i;
}

TEST_P(MlpProducts, TransposeIsTheAdjointOfTheJacobianProduct) {
  auto f = small_field(GetParam());
  const auto y = random_vector(6, 4, 1.5), v = random_vector(6, 5), w = random_vector(6, 6);
  std::vector<double> jv(6), jtw(6);
  f.jacobian_vector(0.7, 0, y.data(), v.data(), jv.data());
  f.jacobian_transpose_vector(0.7, 0, y.data(), w.data(), jtw.data());
  EXPECT_NEAR(dot(w, jv), dot(jtw, v), 1e-13 * (1 + std::abs(dot(w, jv))));
  // The 2 x 2 blocks of jacobian_entries are the columns of J.
  std::vector<models::MatrixEntry> entries;
  f.jacobian_entries(0.7, 0, y.data(), entries);
  ASSERT_EQ(entries.size(), 12u);
  std::vector<double> from_entries(6, 0.0);
  for (const auto& e : entries) {
    EXPECT_EQ(e.row / 2, e.col / 2) << "entry outside its trial's block";
    from_entries[e.row] += e.value * v[e.col];
  }
  for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(from_entries[i], jv[i], 1e-13 * (1 + max_abs(jv)));
}

TEST_P(MlpProducts, ParameterTransposeMatchesFiniteDifferencesPerTrial) {
  auto f = small_field(GetParam());
  const std::size_t P = f.parameter_size(), B = f.trial_count();
  ASSERT_EQ(P, (3u + 1) * 7 + (7u + 1) * 5 + (5u + 1) * 2);
  const double t = 2.1, h = 1e-6;
  const auto y = random_vector(6, 7, 1.5), w = random_vector(6, 8);
  std::vector<double> grad(B * P, 0.5);  // accumulates onto what is there
  f.parameter_transpose_vector(t, 0, y.data(), w.data(), grad.data());
  const auto base = f.parameters();
  for (std::size_t k = 0; k < P; ++k) {
    auto plus = base, minus = base;
    plus[k] += h;
    minus[k] -= h;
    f.set_parameters(plus);
    const auto fp = rhs_of(f, t, y);
    f.set_parameters(minus);
    const auto fm = rhs_of(f, t, y);
    for (std::size_t b = 0; b < B; ++b) {
      const double fd =
          (w[2 * b] * (fp[2 * b] - fm[2 * b]) + w[2 * b + 1] * (fp[2 * b + 1] - fm[2 * b + 1])) / (2 * h);
      EXPECT_NEAR(grad[b * P + k] - 0.5, fd, 1e-7)
          << "trial " << b << ", " << models::mlp_parameter_labels(f.spec())[k];
    }
  }
  f.set_parameters(base);
  // parameter_jacobian_entries holds the same numbers: sum_i w_i dF_i/dp.
  std::vector<models::MatrixEntry> entries;
  f.parameter_jacobian_entries(t, 0, y.data(), entries);
  ASSERT_EQ(entries.size(), 2 * B * P);
  std::vector<double> from_entries(B * P, 0.5);
  for (const auto& e : entries) {
    EXPECT_EQ(e.row / 2, e.col / P);
    from_entries[e.col] += w[e.row] * e.value;
  }
  for (std::size_t k = 0; k < B * P; ++k)
    EXPECT_NEAR(from_entries[k], grad[k], 1e-13 * (1 + std::abs(grad[k])));
}

INSTANTIATE_TEST_SUITE_P(Activations, MlpProducts,
                         ::testing::Values(Activation::relu, Activation::tanh, Activation::softplus),
                         [](const auto& test) { return std::string(models::to_string(test.param)); });

TEST(MlpVectorField, ProductsDoNotAllocate) {
  auto f = small_field(Activation::softplus, false, {3, 16, 16, 2});
  const std::size_t P = f.parameter_size();
  const auto y = random_vector(6, 11), v = random_vector(6, 12);
  std::vector<double> out(6), grad(3 * P, 0.0);
  std::vector<models::MatrixEntry> entries, parameter_entries;
  entries.reserve(12);
  parameter_entries.reserve(6 * P);
  const long before = allocations.load();
  f.rhs(0.5, 0, y.data(), out.data());
  f.jacobian_vector(0.5, 0, y.data(), v.data(), out.data());
  f.jacobian_transpose_vector(0.5, 0, y.data(), v.data(), out.data());
  f.parameter_transpose_vector(0.5, 0, y.data(), v.data(), grad.data());
  f.jacobian_entries(0.5, 0, y.data(), entries);
  f.parameter_jacobian_entries(0.5, 0, y.data(), parameter_entries);
  EXPECT_EQ(allocations.load() - before, 0);
  EXPECT_EQ(parameter_entries.size(), 6 * P);
  // The counter works: a fresh model allocates its scratch.
  const long probe = allocations.load();
  auto g = small_field(Activation::tanh);
  EXPECT_GT(allocations.load() - probe, 0);
}

TEST(MlpVectorField, ForcingIsSinOfTimeOrHeld) {
  auto moving = small_field(Activation::softplus, false);
  auto held = small_field(Activation::softplus, true);
  const auto y = random_vector(6, 9);
  EXPECT_EQ(rhs_of(held, 0.0, y), rhs_of(held, 7.5, y));
  EXPECT_NE(rhs_of(moving, 0.0, y), rhs_of(moving, 7.5, y));
  // At t = 0 both see mu = sin(c).
  EXPECT_EQ(rhs_of(moving, 0.0, y), rhs_of(held, 0.0, y));
  EXPECT_DOUBLE_EQ(moving.forcing().value(1, 4.0), std::sin(0.25 * 4.0 - 2.0));
  EXPECT_TRUE(moving.breakpoints().empty());
}

TEST(MlpVectorField, PrototypeSizeAndInitialisation) {
  MlpSpec spec;  // 3-100-100-100-2
  EXPECT_EQ(models::mlp_parameter_count(spec), 4 * 100u + 101 * 100u + 101 * 100u + 101 * 2u);
  const auto p = models::initial_mlp_parameters(spec, 3);
  EXPECT_EQ(p, models::initial_mlp_parameters(spec, 3));
  EXPECT_NE(p, models::initial_mlp_parameters(spec, 4));
  // Layer 0 weights within the Kaiming bound sqrt(6 / 3); its biases 0.
  for (std::size_t k = 0; k < 300; ++k) EXPECT_LE(std::abs(p[k]), std::sqrt(2.0));
  for (std::size_t k = 300; k < 400; ++k) EXPECT_EQ(p[k], 0.0);
  // The output layer (last 202 values) starts at 0 (identity flow) unless a gain is asked for.
  for (std::size_t k = p.size() - 202; k < p.size(); ++k) EXPECT_EQ(p[k], 0.0);
  spec.output_gain = 1.0;
  const auto q = models::initial_mlp_parameters(spec, 3);
  EXPECT_EQ(std::vector<double>(q.begin(), q.end() - 202), std::vector<double>(p.begin(), p.end() - 202));
  double largest = 0;
  for (std::size_t k = q.size() - 202; k < q.size() - 2; ++k) largest = std::max(largest, std::abs(q[k]));
  EXPECT_GT(largest, 0.0);
  EXPECT_LE(largest, std::sqrt(6.0 / 102));
  const auto labels = models::mlp_parameter_labels(spec);
  ASSERT_EQ(labels.size(), p.size());
  EXPECT_EQ(labels[1], "W0[0,1]");
  EXPECT_EQ(labels[300], "b0[0]");
  EXPECT_EQ(labels.back(), "b3[1]");
  EXPECT_THROW(models::parse_activation("gelu"), std::invalid_argument);
  spec.layers = {2, 10, 2};
  EXPECT_THROW(models::validate(spec), std::invalid_argument);
  spec.layers = {3, 10, 2};
  EXPECT_THROW((void)MlpVectorField(spec, MuForcing{{0.1}}, std::vector<double>(5)), std::invalid_argument);
}

// --- full trajectory gradients ---------------------------------------------------------------

solvers::SolverSettings fixed(const std::string& method, double dt) {
  solvers::SolverSettings s;
  s.method = method;
  s.adaptive = false;
  s.dt = dt;
  return s;
}

struct Problem {
  std::unique_ptr<MlpVectorField> model;
  std::vector<double> y0;
  std::vector<double> times;
  std::unique_ptr<train::HopfObservationCost> loss;
};

// Two Hopf samples over [0, 6] against their true trajectories, with a 3-6-6-2 network.
Problem hopf_problem(Activation activation) {
  Problem p;
  MlpSpec spec;
  spec.layers = {3, 6, 6, 2};
  spec.activation = activation;
  p.times = train::uniform_times(6.0, 7);
  MuForcing forcing;
  std::vector<double> targets;
  for (std::uint64_t i : {0, 1}) {
    const auto s = models::sample_hopf(11, i);
    forcing.phases.push_back(s.phase);
    p.y0.push_back(s.x0);
    p.y0.push_back(s.y0);
    const auto t = train::hopf_true_trajectory(s, p.times, 0.25, train::hopf_truth_solver());
    targets.insert(targets.end(), t.begin(), t.end());
  }
  auto params = models::initial_mlp_parameters(spec, 5);
  const auto noise = random_vector(params.size(), 10, 0.2);
  for (std::size_t k = 0; k < params.size(); ++k) params[k] += noise[k];
  p.model = std::make_unique<MlpVectorField>(spec, forcing, params);
  p.loss = std::make_unique<train::HopfObservationCost>(targets, p.times.size());
  return p;
}

double loss_of(Problem& p, const solvers::SolverSettings& solver) {
  solvers::Integrator integrator(*p.model, solver);
  const auto s = integrator.solve(p.times.front(), p.y0, p.times);
  EXPECT_TRUE(s.ok()) << s.message;
  std::vector<double> per_trial(p.model->trial_count(), 0.0);
  for (std::size_t k = 0; k < p.times.size(); ++k) p.loss->add_value(k, s.state(k), per_trial);
  return per_trial[0] + per_trial[1];
}

// Central differences, Richardson-extrapolated over h and h/2 (as in tests/unit/gradients.cpp).
std::vector<double> finite_differences(Problem& p, const solvers::SolverSettings& solver,
                                       double relative_step) {
  return testing::richardson_gradient(
      *p.model, [&] { return loss_of(p, solver); }, relative_step);
}

struct Case {
  const char* name;
  Activation activation;
  solvers::SolverSettings solver;
  double fd_step = 1e-4;
  double tolerance = 1e-6;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// ReLU: the discrete map is only piecewise smooth, and a relative step of 1e-4 moves some unit at
// some stage across its kink (FD then disagrees by ~2e-5); at 1e-7 no kink is crossed and the
// adjoint agrees to ~3e-9.
class MlpGradient : public ::testing::TestWithParam<Case> {};

TEST_P(MlpGradient, DiscreteAdjointMatchesFiniteDifferencesTo1e6) {
  auto p = hopf_problem(GetParam().activation);
  solvers::GradientSettings g;
  g.method = solvers::GradientMethod::discrete;
  solvers::GradientSolver gs(*p.model, GetParam().solver, g);
  const auto r = gs.compute(p.times.front(), p.y0, p.times, *p.loss);
  ASSERT_TRUE(r.forward.ok()) << r.forward.message;
  EXPECT_NEAR(r.loss(), loss_of(p, GetParam().solver), 1e-14);
  const auto fd = finite_differences(p, GetParam().solver, GetParam().fd_step);
  const auto adjoint = r.summed_gradient();
  ASSERT_EQ(adjoint.size(), fd.size());
  const double scale = max_abs(fd);
  double worst = 0;
  for (std::size_t k = 0; k < fd.size(); ++k) worst = std::max(worst, std::abs(adjoint[k] - fd[k]) / scale);
  std::printf("%s: %zu parameters, max |adjoint - fd| / max |fd| = %.2e\n", GetParam().name, fd.size(),
              worst);
  EXPECT_LT(worst, GetParam().tolerance) << r.method;
}

INSTANTIATE_TEST_SUITE_P(Methods, MlpGradient,
                         ::testing::Values(Case{"softplus_dopri5_fixed", Activation::softplus,
                                                fixed("dopri5", 0.05)},
                                           Case{"softplus_rk4", Activation::softplus, fixed("rk4", 0.05)},
                                           Case{"tanh_dopri5_fixed", Activation::tanh, fixed("dopri5", 0.05)},
                                           Case{"tanh_rk4", Activation::tanh, fixed("rk4", 0.05)},
                                           Case{"relu_rk4", Activation::relu, fixed("rk4", 0.05), 1e-7}),
                         [](const auto& test) { return std::string(test.param.name); });

// The continuous adjoint of an implicit method uses jacobian_entries and the dense
// parameter_jacobian_entries (through the backward TS). It converges to the gradient of the exact
// solution, so it is compared with finite differences of a tightly integrated loss.
TEST(MlpGradientContinuous, ImplicitMethodAgreesWithTheExactGradient) {
  auto p = hopf_problem(Activation::softplus);
  solvers::SolverSettings bdf;
  bdf.method = "bdf";
  bdf.bdf_order = 5;
  bdf.dt = 1e-4;
  bdf.rtol = bdf.atol = 1e-10;
  solvers::GradientSettings g;
  g.method = solvers::GradientMethod::continuous;
  g.adjoint_solver = bdf;
  solvers::GradientSolver gs(*p.model, bdf, g);
  const auto r = gs.compute(p.times.front(), p.y0, p.times, *p.loss);
  ASSERT_TRUE(r.forward.ok()) << r.forward.message;
  solvers::SolverSettings exact;
  exact.method = "dopri5";
  exact.dt = 1e-4;
  exact.rtol = exact.atol = 1e-12;
  const auto fd = finite_differences(p, exact, 1e-4);
  const auto adjoint = r.summed_gradient();
  const double scale = max_abs(fd);
  double worst = 0;
  for (std::size_t k = 0; k < fd.size(); ++k) worst = std::max(worst, std::abs(adjoint[k] - fd[k]) / scale);
  std::printf("%s: max |adjoint - fd| / max |fd| = %.2e\n", r.method.c_str(), worst);
  EXPECT_LT(worst, 1e-5);
}

}  // namespace
}  // namespace neurode
