// Stochastic runs (models/additive_noise.hpp): the Wiener path's statistics, the exact statistics of
// an Ornstein-Uhlenbeck process, strong convergence of order 1 on the column network, adaptive
// solves on the same path, gradients against finite differences, and paths that depend on the
// trial's stream only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "models/noise/additive_noise.hpp"
#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"
#include "support/finite_differences.hpp"
#include "support/gradient_problems.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

using models::AdditiveNoise;
using models::NoiseSettings;
using models::RandomStream;
using models::WienerForcing;

std::vector<RandomStream> streams(std::size_t count, std::uint64_t first = 0) {
  std::vector<RandomStream> out;
  for (std::size_t b = 0; b < count; ++b) out.emplace_back(7, models::RandomDomain::brownian_path, first + b);
  return out;
}

std::vector<std::size_t> first_components(std::size_t count) {
  std::vector<std::size_t> out(count);
  std::iota(out.begin(), out.end(), std::size_t{0});
  return out;
}

TEST(WienerForcing, IncrementsAreIndependentNormalsOfVarianceTheResolution) {
  const NoiseSettings settings{2.0, 1e-3};
  const WienerForcing wiener(settings, 5);
  const RandomStream stream(3, models::RandomDomain::brownian_path, 0);
  const std::size_t intervals = 20000;
  std::vector<double> row(5);
  double sum = 0, sum_squares = 0, lagged = 0, previous = 0;
  for (std::size_t k = 0; k < intervals; ++k) {
    wiener.intervals(stream, k, 1, row.data());
    for (std::size_t j = 0; j < 5; ++j) {
      const double dW = row[j] * wiener.interval_length() / settings.sigma;  // forcing = sigma dW / h
      sum += dW;
      sum_squares += dW * dW;
      lagged += dW * previous;
      previous = dW;
    }
  }
  const double count = 5.0 * intervals;
  const double h = settings.resolution_s;
  // Standard errors: sqrt(h / count) for the mean, sqrt(2 / count) h for the variance.
  EXPECT_LT(std::abs(sum / count), 4 * std::sqrt(h / count));
  EXPECT_NEAR(sum_squares / count, h, 4 * std::sqrt(2.0 / count) * h);
  EXPECT_LT(std::abs(lagged / count), 4 * h / std::sqrt(count));  // neighbours uncorrelated
}

TEST(WienerForcing, ACoarserResolutionSumsTheSamePath) {
  const NoiseSettings settings{3.0, 1e-4};
  const WienerForcing fine(settings, 3), coarse(settings, 3, 4);
  const RandomStream stream(11, models::RandomDomain::brownian_path, 5);
  std::vector<double> sum(3, 0.0), row(3), coarse_row(3);
  for (std::uint64_t k = 8; k < 12; ++k) {  // coarse interval 2 = fine intervals 8 .. 11
    fine.intervals(stream, k, 1, row.data());
    for (std::size_t j = 0; j < 3; ++j) sum[j] += row[j] * fine.interval_length();
  }
  coarse.intervals(stream, 2, 1, coarse_row.data());
  for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(coarse_row[j] * coarse.interval_length(), sum[j], 1e-14);
}

TEST(WienerForcing, IntervalsDrawnTogetherEqualIntervalsDrawnOneByOne) {
  const WienerForcing wiener(NoiseSettings{3.0, 1e-4}, 5, 2);
  const RandomStream stream(2, models::RandomDomain::brownian_path, 9);
  std::vector<double> together(7 * 5), one(5);
  wiener.intervals(stream, 3, 7, together.data());
  for (std::size_t i = 0; i < 7; ++i) {
    wiener.intervals(stream, 3 + i, 1, one.data());
    EXPECT_EQ(std::vector<double>(together.begin() + 5 * i, together.begin() + 5 * (i + 1)), one);
  }
}

TEST(WienerForcing, RefusesBadSettings) {
  EXPECT_THROW(WienerForcing(NoiseSettings{-1.0, 1e-4}, 2), std::invalid_argument);
  EXPECT_THROW(WienerForcing(NoiseSettings{1.0, 0.0}, 2), std::invalid_argument);
  EXPECT_THROW(WienerForcing(NoiseSettings{1.0, 1e-4}, 2, 0), std::invalid_argument);
}

