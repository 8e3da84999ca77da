// neurode's VecCopy kernel (petsc/vector_copy.hpp): the same bits as PETSc's copy, and the
// destination marked changed, so that what PETSc caches about it (its norms) is not reused.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "petsc/error.hpp"
#include "petsc/handle.hpp"
#include "petsc/vector_copy.hpp"

namespace neurode {
namespace {

petsc::VecHandle vector_of(const std::vector<double>& values) {
  petsc::VecHandle v;
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, static_cast<PetscInt>(values.size()), v.out()));
  PetscScalar* a;
  NEURODE_PETSC_CHECK(VecGetArrayWrite(v, &a));
  for (std::size_t i = 0; i < values.size(); ++i) a[i] = values[i];
  NEURODE_PETSC_CHECK(VecRestoreArrayWrite(v, &a));
  return v;
}

std::vector<double> values_of(Vec v) {
  PetscInt n;
  NEURODE_PETSC_CHECK(VecGetLocalSize(v, &n));
  const PetscScalar* a;
  NEURODE_PETSC_CHECK(VecGetArrayRead(v, &a));
  std::vector<double> out(a, a + n);
  NEURODE_PETSC_CHECK(VecRestoreArrayRead(v, &a));
  return out;
}

TEST(VectorCopy, CopiesTheSameBitsAsPetsc) {
  const std::vector<double> source{
      1.0,   -0.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), 1e-310,
      -3.25, 7.0};
  petsc::VecHandle x = vector_of(source), y = vector_of(std::vector<double>(source.size(), 5.0));
  petsc::VecHandle x_petsc = vector_of(source), y_petsc = vector_of(std::vector<double>(source.size(), 5.0));
  petsc::use_fast_copy(x);
  NEURODE_PETSC_CHECK(VecCopy(x, y));
  NEURODE_PETSC_CHECK(VecCopy(x_petsc, y_petsc));
  const std::vector<double> ours = values_of(y), theirs = values_of(y_petsc);
  ASSERT_EQ(ours.size(), source.size());
  EXPECT_EQ(std::memcmp(ours.data(), theirs.data(), ours.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(ours.data(), source.data(), ours.size() * sizeof(double)), 0);
  NEURODE_PETSC_CHECK(VecCopy(x, x));  // onto itself: nothing to do
  EXPECT_EQ(std::memcmp(values_of(x).data(), source.data(), source.size() * sizeof(double)), 0);
}

TEST(VectorCopy, MarksTheDestinationChanged) {
  petsc::VecHandle x = vector_of({3.0, 4.0}), y = vector_of({1.0, 0.0});
  petsc::use_fast_copy(x);
  PetscReal before = 0, after = 0;
  NEURODE_PETSC_CHECK(VecNorm(y, NORM_2, &before));  // PETSc caches it on y until y changes
  NEURODE_PETSC_CHECK(VecCopy(x, y));
  NEURODE_PETSC_CHECK(VecNorm(y, NORM_2, &after));
  EXPECT_EQ(before, 1.0);
  EXPECT_EQ(after, 5.0);
}

}  // namespace
}  // namespace neurode
