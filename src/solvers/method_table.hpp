#pragma once
/// The integration methods a config can name (`solver.method`): for each, the PETSc TS type and
/// subtype that run it and the properties the rest of neurode decides by (implicit or explicit,
/// adaptive by default, an explicit Butcher tableau for the discrete adjoint, orders). Nothing
/// else in neurode interprets a method name. PETSc options (-ts_type, -ts_rk_type, ...) may
/// replace the method after the table has set it; what then runs is read back from the TS
/// (ts_setup.hpp), not parsed from a description.
#include <string>
#include <vector>

namespace neurode::solvers {

struct MethodInfo {
  std::string name;         ///< as in the config, e.g. "dopri5"
  std::string ts_type;      ///< PETSc TSType, e.g. "rk"
  std::string subtype;      ///< TSRKType or TSARKIMEXType, e.g. "5dp"; "" for types without one
  std::string description;  ///< e.g. "Dormand-Prince 5(4)"
  bool implicit = false;    ///< solves a nonlinear system per stage or step (Newton, SNES)
  bool adaptive_by_default = false;
  /// Order of the method; 0: set by the settings (theta: 2 at theta = 1/2, else 1; bdf: bdf_order).
  int order = 0;
  /// Order of the embedded solution that estimates the error of adaptive steps; 0: no embedded
  /// pair (adaptive steps then use PETSc's own error estimate for the type).
  int embedded_order = 0;
  /// An explicit Runge-Kutta method whose Butcher tableau PETSc exposes (TSRKGetTableau): the
  /// discrete adjoint (rk_discrete_adjoint.hpp) and the recorded stage linearisations apply.
  bool butcher_tableau = false;
  /// An IMEX method on the model's linear decay split (imex_system.hpp): the decay implicit, the
  /// rest explicit.
  bool linear_decay_split = false;
};

/// Every method, in the order the docs list them.
const std::vector<MethodInfo>& method_table();
/// The entry for `name`, or nullptr.
const MethodInfo* find_method(const std::string& name);
/// The entry for `name`; std::invalid_argument naming the known methods otherwise.
const MethodInfo& method_info(const std::string& name);
/// The known names, comma-separated: "euler, rk4, ...".
std::string method_names();
/// The names of the methods with a Butcher tableau (what the discrete adjoint accepts),
/// comma-separated.
std::string butcher_tableau_method_names();

/// Whether PETSc's TS type `ts_type` (what -ts_type may select, beyond the table's types) is
/// explicit: it then needs only F, an implicit one also a Jacobian for its Newton solves.
bool is_explicit_ts_type(const std::string& ts_type);

}  // namespace neurode::solvers
