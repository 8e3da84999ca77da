#include "petsc/vector_copy.hpp"

#include <algorithm>
#include <cstddef>

#include "petsc/error.hpp"
#include "petsc/native_vector.hpp"

namespace neurode::petsc {
namespace {

// VecCopy's slot (x is the source). VecCopy has already checked the sizes and y's lock; the kernel
// marks y changed itself, as PETSc's own does through VecRestoreArray.
PetscErrorCode copy(Vec x, Vec y) {
  PetscFunctionBeginUser;
  if (x == y) PetscFunctionReturn(0);
  const PetscInt n = x->map->n;
  if (host_native(x) && host_native(y)) {
    const PetscScalar* xa = native_array(x);
    std::copy(xa, xa + n, native_array(y));
    PetscCall(PetscObjectStateIncrease(reinterpret_cast<PetscObject>(y)));
    PetscFunctionReturn(0);
  }
  const PetscScalar* xa;
  PetscScalar* ya;
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetArrayWrite(y, &ya));
  std::copy(xa, xa + n, ya);
  PetscCall(VecRestoreArrayWrite(y, &ya));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscFunctionReturn(0);
}

}  // namespace

void use_fast_copy(Vec v) {
  constexpr auto slot = static_cast<VecOperation>(offsetof(_VecOps, copy) / sizeof(void (*)(void)));
  NEURODE_PETSC_CHECK(VecSetOperation(v, slot, reinterpret_cast<void (*)(void)>(&copy)));
}

}  // namespace neurode::petsc
