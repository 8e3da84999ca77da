// neurode simulate: integrate a network from a YAML config or an explicit network file and write
// the trajectories, the config, the solver statistics and the provenance to one HDF5 file, each
// rank writing its own blocks of runs (simulation_run.hpp).
#include "commands.hpp"
#include "exit_codes.hpp"
#include "hgru_file_commands.hpp"
#include "io/hdf5_file.hpp"
#include "models/hgru/hgru_network_file.hpp"
#include "models/predictive_coding/pc_network_file.hpp"
#include "predictive_coding_file_commands.hpp"
#include "setup/simulation_config.hpp"
#include "simulation_run.hpp"

namespace neurode::app {

int run_simulate(const CommandLine& cl) {
  if (!cl.network.empty()) {
    if (cl.output.empty()) throw UsageError("no output file: give -o OUT.h5");
    if (models::is_predictive_coding_file(cl.network)) {
      on_root_for_all([&] { io::require_writable_directory(cl.output); });
      return simulate_predictive_coding_file(cl, cl.output);
    }
    if (models::is_hgru_file(cl.network)) {
      on_root_for_all([&] { io::require_writable_directory(cl.output); });
      return simulate_hgru_file(cl, cl.output);
    }
    run_network_file_simulation(cl.network, cl.dense_output, cl.output, MPI_COMM_WORLD, cl.text, false);
    return 0;
  }
  const setup::SimulationConfig config = setup::load_simulation_config(cl.inputs.front());
  const std::string output = !cl.output.empty() ? cl.output : config.output.file;
  if (output.empty()) throw UsageError("no output file: give -o OUT.h5");
  run_simulation_config(config, output, MPI_COMM_WORLD, cl.text, false);
  return 0;
}

}  // namespace neurode::app
