#include "solvers/divergence_guard.hpp"

#include <cmath>
#include <cstdint>
#include <sstream>

#include "mpi/interruption.hpp"
#include "petsc/error.hpp"

namespace neurode::solvers {

// Branch-free so that it compiles to vector code (with AVX2, chosen at load time: the baseline
// instruction set has no vector form of this reduction); it runs over the whole state, every trial
// of a batch, after every step.
__attribute__((target_clones("avx2", "default"))) bool within_bound(const double* __restrict y, std::size_t n,
                                                                    double bound) {
  std::int64_t within = 1;
  for (std::size_t i = 0; i < n; ++i) within &= static_cast<std::int64_t>(std::abs(y[i]) <= bound);
  return within != 0;
}

bool solve_until_non_finite(TS ts, Vec x) {
  try {
    NEURODE_PETSC_CHECK(TSSolve(ts, x));
  } catch (const PetscException& e) {
    if (e.code() != PETSC_ERR_FP) throw;
    return false;
  }
  return true;
}

void explain_end(Solution& solution, const SolveEnd& end, const SolverSettings& settings) {
  std::ostringstream why;
  if (end.diverged) {
    solution.status = SolveStatus::diverged;
    why << "the state became non-finite or exceeded the divergence bound " << settings.divergence_bound;
  } else if (end.interrupted) {
    solution.status = SolveStatus::interrupted;
  } else if (end.reason == TS_DIVERGED_STEP_REJECTED) {
    solution.status = SolveStatus::step_underflow;
    why << "the step size fell below dt_min = " << settings.dt_min << " s without meeting the tolerance";
  } else if (end.reason == TS_DIVERGED_NONLINEAR_SOLVE) {
    solution.status = SolveStatus::solver_failure;
    why << "the nonlinear solver of the implicit method failed";
  } else if (!end.reached_end || !end.all_outputs) {
    solution.status = SolveStatus::step_limit;
    why << "the step limit of " << end.steps << " steps was reached";
  }
  if (solution.status == SolveStatus::interrupted) {
    std::ostringstream m;
    m << "interrupted by " << mpi::interruption_signal_name() << " at t = " << solution.time_reached << " s";
    solution.message = m.str();
  } else if (!solution.ok()) {
    std::ostringstream m;
    m << "integration stopped at t = " << solution.time_reached << " s of " << solution.times.back()
      << " s with " << solution.method << ": " << why.str()
      << ". Try a smaller dt (-ts_dt), an adaptive method (solver.method: dopri5) or an implicit one "
         "(solver.method: bdf or cn; -ts_type bdf).";
    solution.message = m.str();
  }
}

}  // namespace neurode::solvers
