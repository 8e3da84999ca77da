#pragma once
/// What an implicit method solves: the residual G(t, y, ydot) = ydot - F(t, y) and, for Newton, its
/// Jacobian dG/dy + shift dG/dydot = shift I - dF/dy. The operator is matrix-free (a MatShell
/// applying shift v - (dF/dy) v through Model::jacobian_vector), so dF/dW (N x N^2 for the column
/// model) is never formed. Its preconditioner is an assembled copy from Model::jacobian_entries,
/// factored by LU, where the model has one (Model::has_assembled_jacobian); otherwise the operator
/// itself, unpreconditioned (Newton-Krylov on the Jacobian-vector products).
#include <petscts.h>

#include <cstddef>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "petsc/handle.hpp"

namespace neurode::solvers {

/// The type of the preconditioner of `ts`'s nonlinear solver ("none" when it has none yet).
std::string preconditioner_type(TS ts);

/// An AIJ matrix for dF/dy preallocated from the model's sparsity at (t, segment, y) plus the
/// diagonal; entries outside it are still accepted (slower). Needs Model::has_assembled_jacobian().
void create_jacobian_matrix(models::Model& model, double t, std::size_t segment, const double* y, Mat* out);

class ImplicitSystem {
 public:
  /// `segment`: the forcing segment of the step in progress; `rhs_evaluations` and
  /// `jacobian_evaluations` are counted up (the integrator's statistics).
  ImplicitSystem(models::Model& model, const std::size_t& segment, long& rhs_evaluations,
                 long& jacobian_evaluations);
  ImplicitSystem(const ImplicitSystem&) = delete;
  ImplicitSystem& operator=(const ImplicitSystem&) = delete;

  /// Hands the residual and the Jacobian to `ts`, whose options are set (set_up_ts). Without an
  /// assembled Jacobian, a preconditioner of the options that would need one (-pc_type lu, ilu,
  /// jacobi, ...) is std::invalid_argument naming the model, the method and what to use instead.
  void attach(TS ts);

 private:
  void check_preconditioner(TS ts) const;
  void preallocate_assembled();
  static PetscErrorCode residual(TS, PetscReal t, Vec y, Vec ydot, Vec g, void* context);
  static PetscErrorCode jacobian(TS, PetscReal t, Vec y, Vec ydot, PetscReal shift, Mat A, Mat P,
                                 void* context);
  static PetscErrorCode apply(Mat A, Vec x, Vec y, bool transpose);
  static PetscErrorCode mult(Mat A, Vec x, Vec y);
  static PetscErrorCode mult_transpose(Mat A, Vec x, Vec y);

  models::Model& model_;
  const std::size_t& segment_;
  long& rhs_evaluations_;
  long& jacobian_evaluations_;
  std::size_t n_;
  bool assembled_;
  petsc::MatHandle shell_, assembled_matrix_;
  // The linearisation point of the last Jacobian evaluation, at which the shell applies dF/dy.
  std::vector<double> state_;
  double shift_ = 0, time_ = 0;
  std::vector<models::MatrixEntry> entries_;
};

}  // namespace neurode::solvers
