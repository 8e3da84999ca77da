#include "solvers/implicit_system.hpp"

#include <algorithm>
#include <stdexcept>

#include "petsc/error.hpp"

namespace neurode::solvers {

ImplicitSystem::ImplicitSystem(models::Model& model, const std::size_t& segment, long& rhs_evaluations,
                               long& jacobian_evaluations)
    : model_(model),
      segment_(segment),
      rhs_evaluations_(rhs_evaluations),
      jacobian_evaluations_(jacobian_evaluations),
      n_(model.state_size()),
      assembled_(model.has_assembled_jacobian()),
      state_(model.state_size(), 0.0) {}

void ImplicitSystem::attach(TS ts) {
  check_preconditioner(ts);
  NEURODE_PETSC_CHECK(TSSetIFunction(ts, nullptr, &ImplicitSystem::residual, this));
  const auto N = static_cast<PetscInt>(n_);
  NEURODE_PETSC_CHECK(MatCreateShell(PETSC_COMM_SELF, N, N, N, N, this, shell_.out()));
  NEURODE_PETSC_CHECK(
      MatShellSetOperation(shell_, MATOP_MULT, reinterpret_cast<void (*)(void)>(&ImplicitSystem::mult)));
  NEURODE_PETSC_CHECK(MatShellSetOperation(
      shell_, MATOP_MULT_TRANSPOSE, reinterpret_cast<void (*)(void)>(&ImplicitSystem::mult_transpose)));
  if (assembled_) {
    preallocate_assembled();
    NEURODE_PETSC_CHECK(TSSetIJacobian(ts, shell_, assembled_matrix_, &ImplicitSystem::jacobian, this));
  } else {
    NEURODE_PETSC_CHECK(TSSetIJacobian(ts, shell_, shell_, &ImplicitSystem::jacobian, this));
  }
}

std::string preconditioner_type(TS ts) {
  SNES snes;
  KSP ksp;
  PC pc;
  PCType type;
  NEURODE_PETSC_CHECK(TSGetSNES(ts, &snes));
  NEURODE_PETSC_CHECK(SNESGetKSP(snes, &ksp));
  NEURODE_PETSC_CHECK(KSPGetPC(ksp, &pc));
  NEURODE_PETSC_CHECK(PCGetType(pc, &type));
  return type ? type : PCNONE;
}

// Preconditioners that work from the operator alone; every other one reads matrix entries.
void ImplicitSystem::check_preconditioner(TS ts) const {
  if (assembled_) return;
  const std::string pc_type = preconditioner_type(ts);
  if (pc_type == PCNONE || pc_type == PCSHELL || pc_type == PCMAT) return;
  TSType ts_type;
  const char* prefix = nullptr;
  NEURODE_PETSC_CHECK(TSGetType(ts, &ts_type));
  NEURODE_PETSC_CHECK(TSGetOptionsPrefix(ts, &prefix));
  std::string option = "-";
  option += prefix ? prefix : "";
  option += "pc_type";
  throw std::invalid_argument("model '" + model_.name() + "' has no assembled Jacobian: method '" + ts_type +
                              "' with " + option + " " + pc_type + " needs one; use " + option +
                              " none (Newton-Krylov on the model's Jacobian-vector products, the default "
                              "for this model) or an explicit method (dopri5, rk4)");
}

void create_jacobian_matrix(models::Model& model, double t, std::size_t segment, const double* y, Mat* out) {
  const std::size_t n = model.state_size();
  std::vector<models::MatrixEntry> entries;
  model.jacobian_entries(t, segment, y, entries);
  std::vector<std::vector<std::size_t>> columns(n);
  for (std::size_t i = 0; i < n; ++i) columns[i].push_back(i);
  for (const auto& e : entries) columns[e.row].push_back(e.col);
  std::vector<PetscInt> nnz(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::sort(columns[i].begin(), columns[i].end());
    nnz[i] = static_cast<PetscInt>(std::unique(columns[i].begin(), columns[i].end()) - columns[i].begin());
  }
  const auto N = static_cast<PetscInt>(n);
  NEURODE_PETSC_CHECK(MatCreateSeqAIJ(PETSC_COMM_SELF, N, N, 0, nnz.data(), out));
  NEURODE_PETSC_CHECK(MatSetOption(*out, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_FALSE));
}

// The assembled copy is preallocated from the model's sparsity (values at the zero state).
void ImplicitSystem::preallocate_assembled() {
  const std::vector<double> y(n_, 0.0);
  create_jacobian_matrix(model_, 0.0, 0, y.data(), assembled_matrix_.out());
}

PetscErrorCode ImplicitSystem::residual(TS, PetscReal t, Vec y, Vec ydot, Vec g, void* context) {
  NEURODE_PETSC_CALLBACK({
    auto& self = *static_cast<ImplicitSystem*>(context);
    const PetscScalar *yv, *dv;
    PetscScalar* gv;
    PetscCall(VecGetArrayRead(y, &yv));
    PetscCall(VecGetArrayRead(ydot, &dv));
    PetscCall(VecGetArrayWrite(g, &gv));
    self.model_.rhs(t, self.segment_, yv, gv);
    ++self.rhs_evaluations_;
    for (std::size_t i = 0; i < self.n_; ++i) gv[i] = dv[i] - gv[i];
    PetscCall(VecRestoreArrayWrite(g, &gv));
    PetscCall(VecRestoreArrayRead(ydot, &dv));
    PetscCall(VecRestoreArrayRead(y, &yv));
  });
}

PetscErrorCode ImplicitSystem::jacobian(TS, PetscReal t, Vec y, Vec, PetscReal shift, Mat, Mat P,
                                        void* context) {
  NEURODE_PETSC_CALLBACK({
    auto& self = *static_cast<ImplicitSystem*>(context);
    const PetscScalar* yv;
    PetscCall(VecGetArrayRead(y, &yv));
    std::copy(yv, yv + self.n_, self.state_.begin());
    PetscCall(VecRestoreArrayRead(y, &yv));
    self.shift_ = shift;
    self.time_ = t;
    if (self.assembled_) {
      self.entries_.clear();
      self.model_.jacobian_entries(t, self.segment_, self.state_.data(), self.entries_);
      PetscCall(MatZeroEntries(P));
      for (const auto& e : self.entries_)
        PetscCall(
            MatSetValue(P, static_cast<PetscInt>(e.row), static_cast<PetscInt>(e.col), -e.value, ADD_VALUES));
      for (std::size_t i = 0; i < self.n_; ++i)
        PetscCall(MatSetValue(P, static_cast<PetscInt>(i), static_cast<PetscInt>(i), shift, ADD_VALUES));
      PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
    }
    ++self.jacobian_evaluations_;
  });
}

PetscErrorCode ImplicitSystem::apply(Mat A, Vec x, Vec y, bool transpose) {
  void* context;
  PetscCall(MatShellGetContext(A, &context));
  auto& self = *static_cast<ImplicitSystem*>(context);
  const PetscScalar* xv;
  PetscScalar* yv;
  PetscCall(VecGetArrayRead(x, &xv));
  PetscCall(VecGetArrayWrite(y, &yv));
  if (transpose)
    self.model_.jacobian_transpose_vector(self.time_, self.segment_, self.state_.data(), xv, yv);
  else
    self.model_.jacobian_vector(self.time_, self.segment_, self.state_.data(), xv, yv);
  for (std::size_t i = 0; i < self.n_; ++i) yv[i] = self.shift_ * xv[i] - yv[i];
  PetscCall(VecRestoreArrayWrite(y, &yv));
  PetscCall(VecRestoreArrayRead(x, &xv));
  return 0;
}

PetscErrorCode ImplicitSystem::mult(Mat A, Vec x, Vec y) {
  NEURODE_PETSC_CALLBACK({ PetscCall(apply(A, x, y, false)); });
}

PetscErrorCode ImplicitSystem::mult_transpose(Mat A, Vec x, Vec y) {
  NEURODE_PETSC_CALLBACK({ PetscCall(apply(A, x, y, true)); });
}

}  // namespace neurode::solvers
