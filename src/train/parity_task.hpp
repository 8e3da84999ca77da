#pragma once
/// Parity of 4 binary inputs (areas [8, 4, 1] of MT, 312 states): 4 input channels (15 Hz when
/// on) reach L4e/L4i of every first-area column through their own weights; lateral connections
/// within areas, feed-forward between them; the output is a trained weighted sum of the last
/// column's L2/3e, L5e and L6e rates, 20 Hz for an even number of active inputs and 0 Hz for odd.
/// All 16 patterns are trained (the prototype used 4). Metric: outputs within 5 Hz of the target.
#include <array>

#include "train/column_task.hpp"

namespace neurode::train {

struct ParitySettings {
  double input_rate_Hz = 15.0;
  double silent_s = 0.5;
  double input_s = 0.5;
  double target_even_Hz = 20.0;
  double target_odd_Hz = 0.0;
  double tolerance_Hz = 5.0;   ///< a pattern is correct when its output is this close to its target
  double loss_window_s = 0.1;  ///< mean over the last window (0: final time only)
  std::size_t observations = 101;
  /// The task loss of training counts only the patterns whose number of active inputs is in this
  /// set (a curriculum: {0, 1}, then {0, 1, 2, 4}, then all); all 16 are still integrated for the
  /// loss's activity bound, and the held-out evaluation always scores all 16.
  std::vector<std::size_t> trained_input_counts = {0, 1, 2, 3, 4};
  /// The weight of a trained pattern's task term, by its number of active inputs: there are 1, 4,
  /// 6, 4 and 1 patterns of 0 to 4 inputs, so equal weights let the four three-input patterns
  /// outweigh the one four-input pattern that shares their pathway.
  std::array<double, 5> count_weights = {1, 1, 1, 1, 1};
};

/// Areas [8, 4, 1], lateral (trainable, <= 0), feed-forward and input (trainable, >= 0), trained
/// output weights (>= 0).
ColumnTaskSettings default_parity_network();

class ParityTask final : public ColumnTask {
 public:
  ParityTask(ColumnTaskSettings column, ParitySettings settings);
  std::string name() const override { return "parity"; }
  const ParitySettings& settings() const { return parity_; }
  std::size_t samples(Split) const override { return 16; }
  /// correct: within tolerance at the end; output_error_Hz: |output - target| at the end;
  /// peak_rate_Hz: the highest rate state r of any population at any observation time, which shows
  /// whether the answer comes from physiological rates (see TrajectoryLossSpec::rate_limit).
  std::vector<std::string> metric_names() const override {
    return {"correct", "output_error_Hz", "peak_rate_Hz"};
  }
  std::vector<double> score(Split split, const std::vector<std::size_t>& indices,
                            const solvers::Solution& solution,
                            const std::vector<double>& parameters) const override;
  std::vector<std::string> recorded_names() const override { return {"output (Hz)"}; }

 protected:
  models::PiecewiseDrive drive(Split split, std::size_t index) const override;
  std::vector<double> targets(Split split, std::size_t index) const override;
  std::vector<double> observation_times() const override { return times_; }
  std::vector<double> observation_weights() const override { return weights_over_time_; }
  std::vector<std::size_t> loss_populations() const override { return readout_populations(); }
  double task_weight(Split split, std::size_t pattern) const override {
    if (split == Split::evaluation) return 1.0;
    const std::size_t count = active_inputs(pattern);
    return trained_[count] ? parity_.count_weights[count] : 0.0;
  }

 private:
  /// Sample index = input pattern, bit c = channel c on.
  static std::size_t active_inputs(std::size_t pattern) {
    return (pattern & 1u) + ((pattern >> 1) & 1u) + ((pattern >> 2) & 1u) + ((pattern >> 3) & 1u);
  }
  double target(std::size_t pattern) const {
    return active_inputs(pattern) % 2 == 0 ? parity_.target_even_Hz : parity_.target_odd_Hz;
  }
  ParitySettings parity_;
  std::array<bool, 5> trained_{};  ///< by number of active inputs
  std::vector<double> times_, weights_over_time_;
};

/// Reads `task: {type: parity, ...}` and the column sections (docs/config.md, "Tasks").
TaskSetup read_parity_task(const TaskSources& sources);

}  // namespace neurode::train
