#pragma once
/// Winner-take-all against Wong & Wang (2006): two MT columns (small network) whose L2/3e rates
/// must follow the reduced decision model's pool rates (docs/wong-wang.md). The stimulus pair
/// (mu_A, mu_B) drives L4e/L4i of each column in the middle third of the 0.15 s trial; the targets
/// are the prototype's Euler run of the Wong-Wang model compressed 100 times in time. Trainable:
/// cross-column L2/3e -> L2/3i and L2/3e self-excitation. Metric: the more strongly driven column
/// has the higher L2/3e rate at stimulus end.
#include <map>
#include <utility>
#include <vector>

#include "models/wong_wang/stimulus_pairs.hpp"
#include "models/wong_wang/wong_wang.hpp"
#include "train/column_task.hpp"

namespace neurode::train {

struct WtaSettings {
  models::WongWangParameters wong_wang{};
  std::size_t training_samples = 32;
  std::size_t evaluation_samples = 100;
  double stimulus_start_s = 0.05;
  double stimulus_end_s = 0.10;
  double cross_inhibition_init = 50.0;  ///< W[L2/3i of one column, L2/3e of the other]
};

ColumnTaskSettings default_wta_network(double cross_inhibition_init = 50.0);

class WtaTask final : public ColumnTask {
 public:
  WtaTask(ColumnTaskSettings column, WtaSettings settings);
  std::string name() const override { return "wta"; }
  std::size_t samples(Split split) const override {
    return split == Split::training ? wta_.training_samples : wta_.evaluation_samples;
  }
  /// winner_accuracy, then how Wong-Wang-like the trajectory is (wta_metrics.hpp): the fit r2, the
  /// loser's rate late in the stimulus and the winner's persistent rate after it, and the targets'
  /// own two values.
  std::vector<std::string> metric_names() const override {
    return {"winner_accuracy", "r2", "loser_Hz", "persistent_Hz", "target_loser_Hz", "target_persistent_Hz"};
  }
  std::vector<double> score(Split split, const std::vector<std::size_t>& indices,
                            const solvers::Solution& solution,
                            const std::vector<double>& parameters) const override;
  std::vector<std::string> recorded_names() const override { return {"A L2/3e r", "B L2/3e r"}; }
  models::StimulusPair pair(Split split, std::size_t index) const;

 protected:
  models::PiecewiseDrive drive(Split split, std::size_t index) const override;
  std::vector<double> targets(Split split, std::size_t index) const override;
  std::vector<double> observation_times() const override { return times_; }
  std::vector<double> observation_weights() const override { return weights_over_time_; }
  std::vector<std::size_t> loss_populations() const override { return {0, 8}; }

 private:
  WtaSettings wta_;
  std::vector<double> target_times_;  ///< the Wong-Wang grid
  std::vector<double> times_;         ///< the grid plus the stimulus end (weight 0)
  std::vector<double> weights_over_time_;
  std::size_t stimulus_end_index_ = 0;
  /// Each sample's Wong-Wang target, simulated once: it depends on the stimulus pair only, and
  /// simulating it for every group of every step cost about a tenth of a WTA training.
  mutable std::map<std::pair<Split, std::size_t>, std::vector<double>> targets_;
};

/// Reads `task: {type: wta, ...}` and the column sections (docs/config.md, "Tasks").
TaskSetup read_wta_task(const TaskSources& sources);

}  // namespace neurode::train
