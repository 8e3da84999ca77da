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

  /// Whether the observer wants the stage linearisations of the model (Model::linearisation_size()).
  /// Asked once per solve, after on_start.
  virtual bool wants_stage_linearisations() const { return false; }
  /// Called right after on_step when wanted and available (an explicit Runge-Kutta method and a
  /// model that records a linearisation): the linearisation of each stage the step's result
  /// depends on (ButcherTableau::stages_needed(), in stage order), `count` pointers to `size`
  /// doubles each, valid during the call only. Not called for a step whose stage evaluations could
  /// not all be identified: such a step is not recorded.
  virtual void on_step_stages(const double* const* stages, std::size_t count, std::size_t size) {
    (void)stages;
    (void)count;
    (void)size;
  }
  /// Where the integrator may record the next step's stage linearisations in place: `count`
  /// blocks of `size` doubles in stage order, valid until the next on_step_stages; nullptr for
  /// none. A stage handed to on_step_stages either sits at its own block of this destination (and
  /// needs no copy) or lies outside it.
  virtual double* stage_destination(std::size_t count, std::size_t size) {
    (void)count;
    (void)size;
    return nullptr;
  }
};

}  // namespace neurode::solvers
