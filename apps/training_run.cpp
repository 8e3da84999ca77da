#include "training_run.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "io/config_identity.hpp"
#include "io/provenance.hpp"
#include "mpi/interruption.hpp"
#include "mpi/world.hpp"
#include "setup/training_output.hpp"

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
  std::snprintf(buffer + n, sizeof buffer - static_cast<std::size_t>(n),
                "  (%.2f s, rhs %.0f + %.0f, vjp %.0f)", r.seconds, r.forward_rhs_evaluations,
                r.backward_rhs_evaluations, r.backward_products);
  return buffer;
}

// A checkpoint is resumed only when every rank could read and check it; one that cannot be
// resumed is set aside (renamed, so that it can still be looked at) and the training starts again,
// saying so: a requeued job must never fail forever on a damaged file.
std::optional<train::TrainingState> resume_or_set_aside(const std::string& checkpoint,
                                                        const setup::CheckpointExpectation& expected,
                                                        MPI_Comm comm) {
  std::optional<train::TrainingState> state;
  std::string problem;
  bool other_config = false;
  try {
    state = setup::read_checkpoint(checkpoint, expected);
  } catch (const setup::UnusableCheckpoint& e) {
    problem = e.what();
    other_config = e.other_config();
  }
  problem = mpi::first_message(problem, comm);
  if (problem.empty()) return state;
  const std::string aside = checkpoint + (other_config ? ".other-config" : ".damaged");
  MPI_Barrier(comm);  // every rank has closed it
  if (mpi::is_root(comm)) {
    std::error_code error;
    std::filesystem::rename(checkpoint, aside, error);
    // If it cannot be renamed, the first new checkpoint replaces it.
    const std::string where = error ? "left in place (it could not be renamed)" : "set aside as " + aside;
    std::fprintf(stderr, "neurode train: checkpoint %s cannot be resumed (%s); %s, training from epoch 0\n",
                 checkpoint.c_str(), problem.c_str(), where.c_str());
    std::fflush(stderr);
  }
  MPI_Barrier(comm);
  return std::nullopt;
}

// What is kept after a training stops early, for its message.
std::string kept_checkpoint(const setup::TrainingConfig& config, const std::string& checkpoint,
                            int last_epoch) {
  if (!config.checkpoint) return "checkpoints are off (output.checkpoint: false), so nothing is kept";
  if (last_epoch == 0) return "no epoch had finished, so there is no checkpoint";
  std::error_code error;
  if (!std::filesystem::exists(checkpoint, error))
    return "the checkpoint " + checkpoint + " is gone too (its directory was removed), so nothing is kept";
  return "the checkpoint of epoch " + std::to_string(last_epoch) + " is kept in " + checkpoint +
         ": rerun the same command to resume from it";
}

// Starting weights from a previous result's /parameters/final; `key` names where the config chose
// that file (initial_parameters, or the stage before).
std::vector<double> read_initial_parameters(const setup::TrainingConfig& config, const std::string& file,
                                            const std::string& key, std::size_t expected) {
  const auto previous = io::Hdf5File(file, io::Hdf5File::Mode::read).read("/parameters/final");
  if (previous.values.size() != expected)
    throw io::ConfigError(config.path, key, 0,
                          "expected a result with " + std::to_string(expected) + " parameters, " + file +
                              " has " + std::to_string(previous.values.size()));
  for (double x : previous.values)
    if (!std::isfinite(x))
      throw io::ConfigError(
          config.path, key, 0,
          "expected finite parameters, " + file + " holds a non-finite one in /parameters/final");
  return previous.values;
}

// Stage K of a staged training writes OUT.stage-K.h5 (the last stage writes OUT itself).
std::string stage_output(const std::string& output, const setup::TrainingConfig& stage) {
  if (stage.stage == stage.stage_count) return output;
  const std::filesystem::path path(output);
  return (path.parent_path() /
          (path.stem().string() + ".stage-" + std::to_string(stage.stage) + path.extension().string()))
      .string();
}

