// neurode simulate: integrate a network from a YAML config or an explicit network file and write
// the trajectories, the config, the solver statistics and the provenance to one HDF5 file.
#include <petscsys.h>

#include "commands.hpp"
#include "io/hdf5_file.hpp"
#include "io/network_file.hpp"
#include "io/provenance.hpp"
#include "io/simulation_config.hpp"
#include "io/trajectory_output.hpp"
#include "models/column_network.hpp"
#include "mpi/world.hpp"
#include "petsc/session.hpp"
#include "solvers/integrator.hpp"

namespace neurode::app {
namespace {

struct Problem {
  std::unique_ptr<models::ColumnNetwork> model;
  std::vector<double> initial_state;
  double t_start = 0;
  std::vector<double> output_times;
  solvers::SolverSettings solver;
  std::vector<std::string> variables{"V", "a", "r"};
  std::string config_text;
  std::string output;
};

Problem from_network_file(const std::string& path) {
  const io::NetworkFile net = io::load_network_file(path);
  Problem p;
  p.model = std::make_unique<models::ColumnNetwork>(net.weights, net.constants, std::vector{net.drive});
  p.initial_state = net.initial_state;
  p.t_start = net.times.front();
  p.output_times = net.times;
  // Reference-grade defaults: adaptive Dormand-Prince at rtol = atol = 1e-10 (options override).
  p.solver.method = "dopri5";
  p.solver.adaptive = true;
  p.solver.rtol = p.solver.atol = 1e-10;
  p.solver.dt = 1e-6;
  p.config_text = "network file: " + path;
  return p;
}

Problem from_config(const std::string& path) {
  const io::SimulationConfig config = io::load_simulation_config(path);
  Problem p;
  const auto weights = models::build_network(config.parameters, config.network);
  p.model = std::make_unique<models::ColumnNetwork>(weights, models::ColumnConstants::from(config.parameters),
                                                    config.trials);
  const std::size_t per_trial = 3 * weights.populations;
  p.initial_state.assign(per_trial * config.trials.size(), 0.0);
  if (!config.initial_state.empty())
    for (std::size_t b = 0; b < config.trials.size(); ++b)
      std::copy(config.initial_state.begin(), config.initial_state.end(),
                p.initial_state.begin() + b * per_trial);
  p.t_start = config.t_start;
  p.output_times = config.output_times;
  p.solver = config.solver;
  p.variables = config.output.variables;
  p.config_text = config.source_text;
  p.output = config.output.file;
  return p;
}

}  // namespace

int run_simulate(const CommandLine& cl) {
  // 1. The problem, from a network file or a config.
  Problem problem = cl.network.empty() ? from_config(cl.inputs.front()) : from_network_file(cl.network);
  const std::string output = !cl.output.empty() ? cl.output : problem.output;
  if (output.empty()) throw UsageError("no output file: give -o OUT.h5");

  // 2. Integrate on rank 0 (a single network is not split over ranks; batches are, in training).
  const bool root = mpi::is_root();
  solvers::Solution solution;
  if (root) {
    solvers::Integrator integrator(*problem.model, problem.solver);
    solution = integrator.solve(problem.t_start, problem.initial_state, problem.output_times);
  }
  int ok = root ? (solution.ok() ? 1 : 0) : 1;
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!ok) {
    if (root) throw IntegrationFailure(solution.message);
    return 3;
  }

  // 3. Write atomically: a temporary file renamed into place when complete.
  if (root) {
    io::AtomicOutput out(output);
    auto& file = out.file();
    io::write_trajectory(file, solution, problem.model->populations(), problem.model->trial_count(),
                         problem.variables);
    io::write_solver_statistics(file, "/solver", solution);
    file.write_string("/config/text", problem.config_text);
    io::write_provenance(file, io::current_provenance(cl.text));
    out.commit();
    const auto& s = solution.statistics;
    std::printf("neurode simulate: %s\n  %ld steps (%ld rejected), %ld RHS evaluations, %.3f s\n  wrote %s\n",
                solution.method.c_str(), s.steps, s.rejected_steps, s.rhs_evaluations, s.wall_time_s,
                output.c_str());
  }
  return 0;
}

}  // namespace neurode::app