// dV/dt = -V / tau per trial, one component each: with noise, an Ornstein-Uhlenbeck process.
class Decay final : public models::Model {
 public:
  Decay(std::size_t trials, double tau) : trials_(trials), tau_(tau) {}
  std::size_t state_size() const override { return trials_; }
  std::size_t trial_count() const override { return trials_; }
  std::size_t parameter_size() const override { return 1; }
  const std::vector<double>& breakpoints() const override { return none_; }
  void rhs(double, std::size_t, const double* y, double* dydt) override {
    for (std::size_t i = 0; i < trials_; ++i) dydt[i] = -y[i] / tau_;
  }
  void jacobian_vector(double, std::size_t, const double*, const double* v, double* out) override {
    for (std::size_t i = 0; i < trials_; ++i) out[i] = -v[i] / tau_;
  }
  void jacobian_transpose_vector(double t, std::size_t s, const double* y, const double* w,
                                 double* out) override {
    jacobian_vector(t, s, y, w, out);
  }
  void parameter_transpose_vector(double, std::size_t, const double* y, const double* w,
                                  double* grad) override {
    for (std::size_t i = 0; i < trials_; ++i) grad[i] += w[i] * y[i] / (tau_ * tau_);
  }
  void jacobian_entries(double, std::size_t, const double*, std::vector<models::MatrixEntry>& e) override {
    for (std::size_t i = 0; i < trials_; ++i) e.push_back({i, i, -1.0 / tau_});
  }
  void parameter_jacobian_entries(double, std::size_t, const double* y,
                                  std::vector<models::MatrixEntry>& e) override {
    for (std::size_t i = 0; i < trials_; ++i) e.push_back({i, i, y[i] / (tau_ * tau_)});
  }
  std::vector<double> parameters() const override { return {tau_}; }
  void set_parameters(const std::vector<double>& values) override { tau_ = values.at(0); }

 private:
  std::size_t trials_;
  double tau_;
  std::vector<double> none_;
};

TEST(AdditiveNoise, EulerMaruyamaAndRk4GiveTheOrnsteinUhlenbeckStatistics) {
  // V(T) from V(0) = 0 has mean 0 and variance sigma^2 tau / 2 (1 - exp(-2 T / tau)); with
  // resolution h the piecewise-constant noise changes the variance by O(h / tau) = 1%.
  const std::size_t trials = 4000;
  const double tau = 0.01, sigma = 30.0, T = 0.05, h = 1e-4;
  const double exact = sigma * sigma * tau / 2 * (1 - std::exp(-2 * T / tau));
  for (const char* name : {"euler", "rk4"}) {
    AdditiveNoise model(std::make_unique<Decay>(trials, tau), NoiseSettings{sigma, h}, {0}, streams(trials),
                        0.0, T);
    solvers::SolverSettings solver = testing::method(name, false, h);
    solvers::Integrator integrator(model, solver);
    const auto solution = integrator.solve(0.0, std::vector<double>(trials, 0.0), {0.0, T});
    ASSERT_TRUE(solution.ok()) << solution.message;
    const double* V = solution.state(1);
    double mean = 0, variance = 0;
    for (std::size_t b = 0; b < trials; ++b) mean += V[b] / trials;
    for (std::size_t b = 0; b < trials; ++b) variance += (V[b] - mean) * (V[b] - mean) / (trials - 1);
    EXPECT_LT(std::abs(mean), 4 * std::sqrt(exact / trials)) << name;
    EXPECT_NEAR(variance / exact, 1.0, 4 * std::sqrt(2.0 / trials) + 0.02) << name;
    EXPECT_EQ(solution.statistics.steps, std::lround(T / h)) << name;
  }
}

// The three-column gradient-test network with noise on every V; `coarsening` views the same path
// at a coarser resolution.
std::unique_ptr<AdditiveNoise> noisy_network(testing::GradientProblem& p, double sigma, double resolution,
                                             std::size_t coarsening = 1) {
  const std::size_t trials = p.model->trial_count();
  const std::size_t n = p.model->populations();
  return std::make_unique<AdditiveNoise>(std::move(p.model), NoiseSettings{sigma, resolution},
                                         first_components(n), streams(trials), p.times.front(),
                                         p.times.back(), coarsening);
}

std::vector<double> final_potentials(models::Model& model, const testing::GradientProblem& p,
                                     const solvers::SolverSettings& solver, std::size_t populations) {
  solvers::Integrator integrator(model, solver);
  const auto s = integrator.solve(p.times.front(), p.y0, {p.times.front(), p.times.back()});
  EXPECT_TRUE(s.ok()) << s.message;
  std::vector<double> V;
  for (std::size_t b = 0; b < model.trial_count(); ++b)
    for (std::size_t i = 0; i < populations; ++i) V.push_back(s.state(1)[3 * populations * b + i]);
  return V;
}

// Least-squares slope of log error against log resolution.
double fitted_order(const std::vector<double>& log_h, const std::vector<double>& log_error) {
  const double mean_h = std::accumulate(log_h.begin(), log_h.end(), 0.0) / log_h.size();
  const double mean_e = std::accumulate(log_error.begin(), log_error.end(), 0.0) / log_error.size();
  double num = 0, den = 0;
  for (std::size_t i = 0; i < log_h.size(); ++i) {
    num += (log_h[i] - mean_h) * (log_error[i] - mean_e);
    den += (log_h[i] - mean_h) * (log_h[i] - mean_h);
  }
  return num / den;
}

