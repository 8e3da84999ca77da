#include "solvers/solution.hpp"

namespace neurode::solvers {

const char* to_string(SolveStatus status) {
  switch (status) {
    case SolveStatus::success:
      return "success";
    case SolveStatus::diverged:
      return "diverged";
    case SolveStatus::step_underflow:
      return "step size underflow";
    case SolveStatus::step_limit:
      return "step limit reached";
    case SolveStatus::solver_failure:
      return "nonlinear solver failure";
    case SolveStatus::interrupted:
      return "interrupted";
  }
  return "unknown";
}

}  // namespace neurode::solvers
