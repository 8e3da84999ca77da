#include "petsc/vector_maxpy.hpp"

// The operation table's layout, to find VecMAXPY's slot for VecSetOperation (the public enum
// VecOperation names only a few of the slots).
#include <petsc/private/vecimpl.h>

#include <algorithm>
#include <array>
#include <cstddef>

#include "petsc/error.hpp"

namespace neurode::petsc {
namespace {

constexpr std::size_t kGroup = 4;

__attribute__((target_clones("avx2", "default"))) void add_group(double* __restrict y, std::size_t n,
                                                                 std::size_t count, const double* alpha,
                                                                 const double* const* x) {
  // One pass per group of up to 4 vectors; the switch keeps each loop free of inner branches so
  // that it vectorises.
  switch (count) {
    case 1: {
      const double a0 = alpha[0];
      const double* __restrict x0 = x[0];
      for (std::size_t i = 0; i < n; ++i) y[i] += a0 * x0[i];
      break;
    }
    case 2: {
      const double a0 = alpha[0], a1 = alpha[1];
      const double* __restrict x0 = x[0], * __restrict x1 = x[1];
      for (std::size_t i = 0; i < n; ++i) y[i] += a0 * x0[i] + a1 * x1[i];
      break;
    }
    case 3: {
      const double a0 = alpha[0], a1 = alpha[1], a2 = alpha[2];
      const double* __restrict x0 = x[0], * __restrict x1 = x[1], * __restrict x2 = x[2];
      for (std::size_t i = 0; i < n; ++i) y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i];
      break;
    }
    default: {
      const double a0 = alpha[0], a1 = alpha[1], a2 = alpha[2], a3 = alpha[3];
      const double* __restrict x0 = x[0], * __restrict x1 = x[1], * __restrict x2 = x[2], * __restrict x3 = x[3];
      for (std::size_t i = 0; i < n; ++i) y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
      break;
    }
  }
}

}  // namespace

void add_scaled_sum(double* y, std::size_t n, std::size_t count, const double* alpha,
                    const double* const* x) {
  std::array<double, kGroup> a{};
  std::array<const double*, kGroup> xs{};
  std::size_t in_group = 0;
  for (std::size_t j = 0; j < count; ++j) {
    if (alpha[j] == 0.0) continue;
    a[in_group] = alpha[j];
    xs[in_group] = x[j];
    if (++in_group == kGroup) {
      add_group(y, n, in_group, a.data(), xs.data());
      in_group = 0;
    }
  }
  if (in_group) add_group(y, n, in_group, a.data(), xs.data());
}

namespace {

// A native PETSc vector's data begins with VECHEADER, whose first member is the array
// (petsc/private/vecimpl.h): what VecGetArrayRead returns for it, read without the call. TSRK's
// stage sums make a handful of these calls per stage on vectors of a few dozen entries, where
// they cost as much as the sums. A vector with its own getarrayread (or one that may live on a
// device) goes through the call, and is restored through the call.
bool host_native(Vec v) {
#if defined(PETSC_HAVE_DEVICE)
  (void)v;
  return false;
#else
  return v->petscnative && v->ops->getarrayread == nullptr;
#endif
}
const PetscScalar* native_array(Vec v) { return *static_cast<PetscScalar* const*>(v->data); }

// VecMAXPY's slot: reads the vectors' arrays, a chunk at a time so that no call allocates.
PetscErrorCode maxpy(Vec y, PetscInt count, const PetscScalar* alpha, Vec* x) {
  constexpr PetscInt kChunk = 16;
  PetscFunctionBeginUser;
  PetscInt n;
  PetscCall(VecGetLocalSize(y, &n));
  PetscScalar* ya;
  PetscCall(VecGetArray(y, &ya));
  std::array<const PetscScalar*, kChunk> xa{};
  for (PetscInt first = 0; first < count; first += kChunk) {
    const PetscInt size = std::min(kChunk, count - first);
    for (PetscInt j = 0; j < size; ++j) {
      Vec v = x[first + j];
      if (host_native(v))
        xa[static_cast<std::size_t>(j)] = native_array(v);
      else
        PetscCall(VecGetArrayRead(v, &xa[static_cast<std::size_t>(j)]));
    }
    add_scaled_sum(ya, static_cast<std::size_t>(n), static_cast<std::size_t>(size), alpha + first, xa.data());
    for (PetscInt j = 0; j < size; ++j)
      if (!host_native(x[first + j]))
        PetscCall(VecRestoreArrayRead(x[first + j], &xa[static_cast<std::size_t>(j)]));
  }
  PetscCall(VecRestoreArray(y, &ya));
  PetscFunctionReturn(0);
}

}  // namespace

void use_fast_maxpy(Vec v) {
  constexpr auto slot = static_cast<VecOperation>(offsetof(_VecOps, maxpy) / sizeof(void (*)(void)));
  NEURODE_PETSC_CHECK(VecSetOperation(v, slot, reinterpret_cast<void (*)(void)>(&maxpy)));
}

}  // namespace neurode::petsc
