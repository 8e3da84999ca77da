#include "problems.hpp"

#include <cstdlib>

#include "models/column/network_builder.hpp"
#include "models/column/network_file.hpp"
#include "train/xor_task.hpp"

namespace neurode::bench {
namespace {

// A state spread over the transfer function's range (below, at and above threshold), so that the
// products exercise every branch; deterministic.
std::vector<double> spread_state(std::size_t populations, std::size_t trials) {
  std::vector<double> y(3 * populations * trials);
  for (std::size_t b = 0; b < trials; ++b)
    for (std::size_t i = 0; i < populations; ++i) {
      const double u = static_cast<double>((i * 37 + b * 11) % 101) / 100.0;
      double* yb = &y[3 * populations * b];
      yb[i] = 5.0 + 25.0 * u;               // V, mV
      yb[populations + i] = 0.5 * u;        // a, mV
      yb[2 * populations + i] = 100.0 * u;  // r, Hz
    }
  return y;
}

}  // namespace

std::string reference_path(const std::string& name) {
  const char* dir = std::getenv("NEURODE_REFERENCE_DIR");
  return std::string(dir ? dir : NEURODE_BENCH_REFERENCE_DIR) + "/" + name;
}

ForwardProblem wta_trial(std::size_t output_stride) {
  const auto net = models::load_network_file(reference_path("wta_two_columns.h5"));
  ForwardProblem p;
  p.model = std::make_unique<models::ColumnNetwork>(net.weights, net.constants, std::vector{net.drive});
  p.y0 = net.initial_state;
  for (std::size_t k = 0; k < net.times.size(); k += output_stride) p.times.push_back(net.times[k]);
  if (p.times.back() != net.times.back()) p.times.push_back(net.times.back());
  return p;
}

GradientProblem wta_problem(std::size_t trials) {
  const auto net = models::load_network_file(reference_path("gradient_wta.h5"));
  GradientProblem p;
  for (std::size_t b = 0; b < trials; ++b) {
    models::PiecewiseDrive d = net.drive;
    // Segment 1 carries the stimulus on L4e/L4i: 20 + b Hz on column A, 35 - b Hz on B for trial
    // b of 16; a larger batch repeats those 16 drives.
    if (trials > 1)
      for (std::size_t pop : {2, 3}) {
        d.population_rates[1][pop] = 20.0 + static_cast<double>(b % 16);
        d.population_rates[1][8 + pop] = 35.0 - static_cast<double>(b % 16);
      }
    p.drives.push_back(d);
  }
  p.model = std::make_unique<models::ColumnNetwork>(net.weights, net.constants, p.drives);
  for (std::size_t b = 0; b < trials; ++b)
    p.y0.insert(p.y0.end(), net.initial_state.begin(), net.initial_state.end());
  p.times = net.times;
  p.loss_populations = net.loss_populations;
  p.observation_weights = train::mean_over_all(net.times.size());
  for (std::size_t b = 0; b < trials; ++b)
    for (std::size_t k = 0; k < net.times.size(); ++k)
      for (double rate : net.loss_target_rates) p.targets.push_back(rate);
  train::TrajectoryLossSpec spec;
  spec.populations = net.weights.populations;
  spec.trials = trials;
  spec.loss_populations = p.loss_populations;
  spec.observation_weights = p.observation_weights;
  spec.targets = p.targets;
  p.loss = std::make_unique<train::TrajectoryLoss>(spec);
  return p;
}

GradientProblem xor_problem(std::size_t trials) {
  const auto settings = train::default_xor_network();
  auto weights = models::build_network(settings.parameters, settings.network);
  const std::size_t n = weights.populations;
  GradientProblem p;
  for (std::size_t b = 0; b < trials; ++b) {
    const std::size_t pattern = (b + 1) % 4;
    models::PiecewiseDrive d;
    d.times = {0.0, 0.5};
    d.population_rates.assign(2, std::vector<double>(n, 0.0));
    d.channel_values = {{0.0, 0.0}, {(pattern & 1u) ? 20.0 : 0.0, (pattern & 2u) ? 20.0 : 0.0}};
    p.drives.push_back(d);
    const bool xor_true = ((pattern & 1u) != 0) != ((pattern & 2u) != 0);
    p.targets.push_back(xor_true ? 1.0 : 0.25);
  }
  p.model = std::make_unique<models::ColumnNetwork>(
      weights, models::ColumnConstants::from(settings.parameters), p.drives);
  p.y0.assign(3 * n * trials, 0.0);
  p.times = {1.0};
  p.loss_populations = {n - models::kPopulationsPerColumn};  // L2/3e of the output column
  p.observation_weights = {1.0};
  train::TrajectoryLossSpec spec;
  spec.populations = n;
  spec.trials = trials;
  spec.loss_populations = p.loss_populations;
  spec.observation_weights = p.observation_weights;
  spec.targets = p.targets;
  p.loss = std::make_unique<train::TrajectoryLoss>(spec);
  return p;
}

ModelCase wta_model(std::size_t trials) {
  auto p = wta_problem(trials);
  ModelCase c;
  c.y = spread_state(p.model->populations(), trials);
  c.model = std::move(p.model);
  return c;
}

ModelCase xor_model() {
  auto p = xor_problem(1);
  ModelCase c;
  c.y = spread_state(p.model->populations(), 1);
  c.model = std::move(p.model);
  return c;
}

ModelCase parity_model() {
  const auto parameters = models::default_column_parameters();
  models::NetworkSpec spec;
  spec.areas = {{"mt", 8}, {"mt", 4}, {"mt", 1}};
  spec.small_network = false;
  spec.lateral = {true, true, parameters.lateral};
  spec.feedforward = {true, true, parameters.feedforward};
  spec.input = {4, true, parameters.input_mask, parameters.input_init};
  auto weights = models::build_network(parameters, spec);
  const std::size_t n = weights.populations;
  models::PiecewiseDrive d;
  d.times = {0.0, 0.5};
  d.population_rates.assign(2, std::vector<double>(n, 0.0));
  d.channel_values = {{0, 0, 0, 0}, {15, 0, 15, 15}};
  ModelCase c;
  c.model = std::make_unique<models::ColumnNetwork>(weights, models::ColumnConstants::from(parameters),
                                                    std::vector{d});
  c.y = spread_state(n, 1);
  return c;
}

}  // namespace neurode::bench
