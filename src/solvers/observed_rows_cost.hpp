#pragma once
/// A loss evaluated on output rows that hold only the components it reads (Solution::components):
/// each row is spread back into a state-sized scratch vector, zero elsewhere, before the loss sees
/// it, so that the loss and both adjoints work on rows of either kind unchanged.
#include <cstddef>
#include <vector>

#include "solvers/observation_cost.hpp"

namespace neurode::solvers {

class ObservedRowsCost final : public ObservationCost {
 public:
  /// `components` must include every component `cost` reads (its observed_components()).
  ObservedRowsCost(const ObservationCost& cost, const std::vector<std::size_t>& components,
                   std::size_t state_size);
  void add_value(std::size_t k, const double* row, std::vector<double>& per_trial) const override;
  void add_cotangent(std::size_t k, const double* row, double* dl_dy) const override;
  const std::vector<std::size_t>* observed_components() const override { return &components_; }
  std::size_t parameter_size() const override { return cost_.parameter_size(); }
  void add_parameter_gradient(std::size_t k, const double* row, double* grad) const override;

 private:
  const double* spread(const double* row) const;
  const ObservationCost& cost_;
  std::vector<std::size_t> components_;
  mutable std::vector<double> state_;
};

}  // namespace neurode::solvers
