// neurode simulate: integrate a network from a YAML config or an explicit network file and write
// the trajectories, the config, the solver statistics and the provenance to one HDF5 file.
#include <petscsys.h>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "io/hdf5_file.hpp"
#include "io/provenance.hpp"
#include "models/column/column_network.hpp"
#include "models/column/network_file.hpp"
#include "models/noise/additive_noise.hpp"
#include "models/predictive_coding/pc_network_file.hpp"
#include "mpi/world.hpp"
#include "petsc/session.hpp"
#include "predictive_coding_file_commands.hpp"
#include "setup/simulation_config.hpp"
#include "setup/trajectory_output.hpp"
#include "simulation_ensemble.hpp"
#include "solvers/integrator.hpp"

namespace neurode::app {
namespace {

struct Problem {
  EnsembleSpec ensemble;
  models::StateLayout layout;          ///< of one run: what the output names and how it is shaped
  std::size_t trials = 1;              ///< the config's trials (stimuli)
  std::size_t realisations = 1;        ///< Wiener paths per trial
  std::vector<std::string> variables;  ///< components of `layout` to write
  std::string config_text;
  std::string output;
};

Problem from_network_file(const std::string& path) {
  const models::NetworkFile net = models::load_network_file(path);
  Problem p;
  p.layout = models::column_state_layout(net.weights.populations);
  auto& e = p.ensemble;
  e.states_per_run = p.layout.trial_size();
  e.initial_state = net.initial_state;
  e.t_start = net.times.front();
  e.output_times = net.times;
  // Reference-grade defaults: adaptive Dormand-Prince at rtol = atol = 1e-10 (options override).
  e.solver.method = "dopri5";
  e.solver.adaptive = true;
  e.solver.rtol = e.solver.atol = 1e-10;
  e.solver.dt = 1e-6;
  e.block_model = [net](std::size_t, std::size_t) -> std::unique_ptr<models::Model> {
    return std::make_unique<models::ColumnNetwork>(net.weights, net.constants, std::vector{net.drive});
  };
  e.describe_run = [](std::size_t) { return std::string("the network"); };
  p.variables = p.layout.names();
  p.config_text = "network file: " + path;
  return p;
}

Problem from_config(const std::string& path) {
  const setup::SimulationConfig config = setup::load_simulation_config(path);
  Problem p;
  const auto weights = models::build_network(config.parameters, config.network);
  const auto constants = models::ColumnConstants::from(config.parameters);
  p.layout = models::column_state_layout(weights.populations);
  p.trials = config.trials.size();
  p.realisations = config.realisations;
  auto& e = p.ensemble;
  e.runs = p.trials * p.realisations;
  e.block_size = config.block_size;
  e.states_per_run = p.layout.trial_size();
  e.initial_state =
      config.initial_state.empty() ? std::vector<double>(e.states_per_run, 0.0) : config.initial_state;
  e.t_start = config.t_start;
  e.output_times = config.output_times;
  e.solver = config.solver;
  // Run k is realisation k % R of trial k / R. Its Wiener path is keyed by (seed, realisation x
  // trials + trial): adding realisations or trials keeps the paths of the runs already there.
  const std::size_t R = p.realisations, trials = p.trials;
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
    auto membrane = model->membrane_offsets();
    return std::make_unique<models::AdditiveNoise>(std::move(model), config.noise, std::move(membrane),
                                                   std::move(paths), config.t_start,
                                                   config.output_times.back());
  };
  e.describe_run = [R](std::size_t run) {
    return R == 1 ? "trial " + std::to_string(run)
                  : "trial " + std::to_string(run / R) + " realisation " + std::to_string(run % R);
  };
  p.variables = config.output.variables;
  p.config_text = config.source_text;
  p.output = config.output.file;
  return p;
}

}  // namespace

int run_simulate(const CommandLine& cl) {
  if (!cl.network.empty() && models::is_predictive_coding_file(cl.network)) {
    if (cl.output.empty()) throw UsageError("no output file: give -o OUT.h5");
    on_root_for_all([&] { io::require_writable_directory(cl.output); });
    return simulate_predictive_coding_file(cl, cl.output);
  }
  // 1. The problem, from a network file or a config.
  Problem problem = cl.network.empty() ? from_config(cl.inputs.front()) : from_network_file(cl.network);
  const std::string output = !cl.output.empty() ? cl.output : problem.output;
  if (output.empty()) throw UsageError("no output file: give -o OUT.h5");
  on_root_for_all([&] { io::require_writable_directory(output); });

  // 2. Every run, in blocks spread over the ranks, gathered on rank 0.
  if (mpi::is_root()) problem.ensemble.solver.progress_every_s = 10;
  const solvers::Solution solution = simulate_ensemble(problem.ensemble);

  // 3. Write atomically: a temporary file renamed into place when complete.
  on_root_for_all([&] {
    io::AtomicOutput out(output);
    auto& file = out.file();
    setup::write_trajectory(file, solution, problem.layout, problem.ensemble.runs, problem.variables);
    if (problem.realisations > 1) {
      // Which trial and which Wiener path each run (the trajectories' first index) is.
      std::vector<double> trial, realisation;
      for (std::size_t run = 0; run < problem.ensemble.runs; ++run) {
        trial.push_back(static_cast<double>(run / problem.realisations));
        realisation.push_back(static_cast<double>(run % problem.realisations));
      }
      file.write("/trajectory/trial", trial);
      file.write("/trajectory/realisation", realisation);
    }
    setup::write_solver_statistics(file, "/solver", solution);
    file.write_string("/config/text", problem.config_text);
    io::write_provenance(file, io::current_provenance(cl.text));
    out.commit();
    const auto& s = solution.statistics;
    std::printf(
        "neurode simulate: %s\n  %zu run(s) on %d rank(s): %ld steps (%ld rejected), %ld RHS evaluations, "
        "%.3f s\n  wrote %s\n",
        solution.method.c_str(), problem.ensemble.runs, mpi::size(), s.steps, s.rejected_steps,
        s.rhs_evaluations, s.wall_time_s, output.c_str());
  });
  return 0;
}

}  // namespace neurode::app
