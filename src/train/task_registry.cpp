#include "train/task_registry.hpp"

#include "train/hopf_task.hpp"
#include "train/image_classification_task.hpp"
#include "train/parity_task.hpp"
#include "train/wta_task.hpp"
#include "train/xor_task.hpp"

namespace neurode::train {

const std::vector<TaskType>& task_types() {
  // A new task: its file pair in src/train, and one line here.
  static const std::vector<TaskType> types = {
      {"wta", read_wta_task},
      {"xor", read_xor_task},
      {"parity", read_parity_task},
      {"hopf", read_hopf_task},
      {"image_classification", read_image_classification_task},
  };
  return types;
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& type : task_types()) names.push_back(type.name);
  return names;
}

TaskSetup read_task_setup(const TaskSources& sources) {
  const std::string name = sources.task.require("type").choice(task_names());
  for (const auto& type : task_types())
    if (type.name == name) {
      TaskSetup setup = type.read(sources);
      setup.type = name;
      return setup;
    }
  return {};  // unreachable: choice() accepts only listed names
}

}  // namespace neurode::train
