#pragma once
/// First-order optimisers (Adam, RMSprop, SGD with momentum) with learning-rate schedules and
/// global-norm gradient clipping. Pure arithmetic on std::vector in a fixed order, so every MPI
/// rank that applies the same gradient gets the same bits; the state can be saved and restored
/// for checkpoints.
#include <string>
#include <vector>

namespace neurode::train {

struct OptimizerSettings {
  std::string type = "adam";  ///< adam, rmsprop, sgd, lbfgs (train/lbfgs.hpp)
  double learning_rate = 1e-2;
  double beta1 = 0.9;     ///< adam
  double beta2 = 0.999;   ///< adam
  double alpha = 0.99;    ///< rmsprop smoothing
  double momentum = 0.0;  ///< sgd (and rmsprop)
  double epsilon = 1e-8;
  double clip_norm = 0.0;             ///< 0: no clipping
  std::string schedule = "constant";  ///< constant, step, exponential, cosine
  double gamma = 0.5;                 ///< step/exponential decay factor
  int step_every = 100;               ///< epochs between decays of the step schedule
  int total_epochs = 100;             ///< cosine schedule length
  double min_learning_rate = 0.0;     ///< cosine floor
  /// additive: p -= lr * step. multiplicative: the optimiser works on log|p| (its gradient is
  /// p * dL/dp) and p *= exp(-lr * step), so every weight moves by the same relative amount
  /// whatever its scale and never changes sign (a weight at 0 stays at 0). Suits networks whose
  /// weights span orders of magnitude and carry sign constraints.
  std::string update = "additive";
  int lbfgs_memory = 10;  ///< lbfgs: the (step, gradient change) pairs kept
};

/// Throws std::invalid_argument naming the setting at fault.
void validate(const OptimizerSettings& settings);

class Optimizer {
 public:
  Optimizer(OptimizerSettings settings, std::size_t parameters);

  /// Learning rate of epoch `epoch` (0-based) under the schedule.
  double learning_rate(int epoch) const;
  /// Clips `gradient` to the global norm (if set) and updates `parameters` in place. Returns the
  /// gradient norm before clipping.
  double step(std::vector<double>& parameters, std::vector<double> gradient, int epoch);

  /// State for checkpoints: [step count, first moments..., second moments...].
  std::vector<double> state() const;
  void restore(const std::vector<double>& state);
  const OptimizerSettings& settings() const { return settings_; }

 private:
  OptimizerSettings settings_;
  long steps_ = 0;
  std::vector<double> first_, second_;
};

}  // namespace neurode::train
