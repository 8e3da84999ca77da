#pragma once
/// The YAML configuration of `neurode train` (docs/config.md, section Training): the task, an
/// optional network override, the solver, the gradient method, the optimiser and the output.
#include <optional>
#include <string>
#include <vector>

#include "io/config_error.hpp"
#include "train/task_registry.hpp"
#include "train/trainer.hpp"

namespace neurode::setup {

struct TrainingConfig {
  std::string path;
  std::string source_text;
  train::TaskSetup task;  ///< the task (`task.type`) as its own reader read it
  train::TrainingSettings training;
  /// A previous training result whose /parameters/final starts this run (e.g. a curriculum stage).
  std::string initial_parameters_file;
  std::string output_file = "neurode-training.h5";
  bool checkpoint = true;  ///< write OUT.h5.checkpoint every epoch and resume from it
  /// A staged training (`stages:`): each stage is the config with its sections merged in, trained
  /// from the previous stage's final weights (the first from initial_parameters or the task's).
  /// Empty for a training of one stage. The fields above are then those of the last stage.
  std::vector<TrainingConfig> stages;
  std::size_t stage = 0;  ///< 1-based index of this stage; 0 for an unstaged config
  std::size_t stage_count = 0;
};

/// With a seed, the config as if its top-level `seed:` said that seed (`neurode train --seed N`, one
/// run of a sweep): the text is changed (with_seed), so that the run's stored config, its
/// checkpoint and a rerun of either all name the seed that was used.
TrainingConfig load_training_config(const std::string& path,
                                    std::optional<unsigned long> seed = std::nullopt);
TrainingConfig parse_training_config(const std::string& text, const std::string& path);

/// The config text with its top-level `seed:` line set to `seed`, or that line appended when it
/// has none; nested keys named seed and the rest of the text (line numbers included) unchanged.
std::string with_seed(const std::string& text, unsigned long seed);

}  // namespace neurode::setup
