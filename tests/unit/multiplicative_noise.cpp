// Multiplicative noise sigma y dW (models/noise/multiplicative_noise.hpp) and noise on chosen
// components with a sigma per population (models/noise/column_noise.hpp): geometric Brownian
// motion against its exact solution on the same path in both interpretations, the Ito martingale
// property over an ensemble, every derivative product against the field's, gradients against
// finite differences, which components the noise reaches and by how much, and the config section.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "io/config_error.hpp"
#include "io/config_reader.hpp"
#include "models/noise/additive_noise.hpp"
#include "models/noise/column_noise.hpp"
#include "models/noise/multiplicative_noise.hpp"
#include "models/noise/noise_config.hpp"
#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"
#include "support/finite_differences.hpp"
#include "support/gradient_problems.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

using models::AdditiveNoise;
using models::MultiplicativeNoise;
using models::NoiseInterpretation;
using models::NoiseSettings;
using models::NoisyComponents;
using models::RandomStream;

std::vector<RandomStream> streams(std::size_t count, std::uint64_t first = 0) {
  std::vector<RandomStream> out;
  for (std::size_t b = 0; b < count; ++b) out.emplace_back(7, models::RandomDomain::brownian_path, first + b);
  return out;
}

// dX/dt = mu X per trial, one component each: with sigma X dW, geometric Brownian motion.
class Growth final : public models::Model {
 public:
  Growth(std::size_t trials, double mu) : trials_(trials), mu_(mu) {}
  std::size_t state_size() const override { return trials_; }
  std::size_t trial_count() const override { return trials_; }
  std::size_t parameter_size() const override { return 1; }
  const std::vector<double>& breakpoints() const override { return none_; }
  void rhs(double, std::size_t, const double* y, double* dydt) override {
    for (std::size_t i = 0; i < trials_; ++i) dydt[i] = mu_ * y[i];
  }
  void jacobian_vector(double, std::size_t, const double*, const double* v, double* out) override {
    for (std::size_t i = 0; i < trials_; ++i) out[i] = mu_ * v[i];
  }
  void jacobian_transpose_vector(double t, std::size_t s, const double* y, const double* w,
                                 double* out) override {
    jacobian_vector(t, s, y, w, out);
  }
  void parameter_transpose_vector(double, std::size_t, const double* y, const double* w,
                                  double* grad) override {
    for (std::size_t i = 0; i < trials_; ++i) grad[i] += w[i] * y[i];
  }
  bool has_assembled_jacobian() const override { return true; }
  void jacobian_entries(double, std::size_t, const double*, std::vector<models::MatrixEntry>& e) override {
    for (std::size_t i = 0; i < trials_; ++i) e.push_back({i, i, mu_});
  }
  std::vector<double> parameters() const override { return {mu_}; }
  void set_parameters(const std::vector<double>& values) override { mu_ = values.at(0); }

 private:
  std::size_t trials_;
  double mu_;
  std::vector<double> none_;
};

std::unique_ptr<MultiplicativeNoise> gbm(std::size_t trials, double mu, double sigma, double h, double T,
                                         NoiseInterpretation interpretation) {
  return std::make_unique<MultiplicativeNoise>(std::make_unique<Growth>(trials, mu), h,
                                               NoisyComponents::uniform({0}, sigma), interpretation,
                                               streams(trials), 0.0, T);
}

std::vector<double> final_values(models::Model& model, const solvers::SolverSettings& solver, double x0,
                                 double T) {
  solvers::Integrator integrator(model, solver);
  const auto s = integrator.solve(0.0, std::vector<double>(model.state_size(), x0), {0.0, T});
  EXPECT_TRUE(s.ok()) << s.message;
  return std::vector<double>(s.state(1), s.state(1) + model.state_size());
}

