#pragma once
/// What an IMEX method (solver.method: imex, PETSc's ARKIMEX) solves for a model with a linear
/// decay split F = D y + N(t, y) (Model::has_linear_decay): the implicit part as the residual
/// G(t, y, ydot) = ydot - D y with Jacobian shift I - D (diagonal, assembled; its linear solve is
/// exact by Jacobi's preconditioner, one Krylov-free step), and the explicit part N = F - D y as
/// the TS's right-hand side. The decay is what makes the column model's rate states stiff on
/// their own (tau_s = 0.5 ms); the recurrent coupling stays explicit.
#include <petscts.h>

#include <cstddef>
#include <vector>

#include "models/model.hpp"
#include "petsc/handle.hpp"

namespace neurode::solvers {

class ImexSystem {
 public:
  /// `segment`: the forcing segment of the step in progress; `rhs_evaluations` and
  /// `jacobian_evaluations` are counted up (the integrator's statistics). std::invalid_argument for
  /// a model without a linear decay split.
  ImexSystem(models::Model& model, const std::size_t& segment, long& rhs_evaluations,
             long& jacobian_evaluations);
  ImexSystem(const ImexSystem&) = delete;
  ImexSystem& operator=(const ImexSystem&) = delete;

  /// Hands both parts and the Jacobian to `ts` (an ARKIMEX TS whose options are set), and sets its
  /// nonlinear solve to one linear solve (the implicit part is linear).
  void attach(TS ts);
  /// Before each solve: the decay for the model's current parameters (trainable time constants
  /// change between solves), the same for both parts throughout the solve.
  void start_solve() { model_.linear_decay(decay_.data()); }

 private:
  static PetscErrorCode implicit_residual(TS, PetscReal t, Vec y, Vec ydot, Vec g, void* context);
  static PetscErrorCode implicit_jacobian(TS, PetscReal t, Vec y, Vec ydot, PetscReal shift, Mat A, Mat P,
                                          void* context);
  static PetscErrorCode explicit_part(TS, PetscReal t, Vec y, Vec f, void* context);

  models::Model& model_;
  const std::size_t& segment_;
  long& rhs_evaluations_;
  long& jacobian_evaluations_;
  std::size_t n_;
  std::vector<double> decay_;
  petsc::MatHandle jacobian_;
};

}  // namespace neurode::solvers
