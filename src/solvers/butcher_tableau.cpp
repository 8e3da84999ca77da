#include "solvers/butcher_tableau.hpp"

#include <petscts.h>

#include "petsc/error.hpp"
#include "petsc/handle.hpp"

namespace neurode::solvers {

ButcherTableau rk_tableau(const std::string& rk_type) {
  petsc::TSHandle ts;
  NEURODE_PETSC_CHECK(TSCreate(PETSC_COMM_SELF, ts.out()));
  NEURODE_PETSC_CHECK(TSSetType(ts, TSRK));
  NEURODE_PETSC_CHECK(TSRKSetType(ts, rk_type.c_str()));
  return rk_tableau_of(ts, rk_type);
}

ButcherTableau rk_tableau_of(TS ts, const std::string& name) {
  PetscInt s = 0, order = 0;
  const PetscReal *A, *b, *c, *bembed, *binterp;
  PetscBool fsal = PETSC_FALSE;
  NEURODE_PETSC_CHECK(TSRKGetTableau(ts, &s, &A, &b, &c, &bembed, &order, &binterp, &fsal));
  ButcherTableau t;
  t.name = name;
  t.stages = static_cast<int>(s);
  t.A.assign(A, A + s * s);
  t.b.assign(b, b + s);
  t.c.assign(c, c + s);
  t.fsal = fsal == PETSC_TRUE;
  t.interpolant = dense_output_of(t);
  return t;
}

std::vector<bool> ButcherTableau::stages_needed() const {
  std::vector<bool> needed(static_cast<std::size_t>(stages), false);
  for (int i = stages - 1; i >= 0; --i) {
    bool used = b[static_cast<std::size_t>(i)] != 0.0 ||
                (interpolate && interpolant.uses_stage(static_cast<std::size_t>(i)));
    for (int j = i + 1; j < stages; ++j)
      used = used || (needed[static_cast<std::size_t>(j)] && a(j, i) != 0.0);
    needed[static_cast<std::size_t>(i)] = used;
  }
  return needed;
}

}  // namespace neurode::solvers
