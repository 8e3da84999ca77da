#pragma once
/// What the column-network tasks (winner-take-all, XOR, parity) share: a network built once from
/// anatomy, its trainable weights with optional sign constraints, and per sample a piecewise-
/// constant drive plus targets for chosen populations at the observation times.
#include <map>
#include <string>
#include <vector>

#include "models/column_network.hpp"
#include "train/task.hpp"
#include "train/trajectory_loss.hpp"

namespace neurode::train {

/// Sign constraint of one kind of weight, applied by projection after every optimiser step.
enum class Sign { free, nonnegative, nonpositive };
Sign parse_sign(const std::string& text);  ///< free, nonnegative, nonpositive

struct ColumnTaskSettings {
  models::ColumnParameters parameters = models::default_column_parameters();
  models::NetworkSpec network;
  std::map<std::string, Sign> constraints;  ///< by ParameterRef::kind
  LossKind loss = LossKind::mse;
  double huber_beta = 1.0;
  Readout readout = Readout::state_rate;
  std::uint64_t seed = 1;
  /// Initial weights are the network's values times (1 + jitter u), u ~ U(-1, 1) keyed by (seed,
  /// parameter index), so that different seeds start from different points.
  double initial_jitter = 0.0;
};

class ColumnTask : public Task {
 public:
  explicit ColumnTask(ColumnTaskSettings settings);

  std::vector<double> initial_parameters() const override;
  std::vector<std::string> parameter_labels() const override;
  void project(std::vector<double>& parameters) const override;
  BatchProblem make_problem(Split split, const std::vector<std::size_t>& indices,
                            const std::vector<double>& parameters) const override;

  /// The loss targets, which both column tasks record as their output trajectories.
  std::vector<double> recorded_targets(Split split, std::size_t index) const override { return targets(split, index); }

  const models::NetworkWeights& weights() const { return weights_; }
  std::size_t populations() const { return weights_.populations; }

 protected:
  /// The sample's drive (population rates and/or input channel values).
  virtual models::PiecewiseDrive drive(Split split, std::size_t index) const = 0;
  /// Targets of the sample: observations x loss_populations(), row-major, Hz.
  virtual std::vector<double> targets(Split split, std::size_t index) const = 0;
  virtual std::vector<double> observation_times() const = 0;
  virtual std::vector<double> observation_weights() const = 0;
  virtual std::vector<std::size_t> loss_populations() const = 0;

  /// r (state) of population p of sample b in a batch solution at observation k.
  double rate_state(const solvers::Solution& solution, std::size_t k, std::size_t b, std::size_t p) const {
    return solution.state(k)[3 * populations() * b + 2 * populations() + p];
  }

  ColumnTaskSettings settings_;
  models::NetworkWeights weights_;
  models::ColumnConstants constants_;
};

/// The time index of `t` in `times` (exact match required; throws otherwise).
std::size_t index_of_time(const std::vector<double>& times, double t);

}  // namespace neurode::train
