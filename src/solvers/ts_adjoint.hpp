#pragma once
/// The gradient by PETSc's own TSAdjoint (`gradient.method: tsadjoint`), for the methods where
/// PETSc 3.18's adjoint is exact (docs/gradients.md): fixed-step euler, rk4 and bs3 through the
/// model's matrix-free products, and the theta methods (theta, cn, beuler) with the model's
/// assembled Jacobians. Refused: dopri5 and rk8 (PETSc's adjoint of their zero-weight stages gives
/// parameter gradients with relative errors of 1e-5 to 1e-4, measured at fixed steps too), adaptive
/// steps, and the methods PETSc has no adjoint for (bdf, arkimex).
///
/// One TS and one trajectory for the whole solve, on the same fixed-step grid as neurode's
/// integrator: steps of dt from each forcing segment's start, the last one landing on its end, and a
/// restart at every breakpoint. Each step's forcing segment is recorded, and an adjoint monitor sets
/// it before the step is reversed. Every output time must lie on the grid, because the loss is
/// taken at step ends (there is no interpolant to differentiate). The backward pass runs
/// TSAdjointSolve in pieces between the observations, adding the loss's cotangent to lambda at
/// each. PETSc's trajectory options (-ts_trajectory_type, ...) apply.
#include <memory>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "solvers/observation_cost.hpp"
#include "solvers/solution.hpp"
#include "solvers/solver_settings.hpp"

namespace neurode::solvers {

/// std::invalid_argument naming the alternative when TSAdjoint is not exact or not available for
/// the method (check_tsadjoint_method), or when the model lacks what the method's adjoint needs.
void check_tsadjoint_method(const SolverSettings& solver);
void check_tsadjoint_supported(const SolverSettings& solver, const models::Model& model);

struct TsAdjointResult {
  Solution forward;
  std::vector<double> gradient;  ///< gradient_rows x parameter_size
  std::vector<double> dl_dy0;
  long transpose_products = 0;  ///< Jacobian-transpose products and assemblies of the backward pass
  long backward_steps = 0;
  double backward_wall_time_s = 0;
  std::string method;  ///< e.g. "PETSc TSAdjoint of rk/4, fixed step 2e-05 s"
};

class TsAdjoint {
 public:
  TsAdjoint(models::Model& model, const SolverSettings& solver);
  ~TsAdjoint();
  TsAdjoint(const TsAdjoint&) = delete;
  TsAdjoint& operator=(const TsAdjoint&) = delete;

  /// Forward solve, the loss's cotangents at the output times and PETSc's adjoint. On a failed
  /// forward solve the result carries the failed Solution and no gradient.
  TsAdjointResult compute(double t0, const std::vector<double>& y0, const std::vector<double>& output_times,
                          const ObservationCost& cost);

 private:
  models::Model& model_;
  SolverSettings solver_;
};

}  // namespace neurode::solvers
