#include "support/finite_differences.hpp"

#include <algorithm>
#include <cmath>

namespace neurode::testing {

std::vector<double> richardson_gradient(models::Model& model, const std::function<double()>& loss,
                                        double relative_step) {
  const auto base = model.parameters();
  std::vector<double> g(base.size());
  for (std::size_t k = 0; k < base.size(); ++k) {
    auto central = [&](double h) {
      auto plus = base, minus = base;
      plus[k] += h;
      minus[k] -= h;
      model.set_parameters(plus);
      const double lp = loss();
      model.set_parameters(minus);
      const double lm = loss();
      return (lp - lm) / (2 * h);
    };
    const double h = relative_step * std::max(1.0, std::abs(base[k]));
    g[k] = (4 * central(h / 2) - central(h)) / 3;
  }
  model.set_parameters(base);
  return g;
}

}  // namespace neurode::testing
