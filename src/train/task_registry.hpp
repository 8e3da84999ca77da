#pragma once
/// The training tasks by name. Each task reads and checks its own `task:` settings in its own file
/// (e.g. read_xor_task in xor_task.cpp) and is listed once, in task_registry.cpp; nothing else
/// knows the tasks.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/config_reader.hpp"
#include "models/noise/noise_settings.hpp"
#include "train/task.hpp"

namespace neurode::train {

/// The config sections a task may read: its own `task:` node, and the whole config for the
/// sections it shares with others (the column tasks' `model`, `constraints`, `loss`, `noise`,
/// `initial_jitter`). A task refuses the sections it does not use.
struct TaskSources {
  io::ConfigNode task;
  io::ConfigNode root;
  std::string config_path;  ///< resolves relative files named in the config
  std::uint64_t seed = 1;   ///< the config's `seed`: data and initial weights
};

/// What a training needs from a task before it builds it: a sample's size, to check the run
/// against memory and the step limit before anything is allocated.
struct TaskSize {
  double duration_s = 0;  ///< simulated time of one sample
  double observations = 0;
  double states = 0;  ///< per sample
  double training_samples = 0;
  double evaluation_samples = 0;
  double parameters = 0;  ///< trainable parameters when they dominate memory (an MLP), else 0
  /// Keys of `task:` named when that size is at fault, e.g. "layers".
  std::string parameters_key = "layers";
};

/// A task read from its config: its factory, its size and the noise on its model (which the solver
/// settings are checked against).
struct TaskSetup {
  std::string type;
  std::function<std::unique_ptr<Task>()> make;
  TaskSize size;
  models::NoiseSettings noise;
};

using TaskReader = std::function<TaskSetup(const TaskSources&)>;

struct TaskType {
  std::string name;
  TaskReader read;
};

/// Every task, in the order `neurode train --help` and error messages list them.
const std::vector<TaskType>& task_types();
std::vector<std::string> task_names();

/// The task named by `task.type`, read by its own reader (an unknown type names task.type and
/// lists the known ones).
TaskSetup read_task_setup(const TaskSources& sources);

}  // namespace neurode::train
