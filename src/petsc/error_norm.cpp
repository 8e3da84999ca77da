#include "petsc/error_norm.hpp"

// The TS's operation table, tolerances and controller settings (petsc/private/tsimpl.h): TSRK
// leaves TS::evaluatewlte empty, and the controllers call it when it is set.
#include <petsc/private/tsimpl.h>

#include <cmath>

#include "petsc/error.hpp"

namespace neurode::petsc {

// The combined norm of TSErrorWeightedNorm2 (scalar atol and rtol): the same expressions, the
// entries in order and one running sum, so that the result is bit for bit PETSc's. The absolute-
// and relative-only norms it also forms are not computed. No FMA may contract q * q + sum: this
// file is built for the baseline instruction set, as Debian's PETSc is.
double weighted_rms_error(const double* u, const double* y, std::size_t n, double atol, double rtol,
                          double ignore_below) {
  double sum = 0;
  PetscInt count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double au = PetscAbsScalar(u[i]), ay = PetscAbsScalar(y[i]);
    if (au < ignore_below || ay < ignore_below) continue;
    const double tol = atol + rtol * PetscMax(au, ay);
    if (tol > 0) {
      const double q = (y[i] - u[i]) / tol;
      sum += q * q;
      ++count;
    }
  }
  return count > 0 ? std::sqrt(sum / static_cast<double>(count)) : 0.0;
}

namespace {

constexpr const char* kEmbeddedName = "neurode_embedded_solution";

// The work vector for the embedded solution, kept with the TS (destroyed with it). A duplicate of
// the solution, like the DM vector PETSc's controller uses: VecMAXPY runs PETSc's own kernel on
// both, so the embedded solution has the same bits.
PetscErrorCode embedded_solution(TS ts, Vec* y) {
  PetscFunctionBeginUser;
  PetscObject kept = nullptr;
  PetscCall(PetscObjectQuery(reinterpret_cast<PetscObject>(ts), kEmbeddedName, &kept));
  PetscInt kept_size = -1, size = 0;
  PetscCall(VecGetLocalSize(ts->vec_sol, &size));
  if (kept) PetscCall(VecGetLocalSize(reinterpret_cast<Vec>(kept), &kept_size));
  if (kept_size != size) {
    Vec made;
    PetscCall(VecDuplicate(ts->vec_sol, &made));
    PetscCall(PetscObjectCompose(reinterpret_cast<PetscObject>(ts), kEmbeddedName,
                                 reinterpret_cast<PetscObject>(made)));
    PetscCall(VecDestroy(&made));  // the TS holds the reference now
    PetscCall(PetscObjectQuery(reinterpret_cast<PetscObject>(ts), kEmbeddedName, &kept));
  }
  *y = reinterpret_cast<Vec>(kept);
  PetscFunctionReturn(0);
}

// TS::evaluatewlte: what the controllers compute without it (the embedded method's solution, of
// one order less, against the step's), with the norm above where it applies.
PetscErrorCode evaluate_weighted_error(TS ts, NormType norm_type, PetscInt* order, PetscReal* error) {
  PetscFunctionBeginUser;
  TSAdapt adapt;
  PetscCall(TSGetAdapt(ts, &adapt));
  PetscCheck(adapt->candidates.n >= 1, PetscObjectComm(reinterpret_cast<PetscObject>(adapt)),
             PETSC_ERR_ARG_WRONGSTATE, "No candidate has been registered");
  *order = adapt->candidates.order[0];
  Vec y = nullptr;
  PetscCall(embedded_solution(ts, &y));
  PetscCall(TSEvaluateStep(ts, *order - 1, y, nullptr));
  PetscMPIInt processes = 1;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm(reinterpret_cast<PetscObject>(ts)), &processes));
  if (norm_type != NORM_2 || ts->vatol || ts->vrtol || processes != 1) {
    PetscReal absolute, relative;
    PetscCall(TSErrorWeightedNorm(ts, ts->vec_sol, y, norm_type, error, &absolute, &relative));
    PetscFunctionReturn(0);
  }
  PetscInt n;
  const PetscScalar *u, *e;
  PetscCall(VecGetLocalSize(ts->vec_sol, &n));
  PetscCall(VecGetArrayRead(ts->vec_sol, &u));
  PetscCall(VecGetArrayRead(y, &e));
  *error = weighted_rms_error(u, e, static_cast<std::size_t>(n), ts->atol, ts->rtol, adapt->ignore_max);
  PetscCall(VecRestoreArrayRead(y, &e));
  PetscCall(VecRestoreArrayRead(ts->vec_sol, &u));
  // As TSErrorWeightedNorm2: a non-finite norm is a floating-point error (the divergence guard's
  // signal).
  PetscCheck(std::isfinite(*error), PETSC_COMM_SELF, PETSC_ERR_FP,
             "Infinite or not-a-number generated in norm");
  PetscFunctionReturn(0);
}

}  // namespace

void use_fast_error_norm(TS ts) {
  PetscBool is_rk = PETSC_FALSE, keep_petsc = PETSC_FALSE;
  NEURODE_PETSC_CHECK(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(ts), TSRK, &is_rk));
  NEURODE_PETSC_CHECK(PetscOptionsHasName(nullptr, nullptr, "-neurode_petsc_error_norm", &keep_petsc));
  if (!is_rk || keep_petsc) return;
  if (ts->ops->evaluatewlte == nullptr) ts->ops->evaluatewlte = &evaluate_weighted_error;
}

}  // namespace neurode::petsc
