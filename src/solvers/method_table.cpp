#include "solvers/method_table.hpp"

#include <petscts.h>

#include <algorithm>
#include <stdexcept>

namespace neurode::solvers {
namespace {

std::string joined(bool (*keep)(const MethodInfo&)) {
  std::string out;
  for (const auto& m : method_table())
    if (keep(m)) out += (out.empty() ? "" : ", ") + m.name;
  return out;
}

}  // namespace

const std::vector<MethodInfo>& method_table() {
  // name, TS type, subtype, description, implicit, adaptive by default, order, embedded order,
  // Butcher tableau
  static const std::vector<MethodInfo> table = {
      {"euler", TSRK, TSRK1FE, "forward Euler", false, false, 1, 0, true},
      {"rk4", TSRK, TSRK4, "classical Runge-Kutta 4", false, false, 4, 0, true},
      {"bs3", TSRK, TSRK3BS, "Bogacki-Shampine 3(2)", false, true, 3, 2, true},
      {"dopri5", TSRK, TSRK5DP, "Dormand-Prince 5(4)", false, true, 5, 4, true},
      {"rk8", TSRK, TSRK8VR, "Verner 8(7)", false, true, 8, 7, true},
      {"theta", TSTHETA, "", "theta method, end-point form (solver.theta)", true, false, 0, 0, false},
      {"cn", TSCN, "", "Crank-Nicolson", true, false, 2, 0, false},
      {"beuler", TSBEULER, "", "backward Euler", true, false, 1, 0, false},
      {"bdf", TSBDF, "", "backward differentiation formula (solver.bdf_order)", true, true, 0, 0, false},
      // Only an implicit function is given to the TS: the additive scheme runs fully implicit.
      {"arkimex", TSARKIMEX, TSARKIMEX3, "additive Runge-Kutta 3(2), fully implicit", true, true, 3, 2,
       false},
      // The model's linear decay implicit, the rest of F explicit (Model::has_linear_decay).
      {"imex", TSARKIMEX, TSARKIMEX3, "additive Runge-Kutta 3(2), linear decay implicit, coupling explicit",
       true, true, 3, 2, false, true},
  };
  return table;
}

const MethodInfo* find_method(const std::string& name) {
  const auto& table = method_table();
  const auto it =
      std::find_if(table.begin(), table.end(), [&](const MethodInfo& m) { return m.name == name; });
  return it == table.end() ? nullptr : &*it;
}

const MethodInfo& method_info(const std::string& name) {
  if (const MethodInfo* m = find_method(name)) return *m;
  throw std::invalid_argument("unknown solver method '" + name + "' (expected one of " + method_names() +
                              ")");
}

std::string method_names() {
  return joined([](const MethodInfo&) { return true; });
}

std::string butcher_tableau_method_names() {
  return joined([](const MethodInfo& m) { return m.butcher_tableau; });
}

bool is_explicit_ts_type(const std::string& ts_type) {
  return ts_type == TSRK || ts_type == TSEULER || ts_type == TSSSP;
}

}  // namespace neurode::solvers
