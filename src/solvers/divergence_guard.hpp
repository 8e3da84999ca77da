#pragma once
/// The guard against divergence: a state that is not finite or exceeds the bound stops the solve
/// (checked after every accepted step), PETSc's refusal of a non-finite value inside a step counts
/// as the same, and a solve that stopped early is explained in one line with what to try.
#include <petscts.h>

#include <cstddef>

#include "solvers/solution.hpp"
#include "solvers/solver_settings.hpp"

namespace neurode::solvers {

/// |y_i| <= bound for every i; NaN fails.
bool within_bound(const double* y, std::size_t n, double bound);

/// TSSolve(ts, x); false when PETSc refused a non-finite value (PETSC_ERR_FP): a state or right-hand
/// side that became non-finite inside a step, before the post-step check could see it. Any other
/// PETSc error is thrown.
bool solve_until_non_finite(TS ts, Vec x);

/// How a solve ended, as the integrator saw it.
struct SolveEnd {
  bool diverged = false;     ///< a state failed within_bound, or solve_until_non_finite returned false
  bool interrupted = false;  ///< by a signal, after a step
  TSConvergedReason reason = TS_CONVERGED_ITERATING;
  bool reached_end = false;  ///< the TS's time is the end time
  bool all_outputs = false;  ///< every output row was written
  long steps = 0;
};

/// Sets solution.status and, unless it succeeded, solution.message (time_reached and method must be
/// set): what stopped the integration at which time, and what to try.
void explain_end(Solution& solution, const SolveEnd& end, const SolverSettings& settings);

}  // namespace neurode::solvers