double rms_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(sum / a.size());
}

TEST(AdditiveNoise, ConvergesToTheSdeWithStrongOrderOne) {
  // One Wiener path per trial at base resolution 1e-5 s, seen every 5 to 40 base intervals (coarse
  // increments are sums of fine ones), each solved to integration accuracy (RK4 steps of the base
  // resolution). Ornstein-Uhlenbeck with tau = 10 ms: the root-mean-square error of V(T) against the
  // base resolution's solution falls like the resolution.
  const std::size_t trials = 2000;
  const double base = 1e-5, tau = 0.01, sigma = 30.0, T = 0.02;
  auto final_values = [&](std::size_t coarsening) {
    AdditiveNoise model(std::make_unique<Decay>(trials, tau), NoiseSettings{sigma, base}, {0},
                        streams(trials), 0.0, T, coarsening);
    solvers::Integrator integrator(model, testing::method("rk4", false, base));
    const auto s = integrator.solve(0.0, std::vector<double>(trials, 0.0), {0.0, T});
    EXPECT_TRUE(s.ok()) << s.message;
    return std::vector<double>(s.state(1), s.state(1) + trials);
  };
  const auto reference = final_values(1);
  std::vector<double> log_h, log_error;
  for (std::size_t m : {5, 10, 20, 40}) {  // T on every grid: between grid points the path is interpolated
    log_h.push_back(std::log(m * base));
    log_error.push_back(std::log(rms_difference(final_values(m), reference)));
  }
  const double order = fitted_order(log_h, log_error);
  std::printf("measured strong order: %.3f\n", order);
  EXPECT_GT(order, 0.85);
  EXPECT_LT(order, 1.15);
}

TEST(AdditiveNoise, ColumnNetworkSolutionsConvergeAsTheResolutionRefines) {
  // The same on the nonlinear three-column network (8 trials, sigma = 100): the error of V(T)
  // against the base resolution falls as the resolution refines, and is under 1 mV at 4e-5 s.
  const double base = 1e-5, sigma = 100.0;
  auto final_values = [&](std::size_t coarsening) {
    auto p = testing::random_network_problem(3, 8);
    const std::size_t n = p.model->populations();
    auto model = noisy_network(p, sigma, base, coarsening);
    return final_potentials(*model, p, testing::method("rk4", false, base), n);
  };
  const auto reference = final_values(1);
  double previous = std::numeric_limits<double>::infinity();
  for (std::size_t m : {32, 8, 4}) {
    const double error = rms_difference(final_values(m), reference);
    EXPECT_LT(error, previous) << "resolution " << m * base;
    previous = error;
  }
  EXPECT_LT(previous, 1.0);
}

TEST(AdditiveNoise, AnAdaptiveSolveFollowsTheSamePath) {
  // Adaptive Dormand-Prince (rejections included) and fixed RK4 steps of 1/16 interval solve
  // the same stochastic problem; no step draws noise of its own.
  auto p1 = testing::random_network_problem(5, 4);
  auto p2 = testing::random_network_problem(5, 4);
  const std::size_t n = p1.model->populations();
  auto fixed = noisy_network(p1, 100.0, 1e-4);
  auto adaptive = noisy_network(p2, 100.0, 1e-4);
  const auto a = final_potentials(*fixed, p1, testing::method("rk4", false, 1e-4 / 16), n);
  solvers::SolverSettings dp5 = testing::method("dopri5", true, 1e-5, 1e-9);
  const auto b = final_potentials(*adaptive, p2, dp5, n);
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(a[i]));
  }
  EXPECT_LT(worst, 1e-6 * scale);
}

TEST(AdditiveNoise, ZeroSigmaIsTheDeterministicModel) {
  // The same steps up to rounding: the noise grid's points are breakpoints, where the fixed-step
  // grid restarts, so step lengths differ in their last bits.
  auto p1 = testing::random_network_problem(9, 2);
  auto p2 = testing::random_network_problem(9, 2);
  const std::size_t n = p1.model->populations();
  const auto deterministic = final_potentials(*p1.model, p1, testing::method("rk4", false, 1e-4), n);
  auto quiet = noisy_network(p2, 0.0, 1e-4);
  const auto V = final_potentials(*quiet, p2, testing::method("rk4", false, 1e-4), n);
  for (std::size_t i = 0; i < V.size(); ++i)
    EXPECT_NEAR(V[i], deterministic[i], 1e-11 * std::abs(deterministic[i]));
}

