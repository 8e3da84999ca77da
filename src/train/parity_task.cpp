#include "train/parity_task.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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

}  // namespace neurode::train