TEST(MultiplicativeNoise, GeometricBrownianMotionIsExactOnThePathInBothInterpretations) {
  // On each interval the forcing is constant, so X(t_k+1) = X(t_k) exp((mu - c) h + sigma dW_k):
  // an accurate solve gives X0 exp((mu - c) T + sigma W(T)) at any resolution, c = 0 (Stratonovich)
  // or sigma^2 / 2 (Ito), to the solver's tolerance.
  const std::size_t trials = 16;
  const double mu = 0.5, sigma = 0.8, T = 1.0, x0 = 2.0;
  for (const double h : {0.1, 0.01}) {
    for (const auto interpretation : {NoiseInterpretation::stratonovich, NoiseInterpretation::ito}) {
      auto model = gbm(trials, mu, sigma, h, T, interpretation);
      ASSERT_EQ(model->intervals(), static_cast<std::size_t>(std::lround(T / h)));
      const auto X = final_values(*model, testing::method("dopri5", true, 1e-4, 1e-12), x0, T);
      const double c = interpretation == NoiseInterpretation::ito ? 0.5 * sigma * sigma : 0.0;
      for (std::size_t b = 0; b < trials; ++b) {
        double W = 0;  // the path at T: the sum of its increments dW_k = forcing x h / sigma
        for (std::size_t k = 0; k < model->intervals(); ++k) W += model->forcing(k, b)[0] * h / sigma;
        const double exact = x0 * std::exp((mu - c) * T + sigma * W);
        EXPECT_NEAR(X[b] / exact, 1.0, 1e-9) << "h " << h << " trial " << b;
      }
    }
  }
}

TEST(MultiplicativeNoise, TheItoSolutionIsAMartingaleAndTheStratonovichOneIsNot) {
  // E X(T) = X0 exp(mu T) (Ito) and X0 exp((mu + sigma^2 / 2) T) (Stratonovich); the relative
  // standard deviation of X(T) is sqrt(exp(sigma^2 T) - 1) = 0.95 in both, so 4000 paths give the
  // mean to 1.5%, and the two means are 38% apart.
  const std::size_t trials = 4000;
  const double mu = 0.5, sigma = 0.8, T = 1.0, x0 = 1.0, h = 0.01;
  const double standard_error = std::sqrt(std::exp(sigma * sigma * T) - 1) / std::sqrt(double(trials));
  for (const auto interpretation : {NoiseInterpretation::ito, NoiseInterpretation::stratonovich}) {
    auto model = gbm(trials, mu, sigma, h, T, interpretation);
    const auto X = final_values(*model, testing::method("dopri5", true, 1e-3, 1e-8), x0, T);
    const double mean = std::accumulate(X.begin(), X.end(), 0.0) / trials;
    const double expected = interpretation == NoiseInterpretation::ito
                                ? x0 * std::exp(mu * T)
                                : x0 * std::exp((mu + 0.5 * sigma * sigma) * T);
    EXPECT_NEAR(mean / expected, 1.0, 4 * standard_error)
        << (interpretation == NoiseInterpretation::ito ? "ito" : "stratonovich");
  }
}

TEST(MultiplicativeNoise, OneEulerStepPerIntervalReadsTheFieldAsIto) {
  // Why configs refuse first-order methods with multiplicative noise: one Euler step per interval of
  // the Stratonovich model is X_k+1 = X_k (1 + mu h + sigma dW_k), Euler-Maruyama of the Ito SDE,
  // with mean X0 (1 + mu h)^(T/h) ~ X0 exp(mu T), not the Stratonovich mean; RK4 steps of the same
  // length resolve exp((mu h + sigma dW_k)) and keep the Stratonovich mean.
  const std::size_t trials = 4000;
  const double mu = 0.5, sigma = 0.8, T = 1.0, h = 0.01;
  const double standard_error = std::sqrt(std::exp(sigma * sigma * T) - 1) / std::sqrt(double(trials));
  auto mean_of = [&](const char* method) {
    auto model = gbm(trials, mu, sigma, h, T, NoiseInterpretation::stratonovich);
    const auto X = final_values(*model, testing::method(method, false, h), 1.0, T);
    return std::accumulate(X.begin(), X.end(), 0.0) / trials;
  };
  EXPECT_NEAR(mean_of("euler") / std::pow(1 + mu * h, T / h), 1.0, 4 * standard_error);
  EXPECT_NEAR(mean_of("rk4") / std::exp((mu + 0.5 * sigma * sigma) * T), 1.0, 4 * standard_error);
}

