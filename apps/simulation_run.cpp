#include "simulation_run.hpp"

#include <cstdio>

#include "models/column/column_network.hpp"
#include "models/column/network_file.hpp"
#include "models/noise/column_noise.hpp"
#include "mpi/world.hpp"
#include "simulation_ensemble.hpp"
#include "simulation_tree_noise.hpp"

namespace neurode::app {
namespace {

EnsembleSpec from_network_file(const std::string& path, bool dense_output) {
  const models::NetworkFile net = models::load_network_file(path);
  EnsembleSpec e;
  e.layout = models::column_state_layout(net.weights.populations);
  e.states_per_run = e.layout.trial_size();
  e.initial_state = net.initial_state;
  e.t_start = net.times.front();
  e.output_times = net.times;
  // Reference-grade defaults: adaptive Dormand-Prince at rtol = atol = 1e-10 (options override).
  e.solver.method = "dopri5";
  e.solver.adaptive = true;
  e.solver.rtol = e.solver.atol = 1e-10;
  e.solver.dt = 1e-6;
  e.solver.dense_output = dense_output;
  e.block_model = [net](std::size_t, std::size_t) -> std::unique_ptr<models::Model> {
    return std::make_unique<models::ColumnNetwork>(net.weights, net.constants, std::vector{net.drive});
  };
  e.describe_run = [](std::size_t) { return std::string("the network"); };
  e.variables = e.layout.names();
  e.config_text = "network file: " + path;
  return e;
}

EnsembleSpec from_config(const setup::SimulationConfig& config) {
  EnsembleSpec e;
  const auto weights = models::build_network(config.parameters, config.network);
  const auto constants = models::ColumnConstants::from(config.parameters);
  e.layout = models::column_state_layout(weights.populations);
  const std::size_t trials = config.trials.size(), R = config.realisations;
  e.realisations = R;
  e.runs = trials * R;
  e.block_size = config.block_size;
  e.states_per_run = e.layout.trial_size();
  e.initial_state =
      config.initial_state.empty() ? std::vector<double>(e.states_per_run, 0.0) : config.initial_state;
  e.t_start = config.t_start;
  e.output_times = config.output_times;
  e.solver = config.solver;
  // Run k is realisation k % R of trial k / R. Its Wiener path is keyed by (seed, realisation x
  // trials + trial): adding realisations or trials keeps the paths of the runs already there.
  e.block_model = [config, weights, constants, R, trials](
                      std::size_t first, std::size_t count) -> std::unique_ptr<models::Model> {
    std::vector<models::PiecewiseDrive> drives;
    std::vector<models::RandomStream> paths;
    for (std::size_t run = first; run < first + count; ++run) {
      drives.push_back(config.trials[run / R]);
      paths.emplace_back(config.seed, models::RandomDomain::brownian_path, (run % R) * trials + run / R);
    }
    auto model = std::make_unique<models::ColumnNetwork>(weights, constants, std::move(drives));
    if (!config.noise.enabled()) return model;
    return models::with_column_noise(std::move(model), config.noise, std::move(paths), config.t_start,
                                     config.output_times.back());
  };
  if (config.noise.enabled() && config.noise.path == models::NoisePath::tree) {
    e.block_solve = tree_noise_block_solve(config, weights, constants);
    e.block_solve_method = tree_noise_method(config.solver);
  }
  e.describe_run = [R](std::size_t run) {
    return R == 1 ? "trial " + std::to_string(run)
                  : "trial " + std::to_string(run / R) + " realisation " + std::to_string(run % R);
  };
  e.variables = config.output.variables;
  e.config_text = config.source_text;
  return e;
}

void run(const EnsembleSpec& spec, const std::string& output, MPI_Comm comm, const std::string& command_line,
         bool quiet) {
  const EnsembleSummary summary = simulate_ensemble(spec, output, command_line, comm, quiet);
  if (quiet || !mpi::is_root(comm)) return;
  const auto& s = summary.statistics;
  std::printf(
      "neurode simulate: %s\n  %zu run(s) on %d rank(s): %ld steps (%ld rejected), %ld RHS evaluations, "
      "%.3f s\n  wrote %s\n",
      summary.method.c_str(), spec.runs, mpi::size(comm), s.steps, s.rejected_steps, s.rhs_evaluations,
      s.wall_time_s, output.c_str());
  std::fflush(stdout);
}

}  // namespace

void run_simulation_config(const setup::SimulationConfig& config, const std::string& output, MPI_Comm comm,
                           const std::string& command_line, bool quiet) {
  run(from_config(config), output, comm, command_line, quiet);
}

void run_network_file_simulation(const std::string& network_file, bool dense_output,
                                 const std::string& output, MPI_Comm comm, const std::string& command_line,
                                 bool quiet) {
  run(from_network_file(network_file, dense_output), output, comm, command_line, quiet);
}

}  // namespace neurode::app
