#pragma once
/// VecCopy from a sequential PETSc vector without its array calls.
///
/// TSRK starts every stage with VecCopy(solution, stage): four copies of a few dozen entries per
/// RK4 step, where PETSc's kernel spends more on VecGetArray*/VecRestoreArray* of both vectors
/// than on the copy. This kernel copies native host arrays directly (petsc/native_vector.hpp) and
/// falls back to those calls for any other vector. The values copied are the same bits.
#include <petscvec.h>

namespace neurode::petsc {

/// Makes VecCopy(v, y) use the kernel above for the source v (PETSc dispatches on the source).
/// Duplicates of v do not inherit it.
void use_fast_copy(Vec v);

}  // namespace neurode::petsc
