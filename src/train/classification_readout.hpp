#pragma once
/// A linear read-out with cross-entropy at the last observation (spec vision-models.md): for each
/// trial, features f from its state at time T (a block of components as they are, or per channel
/// their mean or their maximum over the spatial positions: global average or max pooling),
/// logits = A f + b and
///     loss = logsumexp(logits) - logits[label].
/// A [classes, features] row-major and b [classes] are the loss's own parameters (A, then b).
#include <cstddef>
#include <string>
#include <vector>

#include "models/state_layout.hpp"
#include "solvers/observation_cost.hpp"

namespace neurode::train {

/// Global pooling over the positions of each channel. The maximum's gradient goes to the first
/// position holding it (a fixed rule, so that gradients are reproducible).
enum class Pool { none, mean, max };
/// "none" | "mean" | "max"; throws std::invalid_argument for any other name.
Pool parse_pool(const std::string& name);
const char* to_string(Pool pool);

/// Where a trial's features are: `channels` x `positions` values at `offset` of each trial's state
/// (trials `trial_stride` apart). Without pooling there are channels x positions features; with
/// pooling, one per channel.
struct ReadoutFeatures {
  std::size_t trial_stride = 0;
  std::size_t offset = 0;
  std::size_t channels = 0;
  std::size_t positions = 1;
  Pool pool = Pool::none;
  std::size_t count() const { return pool != Pool::none ? channels : channels * positions; }
};

/// The features of the last component of a state layout (a model's top level): all its values,
/// or, with pooling and a [C, H, W] shape, one mean or maximum per channel.
ReadoutFeatures top_component_features(const models::StateLayout& layout, Pool pool);
inline ReadoutFeatures top_component_features(const models::StateLayout& layout, bool mean_pool) {
  return top_component_features(layout, mean_pool ? Pool::mean : Pool::none);
}

class ClassificationReadout final : public solvers::ObservationCost {
 public:
  /// `labels` per trial (< classes); `observation` the index of the observation at T (the last).
  /// `readout` = [A, b] (classes x (features + 1) values).
  ClassificationReadout(ReadoutFeatures features, std::size_t classes, std::vector<int> labels,
                        std::vector<double> readout, std::size_t observation);

  void add_value(std::size_t k, const double* y, std::vector<double>& per_trial) const override;
  void add_cotangent(std::size_t k, const double* y, double* dl_dy) const override;
  const std::vector<std::size_t>* observed_components() const override { return &observed_; }
  std::size_t parameter_size() const override { return readout_.size(); }
  void add_parameter_gradient(std::size_t k, const double* y, double* grad) const override;

  /// The logits of trial `trial` from the state (classes values).
  std::vector<double> logits(const double* y, std::size_t trial) const;
  std::vector<double> features(const double* y, std::size_t trial) const;

 private:
  /// softmax(logits) - onehot(label): d loss / d logits.
  std::vector<double> logit_cotangent(const double* y, std::size_t trial) const;

  ReadoutFeatures features_;
  std::size_t classes_;
  std::vector<int> labels_;
  std::vector<double> readout_;
  std::size_t observation_;
  std::vector<std::size_t> observed_;
};

/// The cross-entropy of `logits` against `label`: logsumexp(logits) - logits[label], computed
/// with the maximum subtracted so that it never overflows.
double cross_entropy(const std::vector<double>& logits, int label);

}  // namespace neurode::train
