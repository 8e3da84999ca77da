#pragma once
/// Receives every accepted step of a solve, e.g. to store the trajectory for a discrete adjoint.
#include <cstddef>

namespace neurode::solvers {

class StepObserver {
 public:
  virtual ~StepObserver() = default;
  /// Called once before the first step with the initial state (n values).
  virtual void on_start(double t0, const double* y0, std::size_t n) = 0;
  /// Called after each accepted step [t_start, t_end] taken on forcing segment `segment`.
  virtual void on_step(double t_start, double t_end, std::size_t segment, const double* y_end) = 0;
};

}  // namespace neurode::solvers