// A state away from zero, so that multiplicative noise acts from the start.
void start_away_from_zero(testing::GradientProblem& p) {
  const std::size_t trials = p.model->trial_count(), n = p.model->populations();
  for (std::size_t b = 0; b < trials; ++b)
    for (std::size_t i = 0; i < n; ++i) {
      p.y0[3 * n * b + i] = 5.0 + 0.5 * static_cast<double>(i % 8);  // V
      p.y0[3 * n * b + n + i] = 1.0;                                 // a
      p.y0[3 * n * b + 2 * n + i] = 2.0;                             // r
    }
}

// The three-column gradient-test network (24 populations) with noise per `settings`, from a state
// away from zero.
std::unique_ptr<models::Model> noisy_network(testing::GradientProblem& p, const NoiseSettings& settings) {
  start_away_from_zero(p);
  const std::size_t trials = p.model->trial_count();
  return models::with_column_noise(std::move(p.model), settings, streams(trials), p.times.front(),
                                   p.times.back());
}

NoiseSettings column_settings(models::NoiseType type, NoiseInterpretation interpretation, double resolution,
                              std::vector<double> V, std::vector<double> a, std::vector<double> r) {
  NoiseSettings s;
  s.type = type;
  s.interpretation = interpretation;
  s.resolution_s = resolution;
  s.column_sigma = {std::move(V), std::move(a), std::move(r)};
  for (const auto& values : s.column_sigma)
    for (double x : values) s.sigma = std::max(s.sigma, x);
  return s;
}

NoiseSettings everywhere(NoiseInterpretation interpretation, double resolution = 1e-4) {
  return column_settings(models::NoiseType::multiplicative, interpretation, resolution,
                         {5, 4, 3, 2, 5, 4, 3, 0}, {2, 2, 2, 2, 1, 1, 1, 1}, {3, 0, 3, 0, 3, 0, 3, 0});
}

std::vector<double> random_vector(std::size_t size, unsigned seed) {
  std::vector<double> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = std::sin(1.7 * static_cast<double>(i) + seed) + 0.3;
  return out;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
}

