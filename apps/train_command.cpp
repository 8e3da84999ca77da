// neurode train: trains a task from its YAML config, data-parallel over the MPI ranks, with a
// progress line per epoch, a checkpoint after every epoch (resumed automatically when the same
// config is run again) and one HDF5 result file written atomically at the end.
#include <cstdio>
#include <filesystem>

#include "commands.hpp"
#include "io/hdf5_file.hpp"
#include "io/provenance.hpp"
#include "io/training_config.hpp"
#include "io/training_output.hpp"
#include "mpi/world.hpp"

namespace neurode::app {
namespace {

std::string progress_line(const train::Task& task, const train::EpochRecord& r, int epochs) {
  char buffer[512];
  int n = std::snprintf(buffer, sizeof buffer, "epoch %4d/%d  loss %.6e  |g| %.3e  lr %.2e", r.epoch, epochs,
                        r.loss, r.gradient_norm, r.learning_rate);
  if (r.evaluated) {
    n += std::snprintf(buffer + n, sizeof buffer - static_cast<std::size_t>(n), "  held-out loss %.6e",
                       r.evaluation_loss);
    const auto names = task.metric_names();
    for (std::size_t m = 0; m < names.size(); ++m)
      n += std::snprintf(buffer + n, sizeof buffer - static_cast<std::size_t>(n), "  %s %.4g",
                         names[m].c_str(), r.metrics[m]);
  }
  std::snprintf(buffer + n, sizeof buffer - static_cast<std::size_t>(n), "  (%.2f s)", r.seconds);
  return buffer;
}

}  // namespace

int run_train(const CommandLine& cl) {
  // 1. Config, task and trainer (every rank reads the same file).
  const io::TrainingConfig config = io::load_training_config(cl.inputs.front(), cl.seed);
  const std::string output = cl.output.empty() ? config.output_file : cl.output;
  const std::string checkpoint = output + ".checkpoint";
  const auto task = train::make_task(config.task);
  train::Trainer trainer(*task, config.training);
  // 2. Start from the task's initial weights, a previous result, or the checkpoint of an
  //    interrupted run of the same config.
  train::TrainingState state = trainer.initial_state();
  if (!config.initial_parameters_file.empty()) {
    const auto previous =
        io::Hdf5File(config.initial_parameters_file, io::Hdf5File::Mode::read).read("/parameters/final");
    if (previous.values.size() != state.parameters.size())
      throw io::ConfigError(config.path, "initial_parameters", 0,
                            "expected a result with " + std::to_string(state.parameters.size()) +
                                " parameters, " + config.initial_parameters_file + " has " +
                                std::to_string(previous.values.size()));
    state.parameters = previous.values;
  }
  const auto initial = state.parameters;
  if (config.checkpoint) {
    if (auto resumed = io::read_checkpoint(checkpoint, config.source_text, task->metric_names().size())) {
      state = std::move(*resumed);
      mpi::print_root("neurode train: resuming from " + checkpoint + " after epoch " +
                      std::to_string(state.epoch));
    }
  }
  mpi::print_root("neurode train: task " + task->name() + ", " + std::to_string(initial.size()) +
                  " parameters, " + std::to_string(task->samples(train::Split::training)) + " training / " +
                  std::to_string(task->samples(train::Split::evaluation)) + " held-out samples, " +
                  std::to_string(mpi::size()) + " MPI rank(s)");

  // 3. Train: a progress line and a checkpoint after every epoch.
  try {
    trainer.run(state, [&](const train::TrainingState& s, const train::EpochRecord& record) {
      mpi::print_root(progress_line(*task, record, config.training.epochs));
      if (config.checkpoint && mpi::is_root()) io::write_checkpoint(checkpoint, config.source_text, s);
    });
  } catch (const train::TrainingFailure& e) {
    throw IntegrationFailure(e.what());
  }

  // 4. The final held-out evaluation with trajectories, and the result file.
  const train::Evaluation evaluation = trainer.evaluate(state.parameters, true);
  if (mpi::is_root()) {
    io::AtomicOutput out(output);
    auto& file = out.file();
    io::write_training(file, *task, state, initial, evaluation);
    file.write_string("/config/text", config.source_text);
    file.set_attribute("/training", "solver", config.training.solver.method);
    file.set_attribute("/training", "gradient", solvers::to_string(config.training.gradient.method));
    io::write_provenance(file, io::current_provenance(cl.text));
    out.commit();
    std::filesystem::remove(checkpoint);
    double total = 0;
    for (const auto& r : state.history) total += r.seconds;
    std::printf("neurode train: %d epochs in %.1f s; held-out loss %.6e", state.epoch, total,
                evaluation.loss);
    const auto names = task->metric_names();
    for (std::size_t m = 0; m < names.size(); ++m)
      std::printf(", %s %.4g", names[m].c_str(), evaluation.metrics[m]);
    std::printf("\n  wrote %s\n", output.c_str());
  }
  return 0;
}

}  // namespace neurode::app
