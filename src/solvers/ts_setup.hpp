#pragma once
/// A PETSc TS set up from neurode's solver settings (the method from the method table, its step
/// control and limits, Newton's linear solver) and then from PETSc's options, which override the
/// settings; and what it runs as a result, read back from the TS.
#include <petscts.h>

#include <string>

#include "solvers/butcher_tableau.hpp"
#include "solvers/solver_settings.hpp"

namespace neurode::solvers {

/// The method a TS runs after the settings and the options.
struct ActiveMethod {
  std::string ts_type;     ///< e.g. "rk", "bdf"
  std::string subtype;     ///< the TSRK type ("5dp"), "order k" for bdf, "" otherwise
  std::string adapt_type;  ///< the step controller, e.g. "basic"; "none" for fixed steps
  bool implicit = false;
  /// The IMEX split of the model's linear decay (method imex, while the TS runs ARKIMEX).
  bool linear_decay_split = false;
  bool fixed_step = false;
  double dt = 0;  ///< the fixed step, or the first step of an adaptive run, s
  double rtol = 0, atol = 0;
  /// Explicit Runge-Kutta: the tableau of the method the TS runs; 0 stages for any other type.
  ButcherTableau tableau;

  bool runge_kutta() const { return tableau.stages > 0; }
  /// e.g. "rk/5dp, adaptive (basic, rtol 1e-06, atol 1e-06)" or "rk/4, fixed step 0.0001 s".
  std::string description() const;
};

/// Sets `ts` up for `settings` under options prefix `options_prefix`, then from the options
/// database, and checks the values the options gave. The linear solver of Newton's method is GMRES
/// preconditioned by LU of the assembled Jacobian when `assembled_jacobian`, unpreconditioned
/// otherwise (the Jacobian is then only a matrix-free operator). A bad option (an unknown type, a
/// value that is not a number, a step that is not positive) is std::invalid_argument.
ActiveMethod set_up_ts(TS ts, const SolverSettings& settings, const std::string& options_prefix,
                       bool assembled_jacobian);

/// TSRK forms its stages (in its stage vectors) and the step (in the solution) by VecMAXPY, each
/// stage starting from a VecCopy of the solution; these vectors get neurode's kernels
/// (petsc/vector_maxpy.hpp, petsc/vector_copy.hpp). The stage vectors exist once the TS is set up:
/// called before every solve, in case PETSc has made new ones.
void use_fast_stage_sums(TS ts, Vec solution);

}  // namespace neurode::solvers