TEST(MultiplicativeNoise, EveryDerivativeProductIncludesTheNoiseTerm) {
  // Against central differences of the field, and against each other: (dF/dy) v, (dF/dy)^T w
  // (w . J v = J^T w . v), the products of a reverse step, the linearisation-based ones, and the
  // assembled entries; on a grid interval inside the run (segment 5), in both interpretations.
  for (const auto interpretation : {NoiseInterpretation::stratonovich, NoiseInterpretation::ito}) {
    auto p = testing::random_network_problem(3, 2);
    auto model = noisy_network(p, everywhere(interpretation));
    const std::size_t N = model->state_size(), segment = 5;
    const double t = model->breakpoints()[segment - 1] + 1e-6;
    std::vector<double> y = p.y0;
    for (std::size_t i = 0; i < N; ++i) y[i] += 0.5 * std::cos(0.3 * static_cast<double>(i));
    const auto v = random_vector(N, 1), w = random_vector(N, 2);
    std::vector<double> Jv(N), JTw(N), fd(N), plus(N), minus(N), yp(N), ym(N);
    model->jacobian_vector(t, segment, y.data(), v.data(), Jv.data());
    const double eps = 1e-6;
    for (std::size_t i = 0; i < N; ++i) {
      yp[i] = y[i] + eps * v[i];
      ym[i] = y[i] - eps * v[i];
    }
    model->rhs(t, segment, yp.data(), plus.data());
    model->rhs(t, segment, ym.data(), minus.data());
    for (std::size_t i = 0; i < N; ++i) fd[i] = (plus[i] - minus[i]) / (2 * eps);
    EXPECT_LT(testing::max_relative_error(Jv, fd), 1e-6);
    model->jacobian_transpose_vector(t, segment, y.data(), w.data(), JTw.data());
    EXPECT_NEAR(dot(w, Jv), dot(JTw, v), 1e-10 * std::abs(dot(w, Jv)));

    const std::size_t G = model->gradient_rows() * model->parameter_size();
    std::vector<double> out(N), grad(G, 0.0), grad_split(G, 0.0);
    model->vector_jacobian_products(t, segment, y.data(), w.data(), out.data(), grad.data());
    EXPECT_LT(testing::max_relative_error(out, JTw), 1e-12);
    model->parameter_transpose_vector(t, segment, y.data(), w.data(), grad_split.data());
    EXPECT_LT(testing::max_relative_error(grad, grad_split), 1e-12);

    ASSERT_GT(model->linearisation_size(), 0u);
    std::vector<double> linearisation(model->linearisation_size()), dydt(N), recorded(N), replayed(N);
    model->rhs(t, segment, y.data(), dydt.data());
    model->rhs_recording(t, segment, y.data(), recorded.data(), linearisation.data());
    EXPECT_EQ(recorded, dydt);
    model->rhs_from_linearisation(t, segment, y.data(), linearisation.data(), replayed.data());
    EXPECT_LT(testing::max_relative_error(replayed, dydt), 1e-12);
    std::vector<double> out_lin(N), grad_lin(G, 0.0);
    model->vector_jacobian_products_from_linearisation(
        t, segment, model->linearised_products_read_state() ? y.data() : nullptr, linearisation.data(),
        w.data(), out_lin.data(), grad_lin.data());
    EXPECT_LT(testing::max_relative_error(out_lin, JTw), 1e-12);
    EXPECT_LT(testing::max_relative_error(grad_lin, grad), 1e-12);

    ASSERT_TRUE(model->has_assembled_jacobian());
    std::vector<models::MatrixEntry> entries;
    model->jacobian_entries(t, segment, y.data(), entries);
    std::vector<double> assembled(N, 0.0);
    for (const auto& e : entries) assembled[e.row] += e.value * v[e.col];
    EXPECT_LT(testing::max_relative_error(assembled, Jv), 1e-10);
  }
}

double loss_of(models::Model& model, testing::GradientProblem& p, const solvers::SolverSettings& solver) {
  solvers::Integrator integrator(model, solver);
  const auto s = integrator.solve(p.times.front(), p.y0, p.times);
  std::vector<double> per_trial(model.trial_count(), 0.0);
  for (std::size_t k = 0; k < p.times.size(); ++k) p.loss->add_value(k, s.state(k), per_trial);
  return std::accumulate(per_trial.begin(), per_trial.end(), 0.0);
}

TEST(MultiplicativeNoise, GradientsMatchFiniteDifferencesOnAFixedPath) {
  // The path does not depend on the parameters, but the noise term now depends on the state: the
  // adjoints must carry its derivative (and the Ito correction's) to agree with differences of the
  // loss. Noise on V, a and r with a sigma per population, some of them 0.
  struct Case {
    const char* name;
    solvers::SolverSettings solver;
    solvers::GradientMethod method;
    NoiseInterpretation interpretation;
    bool scalars;
    double step;
  };
  for (const Case& c :
       {Case{"discrete rk4, ito", testing::method("rk4", false, 1e-4), solvers::GradientMethod::discrete,
             NoiseInterpretation::ito, true, 1e-7},
        Case{"backprop euler, stratonovich", testing::method("euler", false, 1e-5),
             solvers::GradientMethod::backprop_euler, NoiseInterpretation::stratonovich, false, 1e-6},
        Case{"discrete dopri5, stratonovich", testing::method("dopri5", true, 1e-5, 1e-10),
             solvers::GradientMethod::discrete, NoiseInterpretation::stratonovich, false, 1e-4},
        Case{"continuous dopri5, ito", testing::method("dopri5", true, 1e-6, 1e-11),
             solvers::GradientMethod::continuous, NoiseInterpretation::ito, false, 1e-4}}) {
    auto p = testing::random_network_problem(4, 2, c.scalars);
    auto model = noisy_network(p, everywhere(c.interpretation));
    solvers::GradientSettings g;
    g.method = c.method;
    g.adjoint_solver = c.solver;
    solvers::GradientSolver solver(*model, c.solver, g);
    const auto result = solver.compute(p.times.front(), p.y0, p.times, *p.loss);
    ASSERT_TRUE(result.forward.ok()) << c.name << ": " << result.forward.message;
    const auto fd = testing::richardson_gradient(
        *model, [&] { return loss_of(*model, p, c.solver); }, c.step);
    EXPECT_LT(testing::max_relative_error(result.summed_gradient(), fd), 1e-6) << c.name;
  }
}

