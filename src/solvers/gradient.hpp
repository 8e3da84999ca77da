#pragma once
/// Gradients of a trajectory loss with respect to a model's parameters (docs/gradients.md):
///  - discrete: the exact gradient of the discretised solution (explicit Runge-Kutta methods, by
///    neurode's own adjoint of the method's Butcher tableau over the stored steps);
///  - continuous: the adjoint ODE solved backwards by a PETSc TS (any method, implicit included);
///    it converges to the true gradient as the tolerances tighten, but is not the exact gradient
///    of the discrete solution;
///  - backprop-euler: the deep-learning baseline, fixed-step forward Euler with back-propagation
///    through the steps, which is identical to the discrete adjoint of Euler;
///  - tsadjoint: PETSc's own TSAdjoint, where PETSc 3.18 is exact (fixed-step explicit Runge-Kutta,
///    theta methods with assembled Jacobians; ts_adjoint.hpp), a cross-check of neurode's adjoints.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "solvers/integrator.hpp"
#include "solvers/observation_cost.hpp"
#include "solvers/solver_settings.hpp"

namespace neurode::solvers {

enum class GradientMethod { discrete, continuous, backprop_euler, tsadjoint };
GradientMethod parse_gradient_method(const std::string& name);  ///< throws std::invalid_argument
const char* to_string(GradientMethod method);

struct GradientSettings {
  GradientMethod method = GradientMethod::discrete;
  std::size_t checkpoint_every = 1;  ///< store every k-th state, recompute in between
  /// Discrete adjoint with checkpoint_every = 1 and a model that supports it
  /// (Model::linearisation_size() > 0): keep each stage's linearisation from the forward pass, so
  /// that the backward pass does not evaluate the model's expensive part again (docs/gradients.md).
  bool keep_stage_linearisations = true;
  SolverSettings adjoint_solver{};  ///< backward TS of the continuous adjoint (options prefix "adjoint_")
  /// Keep the whole state at every output time in GradientResult::forward. Off (a training): the
  /// forward pass keeps only the components the loss reads, when the loss says which
  /// (ObservationCost::observed_components), and Solution::components lists them. Loss and gradient
  /// are bitwise the same either way.
  bool keep_forward_states = true;
};

struct GradientResult {
  Solution forward;
  std::vector<double> loss_per_trial;
  /// gradient_rows x (model parameters, then the loss's own parameters): one row per trial, or
  /// one row for the whole block when the model sums over its trials (Model::gradient_rows).
  std::vector<double> gradient;
  std::size_t gradient_rows = 0;
  std::vector<double> dl_dy0;
  std::string method;  ///< what was computed, e.g. "discrete adjoint of rk/5dp"
  long backward_rhs_evaluations = 0;
  long backward_transpose_products = 0;
  long backward_steps = 0;
  long backward_linearised_steps = 0;  ///< steps differentiated with the forward pass's stage linearisations
  double backward_wall_time_s = 0;
  std::size_t trajectory_bytes = 0;  ///< memory held by the stored trajectory
  double loss() const;               ///< sum over trials (in trial order)
  std::vector<double> summed_gradient() const;
};

/// Refuses unsupported (solver, gradient) combinations with a message naming the alternative.
void check_supported(const SolverSettings& solver, GradientMethod method);

class GradientSolver {
 public:
  GradientSolver(models::Model& model, const SolverSettings& solver, const GradientSettings& settings);
  ~GradientSolver();
  /// Runs between the forward and the backward pass with the forward solution: a cost whose last
  /// cotangent depends on what follows the last output time can learn it there
  /// (solvers/shared_prefix.hpp).
  using AfterForward = std::function<void(const Solution& forward)>;
  /// Forward solve, loss and backward pass. On a failed forward solve the result carries the
  /// failed Solution and no gradient. Not with gradient method tsadjoint when `after_forward` is
  /// given (PETSc runs both passes in one call): std::invalid_argument.
  GradientResult compute(double t0, const std::vector<double>& y0, const std::vector<double>& output_times,
                         const ObservationCost& cost, const AfterForward& after_forward = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neurode::solvers
