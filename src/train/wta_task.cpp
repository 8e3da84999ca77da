#include "train/wta_task.hpp"

#include "io/config_limits.hpp"
#include "train/wta_metrics.hpp"

#include <algorithm>
#include <stdexcept>

namespace neurode::train {
namespace {
// Evaluation pairs come from a disjoint range of sample indices of the same seeded stream.
constexpr std::size_t kEvaluationOffset = std::size_t{1} << 40;
}  // namespace

ColumnTaskSettings default_wta_network(double cross_inhibition_init) {
  ColumnTaskSettings s;
  s.network.areas = {{"mt", 2}};
  s.network.small_network = true;
  models::ConnectionPattern cross{};
  cross.mask[1][0] = 1.0;  // L2/3i <- L2/3e of the other column
  cross.init[1][0] = cross_inhibition_init;
  s.network.lateral = {true, true, cross};
  s.network.weights = {{0, 0, std::nullopt, true}, {8, 8, std::nullopt, true}};  // L2/3e self-excitation
  s.loss = LossKind::huber;
  s.huber_beta = 1.0;
  return s;
}

WtaTask::WtaTask(ColumnTaskSettings column, WtaSettings settings)
    : ColumnTask(std::move(column)), wta_(settings) {
  if (populations() != 16) throw std::invalid_argument("wta task: the network must have 2 columns");
  target_times_ = models::wong_wang_target_times(wta_.wong_wang);
  times_ = target_times_;
  const bool on_grid =
      std::any_of(times_.begin(), times_.end(), [&](double t) { return t == wta_.stimulus_end_s; });
  if (!on_grid) times_.push_back(wta_.stimulus_end_s);
  std::sort(times_.begin(), times_.end());
  stimulus_end_index_ = index_of_time(times_, wta_.stimulus_end_s);
  weights_over_time_.assign(times_.size(), 0.0);
  for (double t : target_times_)
    weights_over_time_[index_of_time(times_, t)] = 1.0 / static_cast<double>(target_times_.size());
}

models::StimulusPair WtaTask::pair(Split split, std::size_t index) const {
  const std::size_t sample = split == Split::training ? index : kEvaluationOffset + index;
  return models::sample_stimulus_pair(settings_.seed, sample, wta_.wong_wang.stimulus_pairs);
}

models::PiecewiseDrive WtaTask::drive(Split split, std::size_t index) const {
  const auto mu = pair(split, index);
  models::PiecewiseDrive d;
  d.times = {0.0, wta_.stimulus_start_s, wta_.stimulus_end_s};
  d.population_rates.assign(3, std::vector<double>(populations(), 0.0));
  for (std::size_t pop : {2, 3}) {  // L4e, L4i
    d.population_rates[1][pop] = mu.mu_A_Hz;
    d.population_rates[1][8 + pop] = mu.mu_B_Hz;
  }
  return d;
}

std::vector<double> WtaTask::targets(Split split, std::size_t index) const {
  const auto cached = targets_.find({split, index});
  if (cached != targets_.end()) return cached->second;
  const auto mu = pair(split, index);
  const auto target = models::wong_wang_target(wta_.wong_wang, mu.mu_A_Hz, mu.mu_B_Hz);
  // Observations off the Wong-Wang grid (the stimulus end) get weight 0; their target is unused.
  std::vector<double> out(times_.size() * 2, 0.0);
  for (std::size_t j = 0; j < target_times_.size(); ++j) {
    const std::size_t k = index_of_time(times_, target_times_[j]);
    out[2 * k] = target.values[2 * j];
    out[2 * k + 1] = target.values[2 * j + 1];
  }
  targets_.emplace(std::pair{split, index}, out);
  return out;
}

std::vector<double> WtaTask::score(Split split, const std::vector<std::size_t>& indices,
                                   const solvers::Solution& solution, const std::vector<double>&) const {
  std::vector<double> out;
  WtaWindows windows;
  windows.stimulus_start_s = wta_.stimulus_start_s;
  windows.stimulus_end_s = wta_.stimulus_end_s;
  std::vector<double> rates(2 * times_.size());
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const auto mu = pair(split, indices[b]);
    const double a = rate_state(solution, stimulus_end_index_, b, 0);
    const double c = rate_state(solution, stimulus_end_index_, b, 8);
    out.push_back((mu.mu_A_Hz > mu.mu_B_Hz) == (a > c) ? 1.0 : 0.0);
    for (std::size_t k = 0; k < times_.size(); ++k) {
      rates[2 * k] = rate_state(solution, k, b, 0);
      rates[2 * k + 1] = rate_state(solution, k, b, 8);
    }
    const std::size_t winner = mu.mu_A_Hz >= mu.mu_B_Hz ? 0 : 1;
    const WtaMetrics m =
        wta_metrics(times_, rates, targets(split, indices[b]), weights_over_time_, winner, windows);
    out.insert(out.end(), {m.r2, m.loser_rate_Hz, m.winner_persistent_Hz, m.target_loser_rate_Hz,
                           m.target_winner_persistent_Hz});
  }
  return out;
}

TaskSetup read_wta_task(const TaskSources& sources) {
  const io::ConfigNode& node = sources.task;
  node.check_keys({"type", "training_samples", "evaluation_samples", "cross_inhibition_init"});
  WtaSettings w;
  w.training_samples =
      node.get_or<unsigned long>("training_samples", w.training_samples, io::Bounds::at_least(1));
  w.evaluation_samples =
      node.get_or<unsigned long>("evaluation_samples", w.evaluation_samples, io::Bounds::at_least(1));
  w.cross_inhibition_init = node.get_or("cross_inhibition_init", w.cross_inhibition_init);
  const ColumnTaskSettings column =
      read_column_task_settings(sources, default_wta_network(w.cross_inhibition_init));
  TaskSetup setup;
  setup.size =
      column_task_size(column, w.wong_wang.column_t_end_s, static_cast<double>(w.wong_wang.target_points) + 1,
                       static_cast<double>(w.training_samples), static_cast<double>(w.evaluation_samples));
  setup.noise = column.noise;
  setup.make = [column, w] { return std::make_unique<WtaTask>(column, w); };
  return setup;
}

}  // namespace neurode::train
