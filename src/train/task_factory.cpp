#include "train/task_factory.hpp"

#include <stdexcept>

namespace neurode::train {

const std::vector<std::string>& task_types() {
  static const std::vector<std::string> types = {"wta", "xor", "parity", "hopf"};
  return types;
}

ColumnTaskSettings default_column_settings(const std::string& type) {
  if (type == "xor" || type == "hopf") return default_xor_network();
  if (type == "wta") return default_wta_network();
  if (type == "parity") return default_parity_network();
  throw std::invalid_argument("unknown task type '" + type + "'");
}

std::unique_ptr<Task> make_task(const TaskConfig& config) {
  if (config.type == "xor") return std::make_unique<XorTask>(config.column, config.xor_settings);
  if (config.type == "wta") return std::make_unique<WtaTask>(config.column, config.wta);
  if (config.type == "parity") return std::make_unique<ParityTask>(config.column, config.parity);
  if (config.type == "hopf") return std::make_unique<HopfTask>(config.hopf);
  throw std::invalid_argument("unknown task type '" + config.type + "'");
}

}  // namespace neurode::train
