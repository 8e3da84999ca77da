#include "solvers/solver_settings.hpp"

#include "solvers/method_table.hpp"

namespace neurode::solvers {

const std::vector<std::string>& known_methods() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& m : method_table()) out.push_back(m.name);
    return out;
  }();
  return names;
}

bool is_known_method(const std::string& method) { return find_method(method) != nullptr; }

bool default_adaptive(const std::string& method) { return method_info(method).adaptive_by_default; }

bool is_implicit_method(const std::string& method) { return method_info(method).implicit; }

bool has_dense_output(const std::string& method) {
  // The methods whose TSRK tableaus dense_output_of() knows (checked again on the TS's own).
  return method == "euler" || method == "rk4" || method == "bs3" || method == "dopri5";
}

std::string dense_output_method_names() { return "euler, rk4, bs3, dopri5"; }

}  // namespace neurode::solvers