TEST(AdditiveNoise, AWalkBackwardsSeesTheSameForcingAsAWalkForwards) {
  // The forcing is drawn a window of intervals at a time; a backward walk (the continuous adjoint's)
  // draws windows that end where it is, and gets the same bits.
  AdditiveNoise forwards(std::make_unique<Decay>(3, 0.01), NoiseSettings{5.0, 1e-4}, {0}, streams(3), 0.0,
                         0.01);
  AdditiveNoise backwards(std::make_unique<Decay>(3, 0.01), NoiseSettings{5.0, 1e-4}, {0}, streams(3), 0.0,
                          0.01);
  ASSERT_EQ(forwards.intervals(), 100u);
  std::vector<double> ahead, behind;
  for (std::size_t k = 0; k < 100; ++k)
    for (std::size_t b = 0; b < 3; ++b) ahead.push_back(forwards.forcing(k, b)[0]);
  for (std::size_t k = 100; k-- > 0;)
    for (std::size_t b = 3; b-- > 0;) behind.push_back(backwards.forcing(k, b)[0]);
  std::reverse(behind.begin(), behind.end());
  EXPECT_EQ(ahead, behind);
}

TEST(AdditiveNoise, ATrialsPathDependsOnItsStreamOnly) {
  // Trial with stream 1, alone or second in a batch of two: the same forcing, bit for bit.
  const std::size_t n = 4;
  AdditiveNoise alone(std::make_unique<Decay>(1, 0.01), NoiseSettings{5.0, 1e-3}, first_components(1),
                      streams(1, 1), 0.0, 0.01);
  AdditiveNoise pair(std::make_unique<Decay>(2, 0.01), NoiseSettings{5.0, 1e-3}, first_components(1),
                     streams(2), 0.0, 0.01);
  for (std::size_t k = 0; k < n; ++k) {
    const double a = alone.forcing(k, 0)[0];
    EXPECT_EQ(a, pair.forcing(k, 1)[0]);
    EXPECT_NE(a, pair.forcing(k, 0)[0]);
  }
  EXPECT_EQ(alone.intervals(), 10u);
  EXPECT_EQ(alone.breakpoints().size(), 9u);
}

TEST(AdditiveNoise, NoiseReachesTheMembranePotentialsOnly) {
  auto p = testing::random_network_problem(2, 2);
  const std::size_t n = p.model->populations();
  std::vector<double> deterministic(p.model->state_size()), noisy(p.model->state_size());
  std::vector<double> y(p.model->state_size(), 1.0);
  p.model->rhs(0.0, 0, y.data(), deterministic.data());
  auto model = noisy_network(p, 50.0, 1e-4);
  model->rhs(0.0, 0, y.data(), noisy.data());
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t i = 0; i < 3 * n; ++i) {
      const std::size_t k = 3 * n * b + i;
      if (i < n)
        EXPECT_NE(noisy[k], deterministic[k]) << "V of population " << i;
      else
        EXPECT_EQ(noisy[k], deterministic[k]) << "component " << i;
    }
}

double loss_of(models::Model& model, testing::GradientProblem& p, const solvers::SolverSettings& solver) {
  solvers::Integrator integrator(model, solver);
  const auto s = integrator.solve(p.times.front(), p.y0, p.times);
  std::vector<double> per_trial(model.trial_count(), 0.0);
  for (std::size_t k = 0; k < p.times.size(); ++k) p.loss->add_value(k, s.state(k), per_trial);
  return std::accumulate(per_trial.begin(), per_trial.end(), 0.0);
}

TEST(AdditiveNoise, GradientsMatchFiniteDifferencesOnAFixedPath) {
  // The path does not depend on the parameters: the gradient of a stochastic loss on one path is
  // that of an ODE with a known forcing, exact for every gradient method (the continuous adjoint's
  // backward solve walks the path backwards). The time constants are
  // trainable too (their products read the field, which must not include the noise). The loss
  // curves strongly in tau_m here: central differences need steps below 1e-6 s on tau_m = 15 ms
  // (richardson_gradient's step is absolute below 1; at 1e-4 s they are 10% off).
  struct Case {
    const char* name;
    solvers::SolverSettings solver;
    solvers::GradientMethod method;
    bool scalars;
    double step;
  };
  for (const Case& c : {Case{"discrete rk4", testing::method("rk4", false, 1e-4),
                             solvers::GradientMethod::discrete, true, 1e-7},
                        Case{"backprop euler", testing::method("euler", false, 1e-5),
                             solvers::GradientMethod::backprop_euler, true, 1e-7},
                        Case{"discrete dopri5", testing::method("dopri5", true, 1e-5, 1e-10),
                             solvers::GradientMethod::discrete, false, 1e-4},
                        Case{"continuous dopri5", testing::method("dopri5", true, 1e-6, 1e-11),
                             solvers::GradientMethod::continuous, false, 1e-4}}) {
    auto p = testing::random_network_problem(4, 2, c.scalars);
    auto model = noisy_network(p, 100.0, 1e-4);
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

}  // namespace
}  // namespace neurode
