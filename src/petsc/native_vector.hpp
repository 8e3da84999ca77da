#pragma once
/// The array of a native PETSc host vector, read without VecGetArray*.
///
/// TSRK makes a handful of VecGetArray*/VecRestoreArray* calls per stage (in VecCopy, VecMAXPY
/// and around the right-hand side) on vectors of a few dozen entries, where the calls cost as
/// much as the arithmetic. A native sequential vector's data begins with VECHEADER, whose first
/// member is the array (petsc/private/vecimpl.h): what VecGetArray returns for it. A vector with
/// its own getarray (or one that may live on a device) is not native here and goes through the
/// calls. Writing through the array does not mark the vector changed: the caller increases its
/// object state, as VecRestoreArray would.
#include <petsc/private/vecimpl.h>

namespace neurode::petsc {

inline bool host_native(Vec v) {
#if defined(PETSC_HAVE_DEVICE)
  (void)v;
  return false;
#else
  return v->petscnative && v->ops->getarray == nullptr && v->ops->getarrayread == nullptr &&
         v->ops->getarraywrite == nullptr;
#endif
}

inline PetscScalar* native_array(Vec v) { return *static_cast<PetscScalar**>(v->data); }

}  // namespace neurode::petsc
