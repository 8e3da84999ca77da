#pragma once
/// Losses on a column network's trajectory at the observation times: a read-out of chosen
/// populations (the filtered rate state r, or the instantaneous rate f(V - a)) compared with
/// targets by MSE, Huber (smooth L1 with beta) or L1, weighted over observations (mean over all,
/// final time only, or mean over a time window).
#include <cstddef>
#include <limits>
#include <vector>

#include "models/column/transfer_function.hpp"
#include "solvers/observation_cost.hpp"

namespace neurode::train {

enum class LossKind { mse, huber, l1 };
enum class Readout {
  state_rate,          ///< the state variable r (Hz)
  instantaneous_rate,  ///< f(V - a) (Hz)
};

/// Observation weights: the mean over all times, the final time only, or the mean over [t0, t1].
std::vector<double> mean_over_all(std::size_t observations);
std::vector<double> final_time_only(std::size_t observations);
std::vector<double> mean_over_window(const std::vector<double>& times, double t0, double t1);

struct TrajectoryLossSpec {
  std::size_t populations = 0;  ///< N of one trial
  std::size_t trials = 1;
  Readout readout = Readout::state_rate;
  LossKind kind = LossKind::mse;
  double huber_beta = 1.0;
  std::vector<std::size_t> loss_populations;  ///< which populations enter the loss
  /// targets[(trial * observations + k) * loss_populations.size() + p], Hz
  std::vector<double> targets;
  std::vector<double> observation_weights;  ///< one weight per observation time
  models::TransferParameters transfer{};    ///< for Readout::instantaneous_rate
  /// Non-empty: the loss compares one weighted output sum_p w_p q(loss_populations[p]) with the
  /// targets (observations x 1 per trial); with readout_trainable the weights are parameters.
  std::vector<double> readout_weights;
  bool readout_trainable = false;
  /// Weight of each trial's task term (empty: 1 for all); the activity bound below is not weighted.
  /// A curriculum sets 0 for the samples whose targets are not trained yet.
  std::vector<double> trial_weights;
  /// Activity bound: adds rate_limit_weight x the mean over all observation times of
  /// sum over every population p of max(0, r_p - rate_limit)^2 (the rate state r, Hz). The task
  /// losses look at a few outputs in a window; without a bound, training is free to reach them
  /// through transients of 1e5 Hz elsewhere. Infinite: off.
  double rate_limit = std::numeric_limits<double>::infinity();
  double rate_limit_weight = 1.0;
};

class TrajectoryLoss final : public solvers::ObservationCost {
 public:
  explicit TrajectoryLoss(TrajectoryLossSpec spec);
  void add_value(std::size_t k, const double* y, std::vector<double>& per_trial) const override;
  void add_cotangent(std::size_t k, const double* y, double* dl_dy) const override;
  std::size_t parameter_size() const override {
    return spec_.readout_trainable ? spec_.readout_weights.size() : 0;
  }
  void add_parameter_gradient(std::size_t k, const double* y, double* grad) const override;
  const std::vector<std::size_t>* observed_components() const override { return &observed_; }
  /// The weighted output of trial `trial` (readout_weights set) at state y (all trials).
  double output(const double* y, std::size_t trial) const;
  const TrajectoryLossSpec& spec() const { return spec_; }

 private:
  double readout(const double* trial_state, std::size_t population, double* slope) const;
  double penalty(double residual) const;
  double penalty_slope(double residual) const;
  bool rate_limited() const { return spec_.rate_limit < std::numeric_limits<double>::infinity(); }
  double trial_weight(std::size_t trial) const {
    return spec_.trial_weights.empty() ? 1.0 : spec_.trial_weights[trial];
  }

  TrajectoryLossSpec spec_;
  models::TransferFunction transfer_;
  std::vector<std::size_t> observed_;
  /// One trial's state size and where V, a and r start in it (models::column_state_layout).
  std::size_t trial_size_ = 0, v_ = 0, a_ = 0, r_ = 0;
};

}  // namespace neurode::train
