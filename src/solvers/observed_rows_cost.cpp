#include "solvers/observed_rows_cost.hpp"

namespace neurode::solvers {

ObservedRowsCost::ObservedRowsCost(const ObservationCost& cost, const std::vector<std::size_t>& components,
                                   std::size_t state_size)
    : cost_(cost), components_(components), state_(state_size, 0.0) {}

const double* ObservedRowsCost::spread(const double* row) const {
  for (std::size_t j = 0; j < components_.size(); ++j) state_[components_[j]] = row[j];
  return state_.data();
}

void ObservedRowsCost::add_value(std::size_t k, const double* row, std::vector<double>& per_trial) const {
  cost_.add_value(k, spread(row), per_trial);
}

void ObservedRowsCost::add_cotangent(std::size_t k, const double* row, double* dl_dy) const {
  cost_.add_cotangent(k, spread(row), dl_dy);
}

void ObservedRowsCost::add_parameter_gradient(std::size_t k, const double* row, double* grad) const {
  cost_.add_parameter_gradient(k, spread(row), grad);
}

}  // namespace neurode::solvers
