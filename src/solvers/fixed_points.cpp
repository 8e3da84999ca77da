#include "solvers/fixed_points.hpp"

#include <petscsnes.h>

// After petscsnes.h: petscblaslapack.h uses petscsys.h's macros.
#include <petscblaslapack.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "petsc/error.hpp"
#include "petsc/handle.hpp"
#include "solvers/implicit_system.hpp"

namespace neurode::solvers {
namespace {

struct Problem {
  models::Model& model;
  std::size_t segment;
  double t;
  std::vector<models::MatrixEntry> entries;
};

PetscErrorCode residual(SNES, Vec y, Vec f, void* context) {
  NEURODE_PETSC_CALLBACK({
    auto& p = *static_cast<Problem*>(context);
    const PetscScalar* yv;
    PetscScalar* fv;
    PetscCall(VecGetArrayRead(y, &yv));
    PetscCall(VecGetArrayWrite(f, &fv));
    p.model.rhs(p.t, p.segment, yv, fv);
    PetscCall(VecRestoreArrayWrite(f, &fv));
    PetscCall(VecRestoreArrayRead(y, &yv));
  });
}

PetscErrorCode jacobian(SNES, Vec y, Mat A, Mat P, void* context) {
  NEURODE_PETSC_CALLBACK({
    auto& p = *static_cast<Problem*>(context);
    const PetscScalar* yv;
    PetscCall(VecGetArrayRead(y, &yv));
    p.entries.clear();
    p.model.jacobian_entries(p.t, p.segment, yv, p.entries);
    PetscCall(VecRestoreArrayRead(y, &yv));
    PetscCall(MatZeroEntries(P));
    for (const auto& e : p.entries)
      PetscCall(
          MatSetValue(P, static_cast<PetscInt>(e.row), static_cast<PetscInt>(e.col), e.value, ADD_VALUES));
    PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
    if (A != P) {
      PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
    }
  });
}

void require_jacobian(const models::Model& model) {
  if (!model.has_assembled_jacobian())
    throw std::invalid_argument("fixed points: model '" + model.name() +
                                "' has no assembled Jacobian (Model::jacobian_entries)");
}

}  // namespace

std::vector<std::complex<double>> jacobian_eigenvalues(models::Model& model, std::size_t segment,
                                                       const std::vector<double>& y, double t) {
  require_jacobian(model);
  const std::size_t n = model.state_size();
  std::vector<models::MatrixEntry> entries;
  model.jacobian_entries(t, segment, y.data(), entries);
  std::vector<PetscScalar> dense(n * n, 0.0);  // column-major, as LAPACK reads it
  for (const auto& e : entries) dense[e.col * n + e.row] += e.value;
  const PetscBLASInt N = static_cast<PetscBLASInt>(n), one = 1;
  PetscBLASInt lwork = static_cast<PetscBLASInt>(8 * n), info = 0;
  std::vector<PetscReal> re(n), im(n);
  std::vector<PetscScalar> work(static_cast<std::size_t>(lwork));
  PetscScalar unused = 0;
  LAPACKgeev_("N", "N", &N, dense.data(), &N, re.data(), im.data(), &unused, &one, &unused, &one, work.data(),
              &lwork, &info);
  if (info != 0)
    throw std::runtime_error("fixed points: LAPACK dgeev failed (info " + std::to_string(info) + ")");
  std::vector<std::complex<double>> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = {re[i], im[i]};
  return out;
}

FixedPoint find_fixed_point(models::Model& model, std::size_t segment, const std::vector<double>& guess,
                            double t) {
  require_jacobian(model);
  const std::size_t n = model.state_size();
  if (guess.size() != n) throw std::invalid_argument("fixed points: the guess has the wrong size");
  Problem problem{model, segment, t, {}};
  petsc::MatHandle J;
  create_jacobian_matrix(model, t, segment, guess.data(), J.out());
  const auto N = static_cast<PetscInt>(n);
  petsc::VecHandle y, f;
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, N, y.out()));
  NEURODE_PETSC_CHECK(VecDuplicate(y, f.out()));
  PetscScalar* yv;
  NEURODE_PETSC_CHECK(VecGetArrayWrite(y, &yv));
  std::copy(guess.begin(), guess.end(), yv);
  NEURODE_PETSC_CHECK(VecRestoreArrayWrite(y, &yv));

  SNES snes;
  NEURODE_PETSC_CHECK(SNESCreate(PETSC_COMM_SELF, &snes));
  NEURODE_PETSC_CHECK(SNESSetFunction(snes, f, &residual, &problem));
  NEURODE_PETSC_CHECK(SNESSetJacobian(snes, J, J, &jacobian, &problem));
  KSP ksp;
  PC pc;
  NEURODE_PETSC_CHECK(SNESGetKSP(snes, &ksp));
  NEURODE_PETSC_CHECK(KSPSetType(ksp, KSPPREONLY));
  NEURODE_PETSC_CHECK(KSPGetPC(ksp, &pc));
  NEURODE_PETSC_CHECK(PCSetType(pc, PCLU));
  NEURODE_PETSC_CHECK(SNESSetTolerances(snes, 1e-12, 1e-12, 1e-14, 500, 10000));
  NEURODE_PETSC_CHECK(SNESSetOptionsPrefix(snes, "fixed_point_"));
  NEURODE_PETSC_CHECK(SNESSetFromOptions(snes));
  FixedPoint out;
  const PetscErrorCode solved = SNESSolve(snes, nullptr, y);
  SNESConvergedReason reason = SNES_DIVERGED_FUNCTION_DOMAIN;
  PetscInt iterations = 0;
  PetscReal norm = 0;
  if (solved == 0) {
    SNESGetConvergedReason(snes, &reason);
    SNESGetIterationNumber(snes, &iterations);
    SNESGetFunctionNorm(snes, &norm);
  }
  SNESDestroy(&snes);
  const PetscScalar* result;
  NEURODE_PETSC_CHECK(VecGetArrayRead(y, &result));
  out.state.assign(result, result + n);
  NEURODE_PETSC_CHECK(VecRestoreArrayRead(y, &result));
  out.iterations = static_cast<int>(iterations);
  out.residual_norm = norm;
  out.converged = solved == 0 && reason > 0 && std::isfinite(norm);
  if (out.converged) {
    out.eigenvalues = jacobian_eigenvalues(model, segment, out.state, t);
    out.max_real_eigenvalue = -HUGE_VAL;
    for (const auto& e : out.eigenvalues)
      out.max_real_eigenvalue = std::max(out.max_real_eigenvalue, e.real());
  }
  return out;
}

}  // namespace neurode::solvers
