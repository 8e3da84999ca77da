#include "solvers/solver_settings.hpp"

#include <algorithm>

namespace neurode::solvers {

const std::vector<std::string>& known_methods() {
  static const std::vector<std::string> methods = {"euler", "rk4",    "bs3", "dopri5", "theta",
                                                   "cn",    "beuler", "bdf", "arkimex"};
  return methods;
}

bool is_known_method(const std::string& method) {
  const auto& m = known_methods();
  return std::find(m.begin(), m.end(), method) != m.end();
}

bool default_adaptive(const std::string& method) {
  return method == "bs3" || method == "dopri5" || method == "bdf" || method == "arkimex";
}

bool is_implicit_method(const std::string& method) {
  return method == "theta" || method == "cn" || method == "beuler" || method == "bdf" || method == "arkimex";
}

}  // namespace neurode::solvers
