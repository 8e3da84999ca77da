#include "train/xor_task.hpp"

#include "io/config_limits.hpp"

#include <stdexcept>

namespace neurode::train {

ColumnTaskSettings default_xor_network() {
  ColumnTaskSettings s;
  const auto& p = s.parameters;
  s.network.areas = {{"mt", 2}, {"mt", 1}};
  s.network.small_network = true;
  s.network.feedforward = {true, true, p.feedforward};
  s.network.input = {2, true, p.input_mask, p.input_init};
  return s;
}

XorTask::XorTask(ColumnTaskSettings column, XorSettings settings)
    : ColumnTask(std::move(column)), xor_(settings) {
  if (weights_.input.cols != 2)
    throw std::invalid_argument("xor task: the network needs exactly 2 input channels");
  if (xor_.observations < 2) throw std::invalid_argument("xor task: at least 2 observations");
  const double t_end = xor_.silent_s + xor_.input_s;
  for (std::size_t k = 0; k < xor_.observations; ++k)
    times_.push_back(t_end * static_cast<double>(k) / static_cast<double>(xor_.observations - 1));
  times_.back() = t_end;
  weights_over_time_ = xor_.loss_window_s > 0 ? mean_over_window(times_, t_end - xor_.loss_window_s, t_end)
                                              : final_time_only(times_.size());
  // The output column is the last one; its L2/3e is the read-out.
  output_population_ = weights_.populations - models::kPopulationsPerColumn;
}

models::PiecewiseDrive XorTask::drive(Split, std::size_t index) const {
  models::PiecewiseDrive d;
  d.times = {0.0, xor_.silent_s};
  d.population_rates.assign(2, std::vector<double>(populations(), 0.0));
  d.channel_values = {{0.0, 0.0},
                      {(index & 1u) ? xor_.input_rate_Hz : 0.0, (index & 2u) ? xor_.input_rate_Hz : 0.0}};
  return d;
}

std::vector<double> XorTask::targets(Split, std::size_t index) const {
  return std::vector<double>(times_.size(), xor_true(index) ? xor_.target_high_Hz : xor_.target_low_Hz);
}

std::vector<double> XorTask::score(Split, const std::vector<std::size_t>& indices,
                                   const solvers::Solution& solution, const std::vector<double>&) const {
  const double threshold = 0.5 * (xor_.target_high_Hz + xor_.target_low_Hz);
  std::vector<double> out;
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const double output = rate_state(solution, times_.size() - 1, b, output_population_);
    out.push_back((output > threshold) == xor_true(indices[b]) ? 1.0 : 0.0);
    out.push_back(output);
  }
  return out;
}

TaskSetup read_xor_task(const TaskSources& sources) {
  const io::ConfigNode& node = sources.task;
  node.check_keys({"type", "input_rate", "silent", "input_duration", "target_high", "target_low",
                   "loss_window", "observations"});
  XorSettings x;
  x.input_rate_Hz = node.get_or("input_rate", x.input_rate_Hz, kTaskRate);
  x.silent_s = node.get_or("silent", x.silent_s, kTaskDuration);
  x.input_s = node.get_or("input_duration", x.input_s, kTaskDuration);
  x.target_high_Hz = node.get_or("target_high", x.target_high_Hz, kTaskRate);
  x.target_low_Hz = node.get_or("target_low", x.target_low_Hz, kTaskRate);
  if (!(x.target_high_Hz > x.target_low_Hz))
    node.child("target_high").fail("expected target_high > target_low");
  x.loss_window_s = node.get_or("loss_window", x.loss_window_s, kTaskWindow);
  x.observations = node.get_or<unsigned long>("observations", x.observations, io::Bounds::at_least(2));
  const ColumnTaskSettings column = read_column_task_settings(sources, default_xor_network());
  TaskSetup setup;
  setup.size = column_task_size(column, x.silent_s + x.input_s, static_cast<double>(x.observations), 4, 4);
  setup.noise = column.noise;
  setup.make = [column, x] { return std::make_unique<XorTask>(column, x); };
  return setup;
}

}  // namespace neurode::train
