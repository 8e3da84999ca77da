#pragma once
/// What a solve returns: states at the requested output times, how it ended, and what it cost.
/// Numerical failure is a result (status + message), not an exception: the caller decides.
#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace neurode::solvers {

/// Leaves values uninitialised on resize: a solution's rows are all written by the solve before
/// they count as valid, and zero-filling megabytes per solve is measurable in a batched training.
template <class T>
struct UninitialisedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitialisedAllocator<U>;
  };
  UninitialisedAllocator() = default;
  template <class U>
  UninitialisedAllocator(const UninitialisedAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

enum class SolveStatus {
  success,
  diverged,        ///< non-finite state or |state| above the divergence bound
  step_underflow,  ///< the step-size controller could not meet the tolerance above dt_min
  step_limit,      ///< max_steps reached before the end time
  solver_failure,  ///< the nonlinear or linear solver of an implicit method failed
  interrupted,     ///< stopped after a step because the process received SIGINT or SIGTERM
};

const char* to_string(SolveStatus status);

struct SolverStatistics {
  long steps = 0;  ///< accepted steps
  long rejected_steps = 0;
  long rhs_evaluations = 0;       ///< vector-field evaluations (all stages, all trials at once)
  long jacobian_evaluations = 0;  ///< Newton linearisation points, assembled or not (implicit methods)
  long nonlinear_iterations = 0;
  long linear_iterations = 0;
  double wall_time_s = 0.0;
};

struct Solution {
  std::size_t state_size = 0;  ///< the width of a row: the model's state size, or components.size()
  std::vector<double> times;   ///< the output times
  /// times x state_size, row-major; only the first valid_rows rows hold values
  std::vector<double, UninitialisedAllocator<double>> states;
  /// Empty: each row is the whole state. Otherwise each row holds only these state components, in
  /// this order (a gradient's forward pass keeps what its loss reads: ObservationCost).
  std::vector<std::size_t> components;
  std::size_t valid_rows = 0;  ///< outputs reached before the solve ended
  SolveStatus status = SolveStatus::success;
  std::string message;  ///< empty on success; what happened and what to try otherwise
  double time_reached = 0.0;
  SolverStatistics statistics;
  std::string method;  ///< the PETSc method actually used, e.g. "rk/5dp, adaptive (basic)"

  bool ok() const { return status == SolveStatus::success; }
  const double* state(std::size_t output) const { return &states[output * state_size]; }
};

}  // namespace neurode::solvers