TEST(MultiplicativeNoise, PetscsAdjointOfRk4AndCrankNicolsonMatchFiniteDifferences) {
  // PETSc's TSAdjoint builds its own Jacobians from the assembled entries (and Crank-Nicolson's
  // Newton solves use them too): the noise term's diagonal must be in them.
  struct Case {
    const char* name;
    NoiseInterpretation interpretation;
  };
  for (const Case& c :
       {Case{"rk4", NoiseInterpretation::ito}, Case{"cn", NoiseInterpretation::stratonovich}}) {
    auto p = testing::random_network_problem(5, 1);
    auto model = noisy_network(p, everywhere(c.interpretation));
    const auto solver = testing::method(c.name, false, 1e-4);
    solvers::GradientSettings g;
    g.method = solvers::GradientMethod::tsadjoint;
    g.adjoint_solver = solver;
    solvers::GradientSolver gradient(*model, solver, g);
    const auto result = gradient.compute(p.times.front(), p.y0, p.times, *p.loss);
    ASSERT_TRUE(result.forward.ok()) << c.name << ": " << result.forward.message;
    const auto fd = testing::richardson_gradient(
        *model, [&] { return loss_of(*model, p, solver); }, 1e-4);
    double largest = 0;
    for (double v : fd) largest = std::max(largest, std::abs(v));
    EXPECT_TRUE(testing::all_close(result.summed_gradient(), fd, 1e-6, 1e-7 * largest)) << c.name;
  }
}

TEST(MultiplicativeNoise, AnImplicitSolveFollowsTheExplicitOne) {
  // BDF's Newton solves use the products, preconditioned by the assembled entries: on the noisy
  // network (Ito, noise on V, a and r) they converge to what an accurate explicit solve gives.
  auto p1 = testing::random_network_problem(6, 1);
  auto p2 = testing::random_network_problem(6, 1);
  auto explicit_model = noisy_network(p1, everywhere(NoiseInterpretation::ito, 1e-3));
  auto implicit_model = noisy_network(p2, everywhere(NoiseInterpretation::ito, 1e-3));
  solvers::Integrator a(*explicit_model, testing::method("dopri5", true, 1e-5, 1e-10));
  solvers::Integrator b(*implicit_model, testing::method("bdf", true, 1e-5, 1e-9));
  const auto sa = a.solve(p1.times.front(), p1.y0, {p1.times.front(), p1.times.back()});
  const auto sb = b.solve(p2.times.front(), p2.y0, {p2.times.front(), p2.times.back()});
  ASSERT_TRUE(sa.ok()) << sa.message;
  ASSERT_TRUE(sb.ok()) << sb.message;
  std::vector<double> ya(sa.state(1), sa.state(1) + explicit_model->state_size());
  std::vector<double> yb(sb.state(1), sb.state(1) + implicit_model->state_size());
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < ya.size(); ++i) {
    worst = std::max(worst, std::abs(ya[i] - yb[i]));
    scale = std::max(scale, std::abs(ya[i]));
  }
  EXPECT_LT(worst, 1e-4 * scale);
}

