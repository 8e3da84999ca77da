#include "train/parity_task.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "io/config_limits.hpp"

namespace neurode::train {

ColumnTaskSettings default_parity_network() {
  ColumnTaskSettings s;
  const auto& p = s.parameters;
  s.network.areas = {{"mt", 8}, {"mt", 4}, {"mt", 1}};
  s.network.small_network = true;
  s.network.lateral = {true, true, p.lateral};
  s.network.feedforward = {true, true, p.feedforward};
  s.network.input = {4, true, p.input_mask, p.input_init};
  s.constraints = {{"lateral", Sign::nonpositive},
                   {"feedforward", Sign::nonnegative},
                   {"input", Sign::nonnegative},
                   {"output", Sign::nonnegative}};
  s.output_readout = true;
  s.output_trainable = true;
  return s;
}

ParityTask::ParityTask(ColumnTaskSettings column, ParitySettings settings)
    : ColumnTask(std::move(column)), parity_(settings) {
  if (weights_.input.cols != 4)
    throw std::invalid_argument("parity task: the network needs exactly 4 input channels");
  if (!settings_.output_readout)
    throw std::invalid_argument("parity task: the output read-out must be enabled");
  if (parity_.observations < 2) throw std::invalid_argument("parity task: at least 2 observations");
  for (std::size_t count : parity_.trained_input_counts) {
    if (count > 4) throw std::invalid_argument("parity task: trained input counts must be <= 4");
    trained_[count] = true;
  }

  const double t_end = parity_.silent_s + parity_.input_s;
  for (std::size_t k = 0; k < parity_.observations; ++k)
    times_.push_back(t_end * static_cast<double>(k) / static_cast<double>(parity_.observations - 1));
  times_.back() = t_end;
  weights_over_time_ = parity_.loss_window_s > 0
                           ? mean_over_window(times_, t_end - parity_.loss_window_s, t_end)
                           : final_time_only(times_.size());
}

models::PiecewiseDrive ParityTask::drive(Split, std::size_t pattern) const {
  models::PiecewiseDrive d;
  d.times = {0.0, parity_.silent_s};
  d.population_rates.assign(2, std::vector<double>(populations(), 0.0));
  d.channel_values = {std::vector<double>(4, 0.0), std::vector<double>(4, 0.0)};
  for (std::size_t c = 0; c < 4; ++c)
    if (pattern & (1u << c)) d.channel_values[1][c] = parity_.input_rate_Hz;
  return d;
}

std::vector<double> ParityTask::targets(Split, std::size_t pattern) const {
  return std::vector<double>(times_.size(), target(pattern));
}

std::vector<double> ParityTask::score(Split, const std::vector<std::size_t>& indices,
                                      const solvers::Solution& solution,
                                      const std::vector<double>& parameters) const {
  std::vector<double> out;
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const double error =
        std::abs(readout_output(solution, times_.size() - 1, b, parameters) - target(indices[b]));
    out.push_back(error <= parity_.tolerance_Hz ? 1.0 : 0.0);
    out.push_back(error);
    double peak = 0;
    for (std::size_t k = 0; k < times_.size(); ++k)
      for (std::size_t p = 0; p < populations(); ++p) peak = std::max(peak, rate_state(solution, k, b, p));
    out.push_back(peak);
  }
  return out;
}

TaskSetup read_parity_task(const TaskSources& sources) {
  const io::ConfigNode& node = sources.task;
  node.check_keys({"type", "input_rate", "silent", "input_duration", "target_even", "target_odd", "tolerance",
                   "loss_window", "observations", "max_active_inputs", "trained_input_counts",
                   "count_weights"});
  ParitySettings p;
  p.input_rate_Hz = node.get_or("input_rate", p.input_rate_Hz, kTaskRate);
  p.silent_s = node.get_or("silent", p.silent_s, kTaskDuration);
  p.input_s = node.get_or("input_duration", p.input_s, kTaskDuration);
  p.target_even_Hz = node.get_or("target_even", p.target_even_Hz, kTaskRate);
  p.target_odd_Hz = node.get_or("target_odd", p.target_odd_Hz, kTaskRate);
  p.tolerance_Hz = node.get_or("tolerance", p.tolerance_Hz, io::Bounds{0.0, io::kMaxRate_Hz, true, false});
  p.loss_window_s = node.get_or("loss_window", p.loss_window_s, kTaskWindow);
  p.observations = node.get_or<unsigned long>("observations", p.observations, io::Bounds::at_least(2));
  // A curriculum names the numbers of active inputs whose patterns are trained, as a list or as
  // "at most k".
  if (node.has("max_active_inputs") && node.has("trained_input_counts"))
    node.child("trained_input_counts")
        .fail("give either max_active_inputs or trained_input_counts, not both");
  if (node.has("max_active_inputs")) {
    const auto most = node.get_or<unsigned long>("max_active_inputs", 4, io::Bounds::closed(0.0, 4.0));
    p.trained_input_counts.clear();
    for (std::size_t count = 0; count <= most; ++count) p.trained_input_counts.push_back(count);
  }
  if (node.has("trained_input_counts")) {
    p.trained_input_counts.clear();
    for (double count : node.child("trained_input_counts").numbers(io::Bounds::closed(0.0, 4.0))) {
      if (count != std::floor(count))
        node.child("trained_input_counts").fail("expected whole numbers from 0 to 4");
      p.trained_input_counts.push_back(static_cast<std::size_t>(count));
    }
  }
  if (node.has("count_weights")) {
    // One weight for the patterns of 0, 1, 2, 3 and 4 active inputs.
    const auto weights = node.child("count_weights").numbers(io::Bounds::closed(0.0, 1e6), 5);
    std::copy(weights.begin(), weights.end(), p.count_weights.begin());
  }
  const ColumnTaskSettings column = read_column_task_settings(sources, default_parity_network());
  TaskSetup setup;
  setup.size = column_task_size(column, p.silent_s + p.input_s, static_cast<double>(p.observations), 16, 16);
  setup.noise = column.noise;
  setup.make = [column, p] { return std::make_unique<ParityTask>(column, p); };
  return setup;
}

}  // namespace neurode::train
