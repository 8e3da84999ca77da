#include "models/model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace neurode::models {

void Model::jacobian_entries(double, std::size_t, const double*, std::vector<MatrixEntry>&) {
  throw std::invalid_argument("model '" + name() +
                              "' has no assembled Jacobian (the entries of dF/dy): use its Jacobian-vector "
                              "products instead, as the explicit methods (dopri5, rk4) and the matrix-free "
                              "Newton solves of the implicit ones (-pc_type none) do");
}

void Model::parameter_jacobian_entries(double, std::size_t, const double*, std::vector<MatrixEntry>&) {
  throw std::invalid_argument("model '" + name() +
                              "' has no assembled parameter Jacobian (the entries of dF/dp): use its "
                              "products (dF/dp)^T w instead, as every gradient method does");
}

std::size_t segment_at(const std::vector<double>& breakpoints, double t) {
  const double tolerance = 1e-12 * std::max(1.0, std::abs(t));
  return static_cast<std::size_t>(std::upper_bound(breakpoints.begin(), breakpoints.end(), t + tolerance) -
                                  breakpoints.begin());
}

}  // namespace neurode::models
