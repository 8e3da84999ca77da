// The hGRU (models/hgru): the reference case ../shared/reference/vision/hgru.h5 (trajectories of
// H2 and H1, the logits, the loss and every gradient of an independent implementation, and its
// discrete-step check), the derivative products against finite differences of the vector field,
// and the gradient of every solver family against finite differences of its own discrete loss.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "models/hgru/hgru.hpp"
#include "models/hgru/hgru_network_file.hpp"
#include "models/kernels/random_stream.hpp"
#include "solvers/gradient.hpp"
#include "support/finite_differences.hpp"
#include "support/reference.hpp"
#include "train/classification_readout.hpp"

namespace neurode {
namespace {

using models::Hgru;
using models::HgruSpec;

solvers::SolverSettings tight() {
  solvers::SolverSettings s;
  s.method = "dopri5";
  s.rtol = s.atol = 1e-10;
  s.dt = 1e-3;
  return s;
}

train::ClassificationReadout readout_for(const Hgru& model, std::size_t classes, std::vector<double> readout,
                                         std::size_t observation, std::vector<int> labels) {
  return train::ClassificationReadout(train::top_component_features(model.state_layout(), true), classes,
                                      std::move(labels), std::move(readout), observation);
}

std::vector<double> slice(const std::vector<double>& v, std::size_t at, std::size_t n) {
  return {v.begin() + static_cast<std::ptrdiff_t>(at), v.begin() + static_cast<std::ptrdiff_t>(at + n)};
}

std::string reference_file() { return testing::reference_path("vision/hgru.h5"); }

TEST(HgruReference, TrajectoriesMatchTheIndependentImplementation) {
  const auto net = models::load_hgru_file(reference_file());
  Hgru model(net.spec, net.drive);
  model.set_parameters(net.parameters);
  solvers::SolverSettings solver = tight();
  solver.rtol = solver.atol = 1e-8;  // the README's suggested test setting
  solvers::Integrator integrator(model, solver);
  const auto solution = integrator.solve(0.0, std::vector<double>(model.state_size(), 0.0), net.times);
  ASSERT_TRUE(solution.ok()) << solution.message;
  const io::Hdf5File ref(reference_file(), io::Hdf5File::Mode::read);
  std::vector<double> h2, h1;
  for (std::size_t k = 0; k < net.times.size(); ++k) {
    const double* y = solution.state(k);
    h2.insert(h2.end(), y, y + model.state_size());
    const auto at = model.h1(y);
    h1.insert(h1.end(), at.begin(), at.end());
  }
  EXPECT_LT(testing::max_relative_error(h2, ref.read("H2").values), 1e-6);
  EXPECT_LT(testing::max_relative_error(h1, ref.read("H1").values), 1e-6);
  const auto readout = readout_for(model, net.classes, net.readout, net.times.size() - 1, {net.label});
  const double* final_state = solution.state(net.times.size() - 1);
  EXPECT_LT(testing::max_relative_error(readout.features(final_state, 0), ref.read("readout_input").values),
            1e-6);
  EXPECT_LT(testing::max_relative_error(readout.logits(final_state, 0), ref.read("logits").values), 1e-6);
}

// Every dL_d* of the file (W entry by entry, tau, the read-out) by the discrete and the continuous
// adjoint of Dormand-Prince, and dL_dV_sym by the symmetric parameterisation at V = W.
TEST(HgruReference, LossAndGradientsMatchTheIndependentImplementation) {
  const auto net = models::load_hgru_file(reference_file());
  const io::Hdf5File ref(reference_file(), io::Hdf5File::Mode::read);
  for (const bool symmetric : {false, true})
    for (const auto method : {solvers::GradientMethod::discrete, solvers::GradientMethod::continuous}) {
      HgruSpec spec = net.spec;
      spec.symmetric = symmetric;
      Hgru model(spec, net.drive);
      model.set_parameters(net.parameters);  // V = W: the same field
      const auto readout = readout_for(model, net.classes, net.readout, 1, {net.label});
      solvers::GradientSettings settings;
      settings.method = method;
      settings.adjoint_solver = tight();
      solvers::GradientSolver solver(model, tight(), settings);
      const auto r =
          solver.compute(0.0, std::vector<double>(model.state_size(), 0.0), {0.0, net.times.back()}, readout);
      ASSERT_TRUE(r.forward.ok()) << r.forward.message;
      const std::string what = std::string(to_string(method)) + (symmetric ? " symmetric" : "");
      EXPECT_NEAR(r.loss(), ref.read_attribute("/", "loss"), 1e-8) << what;
      const auto g = r.summed_gradient();
      for (const auto& a : models::hgru_parameter_arrays(spec)) {
        const std::string name = "dL_d" + (a.name == "V" ? std::string("V_sym") : a.name);
        const io::Array expected = ref.read(name);
        ASSERT_EQ(expected.values.size(), a.count) << name;
        EXPECT_LT(testing::max_relative_error(slice(g, a.offset, a.count), expected.values), 1e-5)
            << name << " " << what;
      }
      std::size_t at = model.parameter_size();
      for (const char* name : {"dL_dA", "dL_db"}) {
        const io::Array expected = ref.read(name);
        EXPECT_LT(testing::max_relative_error(slice(g, at, expected.values.size()), expected.values), 1e-5)
            << name << " " << what;
        at += expected.values.size();
      }
      EXPECT_EQ(at, g.size());
    }
}

// One forward Euler step of the continuous form with dt = tau from H2_start is the discrete hGRU
// update with eta = 1 (the gate as a learned step size).
TEST(HgruReference, AnEulerStepOfTauIsTheDiscreteUpdate) {
  const auto net = models::load_hgru_file(reference_file());
  Hgru model(net.spec, net.drive);
  model.set_parameters(net.parameters);
  const io::Hdf5File ref(reference_file(), io::Hdf5File::Mode::read);
  const std::vector<double> start = ref.read("discrete_step_check/H2_start").values;
  const double tau = net.parameters.back();
  solvers::SolverSettings euler;
  euler.method = "euler";
  euler.adaptive = false;
  euler.dt = tau;
  solvers::Integrator integrator(model, euler);
  const auto solution = integrator.solve(0.0, start, {0.0, tau});
  ASSERT_TRUE(solution.ok()) << solution.message;
  const double* y = solution.state(1);
  const std::vector<double> stepped(y, y + model.state_size());
  EXPECT_EQ(solution.statistics.steps, 1);
  EXPECT_TRUE(testing::all_close(stepped, ref.read("discrete_step_check/H2_euler").values, 1e-14, 1e-15));
  EXPECT_TRUE(testing::all_close(stepped, ref.read("discrete_step_check/H2_discrete").values, 1e-14, 1e-15));
  // And H2_start is the reference trajectory at t = 3.
  std::size_t k3 = 0;
  while (net.times[k3] < 3.0 - 1e-12) ++k3;
  const std::vector<double> h2 = ref.read("H2").values;
  EXPECT_EQ(slice(h2, k3 * model.state_size(), model.state_size()), start);
}

// A small network for the product and gradient checks: C = 2, 5x4, a 3x3 kernel, a batch of 2.
struct SmallNetwork {
  HgruSpec spec;
  std::vector<double> drive, parameters;
};

// With `front_end`, the model is given two 1-channel images and makes X by a trained 3x3 front end.
SmallNetwork small_network(models::Zeta zeta, bool symmetric, bool front_end = false) {
  SmallNetwork s;
  s.spec.channels = 2;
  s.spec.height = 5;
  s.spec.width = 4;
  s.spec.kernel = 3;
  s.spec.zeta = zeta;
  s.spec.symmetric = symmetric;
  s.spec.front_kernel = front_end ? 3 : 0;
  const models::RandomStream stream(5, 17);
  std::size_t k = 0;
  for (std::size_t i = 0; i < 2 * s.spec.input_size(); ++i) s.drive.push_back(stream.normal(k++));
  for (const auto& a : models::hgru_parameter_arrays(s.spec)) {
    for (std::size_t i = 0; i < a.count; ++i) {
      double v = 0.4 * stream.normal(k++);
      if (a.name == "alpha") v = 0.1 * (1 + 0.2 * stream.uniform(k++));
      if (a.name == "mu" || a.name == "gamma") v = 1 + 0.2 * stream.uniform(k++);
      if (a.name == "kappa" || a.name == "omega") v = 0.5 + 0.2 * stream.uniform(k++);
      if (a.name == "tau") v = 1.3;
      s.parameters.push_back(v);
    }
  }
  return s;
}

std::vector<double> random_vector(std::size_t n, std::uint64_t id, double scale = 1.0) {
  const models::RandomStream stream(13, id);
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * stream.normal(i);
  return v;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

class HgruProducts : public ::testing::TestWithParam<std::tuple<models::Zeta, bool, bool>> {};

TEST_P(HgruProducts, MatchFiniteDifferencesOfTheVectorField) {
  const auto [zeta, symmetric, front_end] = GetParam();
  const SmallNetwork s = small_network(zeta, symmetric, front_end);
  Hgru model(s.spec, s.drive);
  model.set_parameters(s.parameters);
  const std::size_t n = model.state_size(), P = model.parameter_size();
  const auto y = random_vector(n, 1, 0.5), v = random_vector(n, 2), w = random_vector(n, 3);
  // J v by central differences of F along v.
  std::vector<double> plus(n), minus(n), jv(n), fd(n);
  const double h = 1e-6;
  std::vector<double> yp = y, ym = y;
  for (std::size_t i = 0; i < n; ++i) yp[i] += h * v[i], ym[i] -= h * v[i];
  model.rhs(0, 0, yp.data(), plus.data());
  model.rhs(0, 0, ym.data(), minus.data());
  for (std::size_t i = 0; i < n; ++i) fd[i] = (plus[i] - minus[i]) / (2 * h);
  model.jacobian_vector(0, 0, y.data(), v.data(), jv.data());
  EXPECT_TRUE(testing::all_close(jv, fd, 1e-6, 1e-8));
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
  EXPECT_TRUE(testing::all_close(grad_alone, expected, 1e-7, 1e-9));
  // The fused products equal the separate ones bitwise, and accumulate.
  model.vector_jacobian_products(0, 0, y.data(), w.data(), out.data(), grad.data());
  EXPECT_EQ(out, jtw);
  EXPECT_EQ(grad, grad_alone);
  model.parameter_transpose_vector(0, 0, y.data(), w.data(), grad.data());
  // (A kernel gradient adds each image onto what is there: the second sum rounds differently.)
  for (std::size_t k = 0; k < P; ++k)
    EXPECT_NEAR(grad[k], 2 * grad_alone[k], 1e-14 * std::abs(grad_alone[k]) + 1e-300) << k;
}

// The stage linearisation (the forward pass's arrays and spectra) gives F and the reverse products
// bitwise as the evaluation at the state does, with another state evaluated in between.
TEST_P(HgruProducts, TheRecordedLinearisationGivesTheSameProducts) {
  const auto [zeta, symmetric, front_end] = GetParam();
  const SmallNetwork s = small_network(zeta, symmetric, front_end);
  Hgru model(s.spec, s.drive);
  model.set_parameters(s.parameters);
  const std::size_t n = model.state_size(), P = model.parameter_size();
  ASSERT_GT(model.linearisation_size(), 6 * n);
  const auto y = random_vector(n, 1, 0.5), w = random_vector(n, 3), other = random_vector(n, 4, 0.5);
  std::vector<double> f(n), recorded_f(n), from_linearisation(n), lin(model.linearisation_size());
  model.rhs(0, 0, y.data(), f.data());
  model.rhs_recording(0, 0, y.data(), recorded_f.data(), lin.data());
  EXPECT_EQ(recorded_f, f);
  model.rhs(0, 0, other.data(), f.data());
  model.rhs_from_linearisation(0, 0, y.data(), lin.data(), from_linearisation.data());
  EXPECT_EQ(from_linearisation, recorded_f);
  std::vector<double> out(n), grad(P, 0.0), out_lin(n), grad_lin(P, 0.0), out_only(n);
  model.vector_jacobian_products(0, 0, y.data(), w.data(), out.data(), grad.data());
  model.rhs(0, 0, other.data(), f.data());
  model.vector_jacobian_products_from_linearisation(0, 0, y.data(), lin.data(), w.data(), out_lin.data(),
                                                    grad_lin.data());
  EXPECT_EQ(out_lin, out);
  EXPECT_EQ(grad_lin, grad);
  model.rhs(0, 0, other.data(), f.data());
  model.vector_jacobian_products_from_linearisation(0, 0, y.data(), lin.data(), w.data(), out_only.data(),
                                                    nullptr);
  EXPECT_EQ(out_only, out);
}

INSTANTIATE_TEST_SUITE_P(Variants, HgruProducts,
                         ::testing::Combine(::testing::Values(models::Zeta::tanh, models::Zeta::relu),
                                            ::testing::Bool(), ::testing::Bool()));

// The loss of a batch of two drives at T through `solver`, its gradient by `method`, against
// Richardson-extrapolated central differences of the same discrete loss.
void expect_gradient_matches_differences(const std::string& method, bool adaptive, std::size_t steps,
                                         solvers::GradientMethod gradient, double tolerance,
                                         bool symmetric = true, bool front_end = false) {
  const SmallNetwork s = small_network(models::Zeta::tanh, symmetric, front_end);
  Hgru model(s.spec, s.drive);
  model.set_parameters(s.parameters);
  const double T = 3.0;
  solvers::SolverSettings solver;
  solver.method = method;
  solver.adaptive = adaptive;
  solver.dt = T / static_cast<double>(steps);
  solver.rtol = solver.atol = 1e-10;
  solvers::GradientSettings settings;
  settings.method = gradient;
  settings.adjoint_solver = solver;
  if (!adaptive) settings.adjoint_solver.dt = solver.dt / 8;
  const auto readout = readout_for(model, 3, random_vector(3 * 3, 5), 1, {0, 2});
  const std::vector<double> y0(model.state_size(), 0.0);
  solvers::GradientSolver solve(model, solver, settings);
  const auto result = solve.compute(0.0, y0, {0.0, T}, readout);
  ASSERT_TRUE(result.forward.ok()) << result.forward.message;
  ASSERT_EQ(result.gradient_rows, 1u);
  const auto loss = [&] {
    solvers::Integrator integrator(model, solver);
    const auto solution = integrator.solve(0.0, y0, {0.0, T});
    std::vector<double> per(2, 0.0);
    readout.add_value(1, solution.state(1), per);
    return per[0] + per[1];
  };
  const auto expected = testing::richardson_gradient(model, loss, 1e-4);
  const auto g = slice(result.summed_gradient(), 0, model.parameter_size());
  EXPECT_LT(testing::max_relative_error(g, expected), tolerance) << method << " " << result.method;
  EXPECT_TRUE(testing::all_close(g, expected, 100 * tolerance, tolerance * 1e-2)) << method;
}

// A discrete adjoint that keeps the forward pass's stage linearisations (the default) gives the
// gradient of the one that evaluates every stage again: bitwise for RK4, to rounding for
// Dormand-Prince (its first stage is PETSc's last of the previous step, docs/gradients.md).
TEST(HgruGradients, KeptStageLinearisationsGiveTheRecomputedGradient) {
  const SmallNetwork s = small_network(models::Zeta::tanh, true, true);
  Hgru model(s.spec, s.drive);
  model.set_parameters(s.parameters);
  const auto readout = readout_for(model, 3, random_vector(3 * 3, 5), 1, {0, 2});
  const std::vector<double> y0(model.state_size(), 0.0);
  for (const bool adaptive : {false, true}) {
    solvers::SolverSettings solver;
    solver.method = adaptive ? "dopri5" : "rk4";
    solver.adaptive = adaptive;
    solver.dt = 0.25;
    solver.rtol = solver.atol = 1e-6;
    std::vector<solvers::GradientResult> results;
    for (const bool keep : {false, true}) {
      solvers::GradientSettings settings;
      settings.keep_stage_linearisations = keep;
      solvers::GradientSolver solve(model, solver, settings);
      results.push_back(solve.compute(0.0, y0, {0.0, 3.0}, readout));
      ASSERT_TRUE(results.back().forward.ok()) << results.back().forward.message;
    }
    EXPECT_EQ(results[0].backward_linearised_steps, 0) << solver.method;
    EXPECT_EQ(results[1].backward_linearised_steps, results[1].backward_steps) << solver.method;
    EXPECT_GT(results[1].backward_steps, 5) << solver.method;
    EXPECT_LT(results[1].backward_rhs_evaluations, results[0].backward_rhs_evaluations) << solver.method;
    if (!adaptive)
      EXPECT_EQ(results[1].gradient, results[0].gradient);
    else
      EXPECT_TRUE(testing::all_close(results[1].gradient, results[0].gradient, 1e-12, 1e-15));
  }
}

TEST(HgruGradients, BackpropagationThroughEulerStepsIsExact) {
  expect_gradient_matches_differences("euler", false, 6, solvers::GradientMethod::backprop_euler, 1e-7);
}
TEST(HgruGradients, DiscreteAdjointOfRk4IsExact) {
  expect_gradient_matches_differences("rk4", false, 10, solvers::GradientMethod::discrete, 1e-7, false);
}
TEST(HgruGradients, DiscreteAdjointOfAdaptiveDormandPrinceIsExact) {
  expect_gradient_matches_differences("dopri5", true, 100, solvers::GradientMethod::discrete, 1e-6);
}
TEST(HgruGradients, TheFrontEndIsTrainedThroughTheDrive) {
  expect_gradient_matches_differences("dopri5", true, 100, solvers::GradientMethod::discrete, 1e-6, true,
                                      true);
  expect_gradient_matches_differences("euler", false, 6, solvers::GradientMethod::backprop_euler, 1e-7, false,
                                      true);
}
TEST(HgruGradients, ContinuousAdjointConvergesForDormandPrince) {
  expect_gradient_matches_differences("dopri5", true, 100, solvers::GradientMethod::continuous, 1e-6);
}
TEST(HgruGradients, ContinuousAdjointOfAnImplicitMethod) {
  // Crank-Nicolson, matrix-free (no assembled Jacobian), 100 fixed steps: O(dt^2).
  expect_gradient_matches_differences("cn", false, 100, solvers::GradientMethod::continuous, 1e-3);
}

TEST(HgruBatch, ABatchIsItsDrivesSolvedAlone) {
  const SmallNetwork s = small_network(models::Zeta::tanh, false);
  Hgru batch(s.spec, s.drive);
  batch.set_parameters(s.parameters);
  const std::size_t m = s.spec.size();
  const auto y = random_vector(batch.state_size(), 4, 0.5);
  std::vector<double> f(batch.state_size());
  batch.rhs(0, 0, y.data(), f.data());
  for (std::size_t b = 0; b < 2; ++b) {
    Hgru one(s.spec, slice(s.drive, b * m, m));
    one.set_parameters(s.parameters);
    std::vector<double> g(m);
    one.rhs(0, 0, y.data() + b * m, g.data());
    EXPECT_TRUE(testing::all_close(slice(f, b * m, m), g, 1e-14, 1e-14)) << "drive " << b;
  }
}

TEST(HgruModel, TheSymmetricKernelIsTheMeanOverTheChannelTranspose) {
  const std::vector<double> V = {1, 2, 3, 4};  // [2, 2, 1, 1]
  const auto W = models::symmetrised_kernel(V.data(), 2, 1);
  EXPECT_EQ(W, (std::vector<double>{1, 2.5, 2.5, 4}));
  HgruSpec spec;
  spec.kernel = 2;
  EXPECT_THROW(Hgru(spec, {0.0}), std::invalid_argument);
  EXPECT_THROW(models::parse_zeta("sigmoid"), std::invalid_argument);
}

TEST(HgruFile, BadFilesAreRefusedNamingTheFile) {
  EXPECT_THROW(models::load_hgru_file(testing::temporary_path("missing.h5")), io::Hdf5Error);
  const std::string path = testing::temporary_path("no_kernel.h5");
  {
    io::Hdf5File file(path, io::Hdf5File::Mode::create);
    file.set_attribute("/", "model", "hgru");
    for (const char* a : {"tau", "label"}) file.set_attribute("/", a, 0.0);
    file.write("X", {2, 3, 3}, std::vector<double>(18, 0.1).data());
    file.close();
  }
  EXPECT_TRUE(models::is_hgru_file(path));
  try {
    models::load_hgru_file(path);
    FAIL() << "a file without W was accepted";
  } catch (const io::Hdf5Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'W'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace neurode