TEST(MultiplicativeNoise, ColumnNetworkSolutionsConvergeAsTheResolutionRefines) {
  // One path per trial at base resolution 1e-5 s, seen 32, 8 and 4 times coarser (coarse
  // increments are sums of fine ones), each solved to integration accuracy: the error of the final
  // state against the base resolution's falls as the resolution refines, in both interpretations.
  const double base = 1e-5;
  for (const auto interpretation : {NoiseInterpretation::stratonovich, NoiseInterpretation::ito}) {
    auto final_state = [&](std::size_t coarsening) {
      auto p = testing::random_network_problem(3, 8);
      start_away_from_zero(p);
      const std::size_t trials = p.model->trial_count(), n = p.model->populations();
      MultiplicativeNoise coarse(
          std::move(p.model), base, models::column_noisy_components(everywhere(interpretation, base), n),
          interpretation, streams(trials), p.times.front(), p.times.back(), coarsening);
      solvers::Integrator integrator(coarse, testing::method("rk4", false, base));
      const auto s = integrator.solve(p.times.front(), p.y0, {p.times.front(), p.times.back()});
      EXPECT_TRUE(s.ok()) << s.message;
      return std::vector<double>(s.state(1), s.state(1) + coarse.state_size());
    };
    const auto reference = final_state(1);
    double previous = std::numeric_limits<double>::infinity();
    for (std::size_t m : {32, 8, 4}) {
      const auto y = final_state(m);
      double error = 0;
      for (std::size_t i = 0; i < y.size(); ++i) error = std::max(error, std::abs(y[i] - reference[i]));
      std::printf("%s, resolution %.0e s: largest error %.3g\n",
                  interpretation == NoiseInterpretation::ito ? "ito" : "stratonovich", m * base, error);
      EXPECT_LT(error, previous) << "resolution " << m * base;
      previous = error;
    }
  }
}

// ---- Noise on chosen components ----------------------------------------------------------------

TEST(ColumnNoise, ANumberOnVIsTheNoiseItAlwaysWas) {
  // `sigma: 100` alone: the same components in the same order, so the same normals and the same
  // forcing, bit for bit, as additive noise of sigma 100 on the membrane potentials.
  auto p1 = testing::random_network_problem(2, 3);
  auto p2 = testing::random_network_problem(2, 3);
  const io::ConfigNode root = io::parse_config_text("noise: {sigma: 100, resolution: 1.0e-4}\n", "n.yaml");
  const NoiseSettings settings = models::read_noise_section(root.child("noise"));
  auto membrane = p2.model->membrane_offsets();
  auto configured = models::with_column_noise(std::move(p1.model), settings, streams(3), 0.0, 0.04);
  AdditiveNoise plain(std::move(p2.model), NoiseSettings{100.0, 1e-4}, std::move(membrane), streams(3), 0.0,
                      0.04);
  std::vector<double> y(plain.state_size(), 1.0), a(y.size()), b(y.size());
  for (std::size_t segment : {0, 7, 200}) {
    configured->rhs(0.0, segment, y.data(), a.data());
    plain.rhs(0.0, segment, y.data(), b.data());
    EXPECT_EQ(a, b) << "segment " << segment;
  }
}

