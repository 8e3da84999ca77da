#include "solvers/imex_system.hpp"

#include <stdexcept>

#include "petsc/error.hpp"

namespace neurode::solvers {

ImexSystem::ImexSystem(models::Model& model, const std::size_t& segment, long& rhs_evaluations,
                       long& jacobian_evaluations)
    : model_(model),
      segment_(segment),
      rhs_evaluations_(rhs_evaluations),
      jacobian_evaluations_(jacobian_evaluations),
      n_(model.state_size()),
      decay_(model.state_size(), 0.0) {
  if (!model.has_linear_decay())
    throw std::invalid_argument(
        "solver method 'imex': model '" + model.name() +
        "' has no linear decay split (F = D y + N(y)); use arkimex (fully implicit), bdf "
        "or an explicit method");
}

void ImexSystem::attach(TS ts) {
  const auto N = static_cast<PetscInt>(n_);
  NEURODE_PETSC_CHECK(MatCreateSeqAIJ(PETSC_COMM_SELF, N, N, 1, nullptr, jacobian_.out()));
  NEURODE_PETSC_CHECK(TSSetIFunction(ts, nullptr, &ImexSystem::implicit_residual, this));
  NEURODE_PETSC_CHECK(TSSetIJacobian(ts, jacobian_, jacobian_, &ImexSystem::implicit_jacobian, this));
  NEURODE_PETSC_CHECK(TSSetRHSFunction(ts, nullptr, &ImexSystem::explicit_part, this));
  NEURODE_PETSC_CHECK(TSARKIMEXSetFullyImplicit(ts, PETSC_FALSE));
  // The implicit part is linear with a diagonal Jacobian: one exact linear solve per stage.
  SNES snes;
  KSP ksp;
  PC pc;
  NEURODE_PETSC_CHECK(TSGetSNES(ts, &snes));
  NEURODE_PETSC_CHECK(SNESSetType(snes, SNESKSPONLY));
  NEURODE_PETSC_CHECK(SNESGetKSP(snes, &ksp));
  NEURODE_PETSC_CHECK(KSPSetType(ksp, KSPPREONLY));
  NEURODE_PETSC_CHECK(KSPGetPC(ksp, &pc));
  NEURODE_PETSC_CHECK(PCSetType(pc, PCJACOBI));
  start_solve();
}

PetscErrorCode ImexSystem::implicit_residual(TS, PetscReal, Vec y, Vec ydot, Vec g, void* context) {
  NEURODE_PETSC_CALLBACK({
    auto& self = *static_cast<ImexSystem*>(context);
    const PetscScalar *yv, *ydotv;
    PetscScalar* gv;
    PetscCall(VecGetArrayRead(y, &yv));
    PetscCall(VecGetArrayRead(ydot, &ydotv));
    PetscCall(VecGetArrayWrite(g, &gv));
    for (std::size_t i = 0; i < self.n_; ++i) gv[i] = ydotv[i] - self.decay_[i] * yv[i];
    PetscCall(VecRestoreArrayWrite(g, &gv));
    PetscCall(VecRestoreArrayRead(ydot, &ydotv));
    PetscCall(VecRestoreArrayRead(y, &yv));
  });
}

PetscErrorCode ImexSystem::implicit_jacobian(TS, PetscReal, Vec, Vec, PetscReal shift, Mat A, Mat P,
                                             void* context) {
  NEURODE_PETSC_CALLBACK({
    auto& self = *static_cast<ImexSystem*>(context);
    for (std::size_t i = 0; i < self.n_; ++i) {
      const auto row = static_cast<PetscInt>(i);
      PetscCall(MatSetValue(P, row, row, shift - self.decay_[i], INSERT_VALUES));
    }
    PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
    if (A != P) {
      PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
    }
    ++self.jacobian_evaluations_;
  });
}

PetscErrorCode ImexSystem::explicit_part(TS, PetscReal t, Vec y, Vec f, void* context) {
  NEURODE_PETSC_CALLBACK({
    auto& self = *static_cast<ImexSystem*>(context);
    const PetscScalar* yv;
    PetscScalar* fv;
    PetscCall(VecGetArrayRead(y, &yv));
    PetscCall(VecGetArrayWrite(f, &fv));
    self.model_.rhs(t, self.segment_, yv, fv);
    for (std::size_t i = 0; i < self.n_; ++i) fv[i] -= self.decay_[i] * yv[i];
    ++self.rhs_evaluations_;
    PetscCall(VecRestoreArrayWrite(f, &fv));
    PetscCall(VecRestoreArrayRead(y, &yv));
  });
}

}  // namespace neurode::solvers
