#pragma once
/// Whether every value is finite: the trainer's and the optimisers' check before a parameter or
/// gradient vector is used.
#include <algorithm>
#include <cmath>
#include <vector>

namespace neurode::train {

inline bool all_finite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace neurode::train
