// Predictive coding (models/predictive_coding): the reference cases of ../shared/reference/vision
// (trajectories, loss and gradients of an independent implementation), the derivative products
// against finite differences, and the gradient of every solver family against finite differences
// of its own discrete loss.
#include <gtest/gtest.h>

#include <cmath>

#include "models/kernels/random_stream.hpp"
#include "models/predictive_coding/pc_network_file.hpp"
#include "models/predictive_coding/predictive_coding.hpp"
#include "solvers/gradient.hpp"
#include "support/finite_differences.hpp"
#include "support/reference.hpp"
#include "train/classification_readout.hpp"

namespace neurode {
namespace {

using models::LevelShape;
using models::LevelSpec;
using models::PredictiveCoding;
using models::PredictiveCodingSpec;

solvers::SolverSettings tight() {
  solvers::SolverSettings s;
  s.method = "dopri5";
  s.rtol = s.atol = 1e-10;
  s.dt = 1e-3;
  return s;
}

train::ClassificationReadout readout_for(const PredictiveCoding& model,
                                         const models::PredictiveCodingFile& net, std::size_t observation,
                                         std::vector<int> labels) {
  return train::ClassificationReadout(train::top_component_features(model.state_layout(), net.mean_pool),
                                      net.classes, std::move(labels), net.readout, observation);
}

std::vector<double> slice(const std::vector<double>& v, std::size_t at, std::size_t n) {
  return {v.begin() + static_cast<std::ptrdiff_t>(at), v.begin() + static_cast<std::ptrdiff_t>(at + n)};
}

class ReferenceCase : public ::testing::TestWithParam<const char*> {};

TEST_P(ReferenceCase, TrajectoriesMatchTheIndependentImplementation) {
  const std::string path = testing::reference_path(std::string("vision/") + GetParam());
  const auto net = models::load_predictive_coding_file(path);
  PredictiveCoding model(net.spec, net.image);
  model.set_parameters(net.parameters);
  solvers::Integrator integrator(model, tight());
  const auto solution = integrator.solve(0.0, std::vector<double>(model.state_size(), 0.0), net.times);
  ASSERT_TRUE(solution.ok()) << solution.message;
  const io::Hdf5File ref(path, io::Hdf5File::Mode::read);
  for (std::size_t l = 1; l <= net.spec.levels.size(); ++l) {
    const io::Array expected = ref.read("r" + std::to_string(l));
    const std::size_t n = model.shapes()[l].size();
    std::vector<double> mine;
    for (std::size_t k = 0; k < net.times.size(); ++k) {
      const double* y = solution.state(k) + model.level_offset(l);
      mine.insert(mine.end(), y, y + n);
    }
    EXPECT_LT(testing::max_relative_error(mine, expected.values), 1e-6) << "r" << l;
  }
  const auto readout = readout_for(model, net, net.times.size() - 1, {net.label});
  EXPECT_LT(testing::max_relative_error(readout.logits(solution.state(net.times.size() - 1), 0),
                                        ref.read("logits").values),
            1e-6);
}

TEST_P(ReferenceCase, LossAndGradientsMatchTheIndependentImplementation) {
  const std::string path = testing::reference_path(std::string("vision/") + GetParam());
  const auto net = models::load_predictive_coding_file(path);
  const io::Hdf5File ref(path, io::Hdf5File::Mode::read);
  for (const auto method : {solvers::GradientMethod::discrete, solvers::GradientMethod::continuous}) {
    PredictiveCoding model(net.spec, net.image);
    model.set_parameters(net.parameters);
    const auto readout = readout_for(model, net, 1, {net.label});
    solvers::GradientSettings settings;
    settings.method = method;
    settings.adjoint_solver = tight();
    solvers::GradientSolver solver(model, tight(), settings);
    const auto r =
        solver.compute(0.0, std::vector<double>(model.state_size(), 0.0), {0.0, net.times.back()}, readout);
    ASSERT_TRUE(r.forward.ok()) << r.forward.message;
    EXPECT_NEAR(r.loss(), ref.read_attribute("/", "loss"), 1e-8) << to_string(method);
    const auto g = r.summed_gradient();
    std::size_t at = 0;
    for (std::size_t l = 1; l <= net.spec.levels.size(); ++l) {
      const std::string name = "dL_d" + models::weight_name(net.spec, l);
      const io::Array expected = ref.read(name);
      EXPECT_LT(testing::max_relative_error(slice(g, at, expected.values.size()), expected.values), 1e-5)
          << name << " " << to_string(method);
      at += expected.values.size();
    }
    for (const char* rate : {"dL_dk1", "dL_dk2", "dL_dalpha"}) {
      const double expected = ref.read_scalar(rate);
      EXPECT_NEAR(g[at], expected, 1e-5 * std::max(1.0, std::abs(expected)))
          << rate << " " << to_string(method);
      ++at;
    }
    for (const char* name : {"dL_dA", "dL_db"}) {
      const io::Array expected = ref.read(name);
      EXPECT_LT(testing::max_relative_error(slice(g, at, expected.values.size()), expected.values), 1e-5)
          << name << " " << to_string(method);
      at += expected.values.size();
    }
    EXPECT_EQ(at, g.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Vision, ReferenceCase, ::testing::Values("pc_dense.h5", "pc_conv.h5"));

// A small mixed network: two convolution levels with the sparse prior, then a dense top, for a
// batch of three random images; every entry of every product is checked.
struct SmallNetwork {
  PredictiveCodingSpec spec;
  std::vector<double> images, parameters;
};

SmallNetwork small_network(models::Prior prior, bool dense_top) {
  SmallNetwork s;
  s.spec.input = {2, 6, 6, true};
  s.spec.levels.push_back({LevelSpec::Kind::convolution, 0, 3, 3, 2, 1});
  s.spec.levels.push_back({LevelSpec::Kind::convolution, 0, 4, 2, 1, 0});
  if (dense_top) s.spec.levels.push_back({LevelSpec::Kind::dense, 5, 0, 0, 0, 0});
  s.spec.prior = prior;
  s.spec.k1 = 0.7;
  s.spec.k2 = 0.4;
  s.spec.alpha = 0.2;
  s.spec.trainable_rates = true;
  const models::RandomStream stream(7, 99);
  std::size_t k = 0;
  for (std::size_t i = 0; i < 3 * s.spec.input.size(); ++i) s.images.push_back(stream.uniform(k++));
  const std::size_t P = models::parameter_count(s.spec);
  for (std::size_t i = 0; i + 3 < P; ++i) s.parameters.push_back(0.4 * stream.normal(k++));
  s.parameters.insert(s.parameters.end(), {s.spec.k1, s.spec.k2, s.spec.alpha});
  return s;
}

std::vector<double> random_vector(std::size_t n, std::uint64_t id) {
  const models::RandomStream stream(11, id);
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = stream.normal(i);
  return v;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(PredictiveCodingProducts, MatchFiniteDifferencesOfTheVectorField) {
  for (const auto prior : {models::Prior::gaussian, models::Prior::sparse}) {
    const SmallNetwork s = small_network(prior, true);
    PredictiveCoding model(s.spec, s.images);
    model.set_parameters(s.parameters);
    const std::size_t n = model.state_size(), P = model.parameter_size();
    const auto y = random_vector(n, 1), v = random_vector(n, 2), w = random_vector(n, 3);
    // J v by central differences of F along v.
    std::vector<double> plus(n), minus(n), jv(n), fd(n);
    const double h = 1e-6;
    std::vector<double> yp = y, ym = y;
    for (std::size_t i = 0; i < n; ++i) yp[i] += h * v[i], ym[i] -= h * v[i];
    model.rhs(0, 0, yp.data(), plus.data());
    model.rhs(0, 0, ym.data(), minus.data());
    for (std::size_t i = 0; i < n; ++i) fd[i] = (plus[i] - minus[i]) / (2 * h);
    model.jacobian_vector(0, 0, y.data(), v.data(), jv.data());
    EXPECT_TRUE(testing::all_close(jv, fd, 1e-6, 1e-8)) << models::to_string(prior);
    // <w, J v> = <J^T w, v>.
    std::vector<double> jtw(n), out(n), grad(P, 0.0), grad_alone(P, 0.0);
    model.jacobian_transpose_vector(0, 0, y.data(), w.data(), jtw.data());
    EXPECT_NEAR(dot(w, jv), dot(jtw, v), 1e-12 * std::abs(dot(w, jv)) + 1e-12);
    // (dF/dp)^T w against differences of <w, F> in each parameter.
    model.parameter_transpose_vector(0, 0, y.data(), w.data(), grad_alone.data());
    std::vector<double> f(n);
    const auto inner = [&] {
      model.rhs(0, 0, y.data(), f.data());
      return dot(w, f);
    };
    const auto expected = testing::richardson_gradient(model, inner, 1e-4);
    EXPECT_TRUE(testing::all_close(grad_alone, expected, 1e-7, 1e-9)) << models::to_string(prior);
    // The fused products equal the separate ones bitwise.
    model.vector_jacobian_products(0, 0, y.data(), w.data(), out.data(), grad.data());
    EXPECT_EQ(out, jtw);
    EXPECT_EQ(grad, grad_alone);
  }
}

// The stage linearisation (the predictions G_l(r_l)) gives the same F bitwise and the same
// reverse products bitwise as the evaluation at the state, and is what a discrete adjoint keeps.
TEST(PredictiveCodingProducts, TheRecordedLinearisationGivesTheSameProducts) {
  const SmallNetwork s = small_network(models::Prior::sparse, true);
  PredictiveCoding model(s.spec, s.images);
  model.set_parameters(s.parameters);
  const std::size_t n = model.state_size(), P = model.parameter_size();
  std::size_t predictions = 0;
  for (std::size_t l = 0; l + 1 < model.shapes().size(); ++l) predictions += model.shapes()[l].size();
  ASSERT_EQ(model.linearisation_size(), 3 * predictions);
  const auto y = random_vector(n, 1), w = random_vector(n, 3);
  std::vector<double> f(n), recorded_f(n), from_linearisation(n), lin(model.linearisation_size());
  model.rhs(0, 0, y.data(), f.data());
  model.rhs_recording(0, 0, y.data(), recorded_f.data(), lin.data());
  EXPECT_EQ(recorded_f, f);
  // Another state evaluated in between must not leak into the recorded products.
  const auto other = random_vector(n, 4);
  model.rhs(0, 0, other.data(), f.data());
  model.rhs_from_linearisation(0, 0, y.data(), lin.data(), from_linearisation.data());
  EXPECT_EQ(from_linearisation, recorded_f);
  std::vector<double> out(n), grad(P, 0.0), out_lin(n), grad_lin(P, 0.0);
  model.vector_jacobian_products(0, 0, y.data(), w.data(), out.data(), grad.data());
  model.rhs(0, 0, other.data(), f.data());
  model.vector_jacobian_products_from_linearisation(0, 0, y.data(), lin.data(), w.data(), out_lin.data(),
                                                    grad_lin.data());
  EXPECT_EQ(out_lin, out);
  EXPECT_EQ(grad_lin, grad);
}

// The loss of a batch of three images at T through `solver`, and its gradient by `method`,
// against Richardson-extrapolated central differences of the same discrete loss.
void expect_gradient_matches_differences(const std::string& method, bool adaptive, std::size_t steps,
                                         solvers::GradientMethod gradient, double tolerance) {
  const SmallNetwork s = small_network(models::Prior::sparse, true);
  PredictiveCoding model(s.spec, s.images);
  model.set_parameters(s.parameters);
  models::PredictiveCodingFile net;
  net.classes = 3;
  net.mean_pool = false;
  const std::size_t F = model.shapes().back().size();
  net.readout = random_vector(3 * (F + 1), 5);
  const double T = 2.0;
  solvers::SolverSettings solver;
  solver.method = method;
  solver.adaptive = adaptive;
  solver.dt = T / static_cast<double>(steps);
  solver.rtol = solver.atol = 1e-10;
  solvers::GradientSettings settings;
  settings.method = gradient;
  settings.adjoint_solver = solver;
  settings.adjoint_solver.rtol = settings.adjoint_solver.atol = 1e-10;
  if (!adaptive) settings.adjoint_solver.dt = solver.dt / 8;
  const auto readout = readout_for(model, net, 1, {0, 2, 1});
  const std::vector<double> y0(model.state_size(), 0.0);
  solvers::GradientSolver solve(model, solver, settings);
  const auto result = solve.compute(0.0, y0, {0.0, T}, readout);
  ASSERT_TRUE(result.forward.ok()) << result.forward.message;
  ASSERT_EQ(result.gradient_rows, 1u);
  const auto loss = [&] {
    solvers::Integrator integrator(model, solver);
    const auto solution = integrator.solve(0.0, y0, {0.0, T});
    std::vector<double> per(3, 0.0);
    readout.add_value(1, solution.state(1), per);
    return per[0] + per[1] + per[2];
  };
  const auto expected = testing::richardson_gradient(model, loss, 1e-4);
  const auto g = slice(result.gradient, 0, model.parameter_size());
  const double error = testing::max_relative_error(g, expected);
  EXPECT_LT(error, tolerance) << method << " " << result.method;
}

TEST(PredictiveCodingGradients, BackpropagationThroughEulerStepsIsExact) {
  expect_gradient_matches_differences("euler", false, 10, solvers::GradientMethod::backprop_euler, 1e-7);
}
TEST(PredictiveCodingGradients, DiscreteAdjointOfRk4IsExact) {
  expect_gradient_matches_differences("rk4", false, 10, solvers::GradientMethod::discrete, 1e-7);
}
TEST(PredictiveCodingGradients, DiscreteAdjointOfAdaptiveDormandPrinceIsExact) {
  expect_gradient_matches_differences("dopri5", true, 100, solvers::GradientMethod::discrete, 1e-6);
}
TEST(PredictiveCodingGradients, ContinuousAdjointConvergesForDormandPrince) {
  expect_gradient_matches_differences("dopri5", true, 100, solvers::GradientMethod::continuous, 1e-6);
}
TEST(PredictiveCodingGradients, ContinuousAdjointOfAnImplicitMethod) {
  // Crank-Nicolson, matrix-free (the model has no assembled Jacobian), 100 fixed steps: its
  // continuous adjoint agrees with the differences of its own loss to the method's O(dt^2).
  expect_gradient_matches_differences("cn", false, 100, solvers::GradientMethod::continuous, 1e-3);
}

TEST(PredictiveCodingBatch, ABatchIsItsImagesSolvedAlone) {
  const SmallNetwork s = small_network(models::Prior::gaussian, false);
  PredictiveCoding batch(s.spec, s.images);
  batch.set_parameters(s.parameters);
  const std::size_t n1 = s.spec.input.size();
  const std::size_t m = batch.trial_size();
  const auto y = random_vector(batch.state_size(), 4);
  std::vector<double> f(batch.state_size());
  batch.rhs(0, 0, y.data(), f.data());
  for (std::size_t b = 0; b < 3; ++b) {
    PredictiveCoding one(s.spec, slice(s.images, b * n1, n1));
    one.set_parameters(s.parameters);
    std::vector<double> g(m);
    one.rhs(0, 0, y.data() + b * m, g.data());
    EXPECT_TRUE(testing::all_close(slice(f, b * m, m), g, 1e-14, 1e-14)) << "image " << b;
  }
}

TEST(PredictiveCodingFile, BadFilesAreRefusedNamingTheFile) {
  EXPECT_THROW(models::load_predictive_coding_file(testing::temporary_path("missing.h5")), io::Hdf5Error);
  const std::string path = testing::temporary_path("no_levels.h5");
  {
    io::Hdf5File file(path, io::Hdf5File::Mode::create);
    file.set_attribute("/", "model", "predictive_coding");
    for (const char* a : {"k1", "k2", "alpha", "T", "label"}) file.set_attribute("/", a, 0.5);
    file.write("x", std::vector<double>(4, 0.1));
    file.close();
  }
  EXPECT_TRUE(models::is_predictive_coding_file(path));
  try {
    models::load_predictive_coding_file(path);
    FAIL() << "a file without levels was accepted";
  } catch (const io::Hdf5Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("U1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace neurode
