// neurode gradient: the gradient of the network file's trajectory loss with respect to its
// listed weights (grad_entries), written with the loss, the trajectory and the cost figures.

#include <cstdio>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "gradient_output.hpp"
#include "hgru_file_commands.hpp"
#include "io/hdf5_file.hpp"
#include "io/provenance.hpp"
#include "models/column/network_file.hpp"
#include "models/hgru/hgru_network_file.hpp"
#include "models/predictive_coding/pc_network_file.hpp"
#include "mpi/world.hpp"
#include "predictive_coding_file_commands.hpp"
#include "setup/trajectory_output.hpp"
#include "solvers/gradient.hpp"
#include "train/trajectory_loss.hpp"

namespace neurode::app {

int run_gradient(const CommandLine& cl) {
  // 1. The network and its loss.
  if (cl.network.empty()) throw UsageError("gradient needs --network FILE.h5");
  if (cl.output.empty()) throw UsageError("no output file: give -o OUT.h5");
  on_root_for_all([&] { io::require_writable_directory(cl.output); });
  if (models::is_predictive_coding_file(cl.network)) return gradient_predictive_coding_file(cl);
  if (models::is_hgru_file(cl.network)) return gradient_hgru_file(cl);
  const models::NetworkFile net = models::load_network_file(cl.network);
  if (net.weights.parameters.empty())
    throw io::Hdf5Error(cl.network + ": no 'grad_entries': nothing to differentiate");
  if (net.loss_populations.empty())
    throw io::Hdf5Error(cl.network + ": no 'loss_target_populations'/'loss_target_rates': no loss defined");
  models::ColumnNetwork model(net.weights, net.constants, {net.drive});
  train::TrajectoryLossSpec spec;
  spec.populations = net.weights.populations;
  spec.loss_populations = net.loss_populations;
  spec.observation_weights = train::mean_over_all(net.times.size());
  for (std::size_t k = 0; k < net.times.size(); ++k)
    spec.targets.insert(spec.targets.end(), net.loss_target_rates.begin(), net.loss_target_rates.end());
  const train::TrajectoryLoss loss(spec);

  // 2. Tight defaults (adaptive Dormand-Prince at 1e-10), overridable by PETSc options.
  solvers::SolverSettings solver;
  solver.method = "dopri5";
  solver.rtol = solver.atol = 1e-10;
  solver.dt = 1e-6;
  if (cl.gradient == "tsadjoint") {
    // PETSc's adjoint is exact for fixed steps only (docs/gradients.md): RK4 at 20 us by default.
    solver.method = "rk4";
    solver.adaptive = false;
    solver.dt = 2e-5;
  }
  solver.dense_output = cl.dense_output;
  solvers::GradientSettings settings;
  settings.method = solvers::parse_gradient_method(cl.gradient);
  settings.checkpoint_every = cl.checkpoint_every;
  settings.adjoint_solver = solver;
  // One network, one solve: rank 0 computes and writes, the others learn how it ended.
  on_root_for_all([&] {
    solvers::GradientSolver gradient(model, solver, settings);
    const auto result = gradient.compute(net.times.front(), net.initial_state, net.times, loss);
    throw_unless_solved(result.forward);

    // 3. Write atomically.
    io::AtomicOutput out(cl.output);
    auto& file = out.file();
    file.write_scalar("/gradient/loss", result.loss());
    file.write("/gradient/dL_dW", result.summed_gradient());
    std::vector<std::int64_t> entries;
    for (const auto& p : net.weights.parameters) {
      entries.push_back(static_cast<std::int64_t>(p.row));
      entries.push_back(static_cast<std::int64_t>(p.column));
    }
    file.write_integers("/gradient/grad_entries", {net.weights.parameters.size(), 2}, entries);
    write_gradient_context(file, result, models::column_state_layout(net.weights.populations), cl);
    out.commit();
    print_gradient_summary(result, cl.output);
  });
  return 0;
}

}  // namespace neurode::app
