#pragma once
/// The YAML configuration of `neurode train` (docs/config.md, section Training): the task, an
/// optional network override, the solver, the gradient method, the optimiser and the output.
#include <string>

#include "io/config_error.hpp"
#include "train/task_factory.hpp"
#include "train/trainer.hpp"

namespace neurode::io {

struct TrainingConfig {
  std::string path;
  std::string source_text;
  train::TaskConfig task;
  train::TrainingSettings training;
  /// A previous training result whose /parameters/final starts this run (e.g. a curriculum stage).
  std::string initial_parameters_file;
  std::string output_file = "neurode-training.h5";
  bool checkpoint = true;  ///< write OUT.h5.checkpoint every epoch and resume from it
};

TrainingConfig load_training_config(const std::string& path);
TrainingConfig parse_training_config(const std::string& text, const std::string& path);

}  // namespace neurode::io
