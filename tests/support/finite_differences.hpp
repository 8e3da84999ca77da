#pragma once
// The gradient tests' oracle: central finite differences over a model's parameters.
#include <functional>
#include <vector>

#include "models/model.hpp"

namespace neurode::testing {

/// d loss / d p_k for every parameter of `model`, by central differences with h and h/2
/// (h = relative_step * max(1, |p_k|)), Richardson-extrapolated: O(h^4) plus rounding. `loss`
/// evaluates at the model's current parameters; they are restored afterwards.
std::vector<double> richardson_gradient(models::Model& model, const std::function<double()>& loss,
                                        double relative_step);

}  // namespace neurode::testing