// A stage is done when its result is there, written by this very config (comments and layout
// aside: io/config_identity.hpp) and stage: a rerun (or a requeued job) goes on with the first
// stage that is not.
bool stage_is_done(const std::string& file, const setup::TrainingConfig& stage) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return false;
  try {
    io::Hdf5File result(file, io::Hdf5File::Mode::read);
    return io::same_config(result.read_text("/config/text"), stage.source_text) &&
           result.read_attribute("/config", "stage") == static_cast<double>(stage.stage);
  } catch (const std::exception&) {
    return false;  // damaged or another config's: trained again, replacing it
  }
}

// training.stop_at.metric names one of the task's held-out metrics (known once the task is made).
void check_stop_metric(const setup::TrainingConfig& config, const train::Task& task) {
  if (config.training.stop_at.metric.empty()) return;
  try {
    train::metric_index(task, config.training.stop_at.metric);
  } catch (const std::invalid_argument& e) {
    throw io::ConfigError(config.path, "training.stop_at.metric", 0, e.what());
  }
}

// One training (or one stage of a staged one) from `initial_file`'s weights ("" for the task's).
void train_once(const TrainingRun& run, const setup::TrainingConfig& config, const std::string& output,
                const std::string& initial_file, const std::string& initial_key) {
  const MPI_Comm comm = run.comm;
  const auto say = [&](const std::string& line) {
    if (!run.quiet) mpi::print_root(line, comm);
  };
  const std::string checkpoint = output + ".checkpoint";
  // A task checks the combination of its settings when it is built: name the config in its message.
  std::unique_ptr<train::Task> task;
  try {
    task = config.task.make();
  } catch (const std::invalid_argument& e) {
    throw io::ConfigError(config.path, "task", 0, e.what());
  }
  check_stop_metric(config, *task);
  train::Trainer trainer(*task, config.training, comm);
  // 2. Start from the task's initial weights, a previous result, or the checkpoint of an
  //    interrupted run of the same config.
  train::TrainingState state = trainer.initial_state();
  if (!initial_file.empty())
    state.parameters = read_initial_parameters(config, initial_file, initial_key, state.parameters.size());
  const auto initial = state.parameters;
  const std::size_t metrics = task->metric_names().size();
  if (config.checkpoint) {
    setup::CheckpointExpectation expected{config.source_text, state.parameters.size(),
                                          state.optimizer_state.size(), metrics, config.training.epochs};
    if (auto resumed = resume_or_set_aside(checkpoint, expected, comm)) {
      state = std::move(*resumed);
      say("neurode train: resuming from " + checkpoint + " after epoch " + std::to_string(state.epoch));
    }
  }
  say("neurode train: task " + task->name() + ", " + std::to_string(initial.size()) + " parameters, " +
      std::to_string(task->samples(train::Split::training)) + " training / " +
      std::to_string(task->samples(train::Split::evaluation)) + " held-out samples, " +
      std::to_string(mpi::size(comm)) + " MPI rank(s)");

  // 3. Train: a progress line and a checkpoint after every epoch. Training stops early on a signal
  //    or a failed or non-finite solve, keeping the checkpoint of the last finished epoch.
  int finished = state.epoch;
  // What an early stop keeps, for its message; a scan says that itself, for all its points.
  const auto kept = [&] {
    return run.quiet ? std::string() : "; " + kept_checkpoint(config, checkpoint, finished);
  };
  try {
    trainer.run(state, [&](const train::TrainingState& s, const train::EpochRecord& record) {
      say(progress_line(*task, record, config.training.epochs));
      if (config.checkpoint)
        on_root_for_all([&] { setup::write_checkpoint(checkpoint, config.source_text, s, metrics); }, comm);
      finished = s.epoch;
    });
  } catch (const mpi::Interrupted& e) {
    throw mpi::Interrupted(std::string(e.what()) + " in epoch " + std::to_string(finished + 1) + "; " +
                           kept_checkpoint(config, checkpoint, finished));
  } catch (const train::TrainingFailure& e) {
    throw IntegrationFailure(std::string(e.what()) + kept());
  } catch (const CommandFailure& e) {
    // A checkpoint could not be written: the previous one is still in place.
    throw CommandFailure(e.code(), std::string(e.what()) + kept());
  }

  // 4. The final held-out evaluation with trajectories, and the result file.
  train::Evaluation evaluation, test;
  std::vector<train::NamedArray> examples;
  try {
    evaluation = trainer.evaluate(state.parameters, true);
    if (task->has_test_split()) test = trainer.evaluate(state.parameters, false, train::Split::test);
    if (mpi::is_root(comm)) examples = task->examples(state.parameters, config.training.solver);
  } catch (const mpi::Interrupted& e) {
    throw mpi::Interrupted(std::string(e.what()) + " in the final evaluation; " +
                           kept_checkpoint(config, checkpoint, finished));
  } catch (const train::TrainingFailure& e) {
    throw IntegrationFailure(std::string(e.what()) + kept());
  }
  try {
    on_root_for_all(
        [&] {
          io::AtomicOutput out(output);
          auto& file = out.file();
          setup::write_training(file, *task, state, initial, evaluation);
          if (task->has_test_split()) setup::write_test(file, *task, test);
          for (const auto& example : examples)
            file.write("/examples/" + example.name, example.shape, example.values.data());
          file.write_string("/config/text", config.source_text);
          if (config.stage > 0) {
            file.set_attribute("/config", "stage", static_cast<double>(config.stage));
            file.set_attribute("/config", "stages", static_cast<double>(config.stage_count));
          }
          file.set_attribute("/training", "solver", config.training.solver.method);
          // The method as PETSc ran it, after any -ts_* options (rank 0 holds it: it solves block 0).
          if (!evaluation.method.empty()) file.set_attribute("/training", "solver_used", evaluation.method);
          file.set_attribute("/training", "gradient", solvers::to_string(config.training.gradient.method));
          io::write_provenance(file, io::current_provenance(run.command_line));
          if (run.annotate) run.annotate(file);
          out.commit();
        },
        comm);
  } catch (const CommandFailure& e) {
    throw CommandFailure(e.code(), std::string(e.what()) + kept());
  }
  if (mpi::is_root(comm)) {
    // Only now that the result is in place is the checkpoint no longer needed.
    std::error_code error;
    std::filesystem::remove(checkpoint, error);
    if (run.quiet) return;
    double total = 0;
    for (const auto& r : state.history) total += r.seconds;
    std::printf("neurode train: %d epochs in %.1f s; held-out loss %.6e", state.epoch, total,
                evaluation.loss);
    const auto names = task->metric_names();
    for (std::size_t m = 0; m < names.size(); ++m)
      std::printf(", %s %.4g", names[m].c_str(), evaluation.metrics[m]);
    if (task->has_test_split()) {
      std::printf("\n  test (%zu samples): loss %.6e", task->samples(train::Split::test), test.loss);
      for (std::size_t m = 0; m < names.size(); ++m)
        std::printf(", %s %.4g", names[m].c_str(), test.metrics[m]);
    }
    std::printf("\n  wrote %s\n", output.c_str());
  }
}

}  // namespace

void run_training_config(const setup::TrainingConfig& config, const std::string& output,
                         const TrainingRun& run) {
  const auto say = [&](const std::string& line) {
    if (!run.quiet) mpi::print_root(line, run.comm);
  };
  if (config.stages.empty()) {
    train_once(run, config, output, config.initial_parameters_file, "initial_parameters");
    return;
  }
  // A staged training: each stage from the previous stage's result; stages already done by this
  // config are kept, so that a rerun resumes with the first unfinished one (and its checkpoint).
  std::string previous = config.stages.front().initial_parameters_file;
  std::string previous_key = "initial_parameters";
  for (const auto& stage : config.stages) {
    const std::string file = stage_output(output, stage);
    const std::string name =
        "stage " + std::to_string(stage.stage) + " of " + std::to_string(stage.stage_count);
    if (stage_is_done(file, stage)) {
      say("neurode train: " + name + " is done (" + file + "), kept");
    } else {
      say("neurode train: " + name);
      train_once(run, stage, file, previous, previous_key);
    }
    previous = file;
    previous_key = "stages[" + std::to_string(stage.stage - 1) + "]";
  }
}

}  // namespace neurode::app
