#include "models/model.hpp"

#include <algorithm>
#include <cmath>

namespace neurode::models {

std::size_t segment_at(const std::vector<double>& breakpoints, double t) {
  const double tolerance = 1e-12 * std::max(1.0, std::abs(t));
  return static_cast<std::size_t>(std::upper_bound(breakpoints.begin(), breakpoints.end(), t + tolerance) -
                                  breakpoints.begin());
}

}  // namespace neurode::models