TEST(ColumnNoise, OnlyTheChosenComponentsAreForcedEachByItsSigma) {
  // Noise on a (per population, L4i's 0) and r (one number) of every population of the three
  // columns: V's forcing is 0, a's of every L4i is 0, and every other forcing is its sigma times
  // the unit-sigma forcing of the same components; additive and multiplicative (at y = 1) alike.
  const std::vector<double> a_sigma{1, 2, 3, 0, 5, 6, 7, 8}, r_sigma(8, 4.0), ones(8, 1.0);
  for (const auto type : {models::NoiseType::additive, models::NoiseType::multiplicative}) {
    auto p0 = testing::random_network_problem(2, 2), p1 = testing::random_network_problem(2, 2),
         p2 = testing::random_network_problem(2, 2);
    const std::size_t n = p0.model->populations(), N = p0.model->state_size();
    std::vector<double> y(N, 1.0), quiet(N), noisy(N), unit(N);
    p0.model->rhs(0.0, 0, y.data(), quiet.data());
    auto model = models::with_column_noise(
        std::move(p1.model),
        column_settings(type, NoiseInterpretation::stratonovich, 1e-4, {}, a_sigma, r_sigma), streams(2), 0.0,
        0.04);
    auto reference = models::with_column_noise(
        std::move(p2.model), column_settings(type, NoiseInterpretation::stratonovich, 1e-4, {}, ones, ones),
        streams(2), 0.0, 0.04);
    for (std::size_t segment : {0, 9}) {
      model->rhs(0.0, segment, y.data(), noisy.data());
      reference->rhs(0.0, segment, y.data(), unit.data());
      for (std::size_t b = 0; b < 2; ++b)
        for (std::size_t i = 0; i < 3 * n; ++i) {
          const std::size_t k = 3 * n * b + i, variable = i / n, population = i % n % 8;
          const double sigma = variable == 0   ? 0.0
                               : variable == 1 ? a_sigma[population]
                                               : r_sigma[population];
          const double forcing = noisy[k] - quiet[k], unit_forcing = unit[k] - quiet[k];
          if (sigma == 0.0) {
            EXPECT_EQ(noisy[k], quiet[k]) << "component " << i;
          } else {
            EXPECT_NE(unit_forcing, 0.0);
            EXPECT_NEAR(forcing, sigma * unit_forcing, 1e-9 * std::abs(sigma * unit_forcing) + 1e-9)
                << "component " << i;
          }
        }
    }
  }
}

TEST(ColumnNoise, NoiseOnTheRatesLeavesVAndAOnTheirDeterministicPath) {
  // V and a do not read r, so noise on r alone (L2/3e's sigma 0) moves only the rates, and not the
  // rates of the L2/3e populations: the solve's V and a are those of a quiet model, bit for bit.
  auto p1 = testing::random_network_problem(8, 2), p2 = testing::random_network_problem(8, 2);
  const std::size_t n = p1.model->populations();
  const std::vector<double> r_sigma{0, 20, 20, 20, 20, 20, 20, 20}, zeros(8, 0.0);
  auto noisy = models::with_column_noise(
      std::move(p1.model),
      column_settings(models::NoiseType::additive, NoiseInterpretation::stratonovich, 1e-4, {}, {}, r_sigma),
      streams(2), 0.0, 0.04);
  auto quiet = models::with_column_noise(
      std::move(p2.model),
      column_settings(models::NoiseType::additive, NoiseInterpretation::stratonovich, 1e-4, {}, {}, zeros),
      streams(2), 0.0, 0.04);
  const auto solver = testing::method("rk4", false, 1e-4);
  solvers::Integrator a(*noisy, solver), b(*quiet, solver);
  const auto sa = a.solve(0.0, p1.y0, {0.0, 0.04}), sb = b.solve(0.0, p2.y0, {0.0, 0.04});
  ASSERT_TRUE(sa.ok() && sb.ok());
  for (std::size_t trial = 0; trial < 2; ++trial)
    for (std::size_t i = 0; i < 3 * n; ++i) {
      const std::size_t k = 3 * n * trial + i;
      if (i < 2 * n || i % 8 == 0)
        EXPECT_EQ(sa.state(1)[k], sb.state(1)[k]) << "component " << i;
      else
        EXPECT_NE(sa.state(1)[k], sb.state(1)[k]) << "component " << i;
    }
}

// ---- The config section ------------------------------------------------------------------------

NoiseSettings read(const std::string& section) {
  return models::read_noise_section(
      io::parse_config_text("noise: " + section + "\n", "n.yaml").child("noise"));
}

