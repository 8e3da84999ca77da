#pragma once
/// XOR with three columns (areas [2, 1] of MT): two input channels reach L4e/L4i of columns A and
/// B through their own trainable weights; column C is driven by A's and B's output layers through
/// trainable feed-forward weights. 0.5 s without input, then 0.5 s with 20 Hz on the active
/// channels. Output: C's L2/3e rate at the end, high for XOR-true patterns, low otherwise.
#include "train/column_task.hpp"

namespace neurode::train {

struct XorSettings {
  double input_rate_Hz = 20.0;
  double silent_s = 0.5;
  double input_s = 0.5;
  double target_high_Hz = 1.0;  ///< prototype's targets
  double target_low_Hz = 0.25;
  double loss_window_s = 0.0;      ///< 0: final time only; else the mean over the last window_s
  std::size_t observations = 101;  ///< output grid (evaluation trajectories)
};

/// The default network of the task (areas [mt 2, mt 1], small network, trainable feed-forward and
/// input weights) as a ColumnTaskSettings to start from.
ColumnTaskSettings default_xor_network();

class XorTask final : public ColumnTask {
 public:
  XorTask(ColumnTaskSettings column, XorSettings settings);
  std::string name() const override { return "xor"; }
  std::size_t samples(Split) const override { return 4; }
  std::vector<std::string> metric_names() const override { return {"correct", "output_Hz"}; }
  std::vector<double> score(Split split, const std::vector<std::size_t>& indices,
                            const solvers::Solution& solution,
                            const std::vector<double>& parameters) const override;
  std::vector<std::string> recorded_names() const override { return {"C L2/3e r"}; }

 protected:
  models::PiecewiseDrive drive(Split split, std::size_t index) const override;
  std::vector<double> targets(Split split, std::size_t index) const override;
  std::vector<double> observation_times() const override { return times_; }
  std::vector<double> observation_weights() const override { return weights_over_time_; }
  std::vector<std::size_t> loss_populations() const override { return {output_population_}; }

 private:
  bool xor_true(std::size_t index) const { return ((index & 1u) != 0) != ((index & 2u) != 0); }
  XorSettings xor_;
  std::vector<double> times_, weights_over_time_;
  std::size_t output_population_;
};

/// Reads `task: {type: xor, ...}` and the column sections (docs/config.md, "Tasks").
TaskSetup read_xor_task(const TaskSources& sources);

}  // namespace neurode::train
