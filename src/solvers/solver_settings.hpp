#pragma once
/// How to integrate: the method, its step control and the guards against divergence. Every field
/// can also be overridden by PETSc's own options (-ts_type, -ts_rk_type, -ts_adapt_type, -ts_dt,
/// -ts_rtol, -ts_atol, -ts_max_steps, ...), which take precedence over the config.
#include <string>
#include <vector>

namespace neurode::solvers {

struct SolverSettings {
  /// A name of the method table (method_table.hpp): euler, rk4, bs3, dopri5, rk8 (explicit Runge-Kutta);
  /// theta, cn, beuler, bdf, arkimex (implicit).
  std::string method = "dopri5";
  /// Adaptive step control; the default depends on the method (see default_adaptive()).
  bool adaptive = true;
  double dt = 1e-4;               ///< fixed step, or first step of an adaptive run, s
  double rtol = 1e-6;             ///< relative tolerance of adaptive stepping
  double atol = 1e-6;             ///< absolute tolerance of adaptive stepping
  double theta = 0.5;             ///< for method theta
  int bdf_order = 2;              ///< for method bdf (1..6)
  double dt_min = 1e-12;          ///< below this, an adaptive run stops with a step-size underflow, s
  long max_steps = 10'000'000;    ///< step limit of one solve
  double divergence_bound = 1e6;  ///< |state| above this counts as divergence (mV, Hz)
  /// Outputs inside a step come from the method's interpolant (dense_output.hpp: euler, rk4, bs3,
  /// dopri5), and adaptive steps no longer stop at every output; off: adaptive steps land on each
  /// output and fixed steps interpolate linearly between their ends.
  bool dense_output = false;
  /// > 0: a solve that runs longer prints its simulated time on stdout every so many wall-clock
  /// seconds, so that a long run is seen to progress (neurode simulate sets it on rank 0).
  double progress_every_s = 0;
};

/// Queries of the method table (method_table.hpp) by name, for the config readers.
/// The names of the methods, in the order docs list them.
const std::vector<std::string>& known_methods();
bool is_known_method(const std::string& method);
/// Whether a method uses step-size control unless the config says otherwise; std::invalid_argument
/// for an unknown method (as is_implicit_method).
bool default_adaptive(const std::string& method);
bool is_implicit_method(const std::string& method);
/// Whether a method has an interpolant for solver.dense_output (dense_output.hpp).
bool has_dense_output(const std::string& method);
std::string dense_output_method_names();

}  // namespace neurode::solvers