TEST(NoiseConfig, ComponentsSigmaTypeAndInterpretationAreRead) {
  const NoiseSettings plain = read("{sigma: 10}");
  EXPECT_EQ(plain.sigma, 10.0);
  EXPECT_EQ(plain.column_sigma[0], std::vector<double>(8, 10.0));
  EXPECT_TRUE(plain.column_sigma[1].empty() && plain.column_sigma[2].empty());
  EXPECT_EQ(plain.type, models::NoiseType::additive);

  const NoiseSettings chosen = read("{components: [r, V], sigma: 3}");
  EXPECT_EQ(chosen.column_sigma[0], std::vector<double>(8, 3.0));
  EXPECT_TRUE(chosen.column_sigma[1].empty());
  EXPECT_EQ(chosen.column_sigma[2], std::vector<double>(8, 3.0));

  const NoiseSettings map = read("{sigma: {V: 10, r: [1, 2, 3, 4, 5, 6, 7, 0]}}");
  EXPECT_EQ(map.column_sigma[0], std::vector<double>(8, 10.0));
  EXPECT_TRUE(map.column_sigma[1].empty());
  EXPECT_EQ(map.column_sigma[2], (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 0}));
  EXPECT_EQ(map.sigma, 10.0);

  const NoiseSettings multiplicative = read("{type: multiplicative, interpretation: ito, sigma: 0.5}");
  EXPECT_EQ(multiplicative.type, models::NoiseType::multiplicative);
  EXPECT_EQ(multiplicative.interpretation, NoiseInterpretation::ito);
  EXPECT_EQ(read("{type: multiplicative, interpretation: stratonovich, sigma: 0.5}").interpretation,
            NoiseInterpretation::stratonovich);
  EXPECT_FALSE(read("{sigma: {a: [0, 0, 0, 0, 0, 0, 0, 0]}}").enabled());
}

void expect_error(const std::string& section, const std::string& key, const std::vector<std::string>& words) {
  try {
    read(section);
    ADD_FAILURE() << section << " accepted; expected an error at " << key;
  } catch (const io::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.key_path(), key) << what;
    EXPECT_EQ(e.file(), "n.yaml") << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    for (const auto& word : words) EXPECT_NE(what.find(word), std::string::npos) << what << " lacks " << word;
  }
}

TEST(NoiseConfig, BadInputIsOneLineNamingTheKeyAndWhatWasExpected) {
  expect_error("{components: [V, x], sigma: 1}", "noise.components[1]", {"V, a, r", "'x'"});
  expect_error("{components: [V, V], sigma: 1}", "noise.components[1]", {"each variable once"});
  expect_error("{components: [], sigma: 1}", "noise.components", {"variables"});
  expect_error("{components: V, sigma: 1}", "noise.components", {"list"});
  expect_error("{sigma: {V: 1, w: 2}}", "noise.sigma.w", {"unknown key 'w'", "V, a, r"});
  expect_error("{sigma: {}}", "noise.sigma", {"at least one of V, a, r"});
  expect_error("{components: [a], sigma: {V: 1}}", "noise.components", {"whose keys choose"});
  expect_error("{sigma: {V: [1, 2, 3]}}", "noise.sigma.V", {"8"});
  expect_error("{sigma: {r: [1, 2, 3, 4, 5, 6, 7, -8]}}", "noise.sigma.r[7]", {"in [0, 1e+06]"});
  expect_error("{sigma: {a: {x: 1}}}", "noise.sigma.a", {"a list of 8 numbers", "L2/3e", "a map"});
  expect_error("{sigma: -1}", "noise.sigma", {"in [0, 1e+06]"});
  expect_error("{sigma: 1, type: linear}", "noise.type", {"additive", "multiplicative", "'linear'"});
  expect_error("{sigma: 1, type: multiplicative}", "noise.interpretation", {"stratonovich or ito"});
  expect_error("{sigma: 1, type: multiplicative, interpretation: both}", "noise.interpretation",
               {"stratonovich", "ito", "'both'"});
}

}  // namespace
}  // namespace neurode
