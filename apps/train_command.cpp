// neurode train: trains a task from its YAML config, data-parallel over the MPI ranks, with a
// progress line per epoch, a checkpoint after every epoch (resumed automatically when the same
// config is run again) and one HDF5 result file written atomically at the end.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "io/hdf5_file.hpp"
#include "setup/training_config.hpp"
#include "training_run.hpp"

namespace neurode::app {

int run_train(const CommandLine& cl) {
  // The config (every rank reads the same file), then the training on every rank.
  const setup::TrainingConfig config = setup::load_training_config(cl.inputs.front(), cl.seed);
  const std::string output = cl.output.empty() ? config.output_file : cl.output;
  on_root_for_all([&] { io::require_writable_directory(output); });
  TrainingRun run;
  run.command_line = cl.text;
  run_training_config(config, output, run);
  return 0;
}

}  // namespace neurode::app
