#pragma once
/// A loss that depends on the state at observation times (the solve's output times): its value
/// per trial and its derivative with respect to the state at each observation.
#include <cstddef>
#include <vector>

namespace neurode::solvers {

class ObservationCost {
 public:
  virtual ~ObservationCost() = default;
  /// Adds observation k's contribution, per trial, to `per_trial` (size = trials).
  virtual void add_value(std::size_t k, const double* y, std::vector<double>& per_trial) const = 0;
  /// Adds d(total loss)/dy at observation k to `dl_dy` (size = state size).
  virtual void add_cotangent(std::size_t k, const double* y, double* dl_dy) const = 0;
  /// The state components that add_value, add_cotangent and add_parameter_gradient read, ascending;
  /// nullptr: any. A gradient solver that does not keep the forward states then stores only these
  /// at the observations (GradientSettings::keep_forward_states).
  virtual const std::vector<std::size_t>* observed_components() const { return nullptr; }
  /// Trainable parameters of the loss itself (e.g. read-out weights); they follow the model's
  /// parameters in every gradient.
  virtual std::size_t parameter_size() const { return 0; }
  /// Adds d(loss of each trial)/d(loss parameters) at observation k: grad[trial * parameter_size() + j].
  virtual void add_parameter_gradient(std::size_t k, const double* y, double* grad) const {
    (void)k;
    (void)y;
    (void)grad;
  }
};

}  // namespace neurode::solvers
