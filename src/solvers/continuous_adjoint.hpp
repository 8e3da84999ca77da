#pragma once
/// The continuous adjoint (optimise-then-discretise): lambda' = -(dF/dy)^T lambda and
/// mu' = -(dF/dp)^T lambda, solved backwards from the final time by a PETSc TS, with the forward
/// state taken from the stored steps by cubic Hermite interpolation and lambda jumping by
/// dL/dy(t_k) at each observation. Works for every forward method, implicit ones included; its
/// result approaches the true gradient as both solves' tolerances tighten.
#include <memory>
#include <string>

#include "models/model.hpp"
#include "solvers/observation_cost.hpp"
#include "solvers/rk_discrete_adjoint.hpp"
#include "solvers/solution.hpp"
#include "solvers/solver_settings.hpp"
#include "solvers/trajectory_store.hpp"

namespace neurode::solvers {

class ContinuousAdjoint {
 public:
  ContinuousAdjoint(models::Model& model, const SolverSettings& backward);
  ~ContinuousAdjoint();
  AdjointResult run(const TrajectoryStore& store, const Solution& solution, const ObservationCost& cost);
  std::string method_description() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neurode::solvers
