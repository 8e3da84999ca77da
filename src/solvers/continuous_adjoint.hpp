#pragma once
/// The continuous adjoint (optimise-then-discretise): lambda' = -(dF/dy)^T lambda and
/// mu' = -(dF/dp)^T lambda, solved backwards from the final time by a PETSc TS, with the forward
/// state taken from the stored steps by cubic Hermite interpolation and lambda jumping by
/// dL/dy(t_k) at each observation. Works for every forward method, implicit ones included; its
/// result approaches the true gradient as both solves' tolerances tighten. With a state stored
/// every k steps (checkpoint_every), the states in between are recomputed a block at a time by
/// the forward method's step (explicit Runge-Kutta methods), so memory is bounded by the
/// checkpoints.
#include <functional>
#include <memory>
#include <string>

#include "models/model.hpp"
#include "solvers/observation_cost.hpp"
#include "solvers/rk_discrete_adjoint.hpp"
#include "solvers/solution.hpp"
#include "solvers/solver_settings.hpp"
#include "solvers/trajectory_store.hpp"

namespace neurode::solvers {

/// One forward step from (t, y) of size h on forcing segment `segment`, into y_next: the method the
/// forward solve used (RkDiscreteAdjoint::step).
using StepRecompute =
    std::function<void(double t, double h, std::size_t segment, const double* y, double* y_next)>;

class ContinuousAdjoint {
 public:
  /// `recompute`: the forward method's step, needed when the store keeps a state every k > 1 steps
  /// (empty: such a store is refused).
  ContinuousAdjoint(models::Model& model, const SolverSettings& backward, StepRecompute recompute = {});
  ~ContinuousAdjoint();
  AdjointResult run(const TrajectoryStore& store, const Solution& solution, const ObservationCost& cost);
  std::string method_description() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neurode::solvers
