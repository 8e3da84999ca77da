#include "petsc/vector_maxpy.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

#include "petsc/error.hpp"
#include "petsc/native_vector.hpp"

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
  // Filled before use, not zeroed: these run a few times per stage, where zeroing (a rep stos)
  // costs as much as the rest of the call.
  std::array<double, kGroup> a;
  std::array<const double*, kGroup> xs;
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

// VecMAXPY's slot: reads the vectors' arrays, a chunk at a time so that no call allocates. Native
// vectors are read without the array calls (petsc/native_vector.hpp); the kernel marks y changed
// itself, as PETSc's own does through VecRestoreArray.
PetscErrorCode maxpy(Vec y, PetscInt count, const PetscScalar* alpha, Vec* x) {
  constexpr PetscInt kChunk = 16;
  PetscFunctionBeginUser;
  const PetscInt n = y->map->n;
  const bool y_native = host_native(y);
  PetscScalar* ya;
  if (y_native)
    ya = native_array(y);
  else
    PetscCall(VecGetArray(y, &ya));
  std::array<const PetscScalar*, kChunk> xa;  // filled before use (see add_scaled_sum)
  std::array<bool, kChunk> x_native;
  for (PetscInt first = 0; first < count; first += kChunk) {
    const PetscInt size = std::min(kChunk, count - first);
    for (PetscInt j = 0; j < size; ++j) {
      Vec v = x[first + j];
      const auto k = static_cast<std::size_t>(j);
      x_native[k] = host_native(v);
      if (x_native[k])
        xa[k] = native_array(v);
      else
        PetscCall(VecGetArrayRead(v, &xa[k]));
    }
    add_scaled_sum(ya, static_cast<std::size_t>(n), static_cast<std::size_t>(size), alpha + first, xa.data());
    for (PetscInt j = 0; j < size; ++j)
      if (!x_native[static_cast<std::size_t>(j)])
        PetscCall(VecRestoreArrayRead(x[first + j], &xa[static_cast<std::size_t>(j)]));
  }
  if (y_native)
    PetscCall(PetscObjectStateIncrease(reinterpret_cast<PetscObject>(y)));
  else
    PetscCall(VecRestoreArray(y, &ya));
  PetscFunctionReturn(0);
}

}  // namespace

void use_fast_maxpy(Vec v) {
  constexpr auto slot = static_cast<VecOperation>(offsetof(_VecOps, maxpy) / sizeof(void (*)(void)));
  NEURODE_PETSC_CHECK(VecSetOperation(v, slot, reinterpret_cast<void (*)(void)>(&maxpy)));
}

}  // namespace neurode::petsc
