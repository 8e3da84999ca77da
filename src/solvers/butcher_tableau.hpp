#pragma once
/// The Butcher tableau of an explicit Runge-Kutta method, read from PETSc's own TSRK definition so
/// that neurode's adjoint differentiates exactly the method the forward solve used.
#include <petscts.h>

#include <string>
#include <vector>

#include "solvers/dense_output.hpp"

namespace neurode::solvers {

struct ButcherTableau {
  std::string name;  ///< PETSc's TSRK type, e.g. "5dp"
  int stages = 0;
  std::vector<double> A;    ///< stages x stages, strictly lower triangular
  std::vector<double> b;    ///< weights of the solution
  std::vector<double> c;    ///< stage times
  bool fsal = false;        ///< first same as last: a step's first stage is the previous step's last
  DenseOutput interpolant;  ///< the method's continuous extension (dense_output.hpp), if it has one
  /// Outputs inside steps come from the interpolant (solver.dense_output): the stages it reads
  /// then count as needed, and a discrete adjoint differentiates it.
  bool interpolate = false;
  double a(int i, int j) const { return A[static_cast<std::size_t>(i * stages + j)]; }
  /// Per stage: whether it influences the step's result, directly (b_i != 0) or through a later
  /// stage that does (the FSAL stage of Dormand-Prince does not), or, when `interpolate`, the
  /// interpolated outputs.
  std::vector<bool> stages_needed() const;
};

/// Tableau of PETSc's TSRK type `rk_type` (1fe, 2a, 3, 3bs, 4, 5f, 5dp, 5bs, ...).
ButcherTableau rk_tableau(const std::string& rk_type);
/// Tableau of the TSRK method `ts` is set up with (0 stages if it has none yet), named `name`.
ButcherTableau rk_tableau_of(TS ts, const std::string& name);

}  // namespace neurode::solvers
