#include "support/gradient_problems.hpp"

#include <gtest/gtest.h>

#include <random>

#include "solvers/integrator.hpp"
#include "support/reference.hpp"

namespace neurode::testing {

GradientProblem reference_wta_problem() {
  const auto net = models::load_network_file(reference_path("gradient_wta.h5"));
  GradientProblem p;
  p.model = std::make_unique<models::ColumnNetwork>(net.weights, net.constants, std::vector{net.drive});
  p.y0 = net.initial_state;
  p.times = net.times;
  train::TrajectoryLossSpec spec;
  spec.populations = net.weights.populations;
  spec.loss_populations = net.loss_populations;
  spec.observation_weights = train::mean_over_all(net.times.size());
  for (std::size_t k = 0; k < net.times.size(); ++k)
    for (double rate : net.loss_target_rates) spec.targets.push_back(rate);
  p.loss = std::make_unique<train::TrajectoryLoss>(spec);
  return p;
}

solvers::GradientResult gradient_of(GradientProblem& p, const solvers::SolverSettings& solver,
                                    solvers::GradientMethod method, std::size_t checkpoint_every) {
  solvers::GradientSettings g;
  g.method = method;
  g.checkpoint_every = checkpoint_every;
  g.adjoint_solver = solver;
  solvers::GradientSolver gs(*p.model, solver, g);
  auto r = gs.compute(p.times.front(), p.y0, p.times, *p.loss);
  EXPECT_TRUE(r.forward.ok()) << r.forward.message;
  return r;
}

double loss_of(GradientProblem& p, const solvers::SolverSettings& solver) {
  solvers::Integrator integrator(*p.model, solver);
  const auto s = integrator.solve(p.times.front(), p.y0, p.times);
  std::vector<double> per_trial(p.model->trial_count(), 0.0);
  for (std::size_t k = 0; k < p.times.size(); ++k) p.loss->add_value(k, s.state(k), per_trial);
  double total = 0;
  for (double v : per_trial) total += v;
  return total;
}

solvers::SolverSettings method(const std::string& name, bool adaptive, double dt, double tol) {
  solvers::SolverSettings s;
  s.method = name;
  s.adaptive = adaptive;
  s.dt = dt;
  s.rtol = s.atol = tol;
  return s;
}

models::NetworkSpec small_three_column_spec(const models::ColumnParameters& parameters, bool scalars) {
  models::NetworkSpec spec;
  spec.areas = {{"mt", 2}, {"mt", 1}};
  spec.small_network = true;
  spec.lateral = {true, true, parameters.lateral};
  spec.feedforward = {true, true, parameters.feedforward};
  spec.feedback = {true, true, parameters.feedback};
  if (scalars) spec.trainable_scalars = {"tau_membrane", "tau_adaptation", "adaptation_strength"};
  return spec;
}

GradientProblem random_network_problem(unsigned seed, std::size_t trials, bool scalars) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  auto parameters = models::default_column_parameters();
  auto weights = models::build_network(parameters, small_three_column_spec(parameters, scalars));
  std::vector<models::PiecewiseDrive> drives;
  const std::size_t n = weights.populations;
  for (std::size_t b = 0; b < trials; ++b) {
    models::PiecewiseDrive d;
    d.times = {0.0, 0.01, 0.03};
    d.population_rates.assign(3, std::vector<double>(n, 0.0));
    for (std::size_t c = 0; c < 2; ++c)
      for (std::size_t pop : {2, 3}) d.population_rates[1][8 * c + pop] = 20.0 + 10.0 * (uniform(rng) + 1.0);
    drives.push_back(d);
  }
  GradientProblem p;
  p.model =
      std::make_unique<models::ColumnNetwork>(weights, models::ColumnConstants::from(parameters), drives);
  auto values = p.model->parameters();
  for (double& v : values) v *= 1.0 + 0.3 * uniform(rng);
  p.model->set_parameters(values);
  p.y0.assign(3 * n * trials, 0.0);
  for (std::size_t k = 0; k <= 40; ++k) p.times.push_back(0.001 * k);
  train::TrajectoryLossSpec loss;
  loss.populations = n;
  loss.trials = trials;
  loss.kind = train::LossKind::huber;
  loss.huber_beta = 1.0;
  loss.loss_populations = {16, 20};  // L2/3e and L5e of the last column
  loss.observation_weights = train::mean_over_window(p.times, 0.02, 0.04);
  for (std::size_t b = 0; b < trials; ++b)
    for (std::size_t k = 0; k < p.times.size(); ++k)
      for (std::size_t q = 0; q < 2; ++q) loss.targets.push_back(5.0 + 3.0 * q + b);
  p.loss = std::make_unique<train::TrajectoryLoss>(loss);
  return p;
}

}  // namespace neurode::testing
