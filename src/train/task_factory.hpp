#pragma once
/// Builds a task by name from its settings (what a training config's `task:` section holds).
#include <memory>
#include <string>
#include <vector>

#include "train/column_task.hpp"
#include "train/hopf_task.hpp"
#include "train/parity_task.hpp"
#include "train/task.hpp"
#include "train/wta_task.hpp"
#include "train/xor_task.hpp"

namespace neurode::train {

struct TaskConfig {
  std::string type = "xor";   ///< one of task_types()
  ColumnTaskSettings column;  ///< network, constraints, loss of a column task
  XorSettings xor_settings;
  WtaSettings wta;
  ParitySettings parity;
  HopfSettings hopf;
};

const std::vector<std::string>& task_types();
/// The default network and loss of a column task type (before the config's overrides); the Hopf
/// task has no column network and gets the XOR defaults, which it ignores.
ColumnTaskSettings default_column_settings(const std::string& type);
std::unique_ptr<Task> make_task(const TaskConfig& config);

}  // namespace neurode::train
