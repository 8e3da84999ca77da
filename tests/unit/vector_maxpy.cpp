// neurode's VecMAXPY kernel (petsc/vector_maxpy.hpp): the documented rounding order, zero
// coefficients skipped, VecMAXPY on a vector that uses it, and that vector marked changed.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <cmath>
#include <limits>
#include <vector>

#include "petsc/error.hpp"
#include "petsc/handle.hpp"
#include "petsc/vector_maxpy.hpp"

namespace neurode {
namespace {

std::vector<double> ramp(std::size_t n, double scale) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * std::sin(1.0 + 0.37 * static_cast<double>(i));
  return v;
}

TEST(VectorMaxpy, SumsGroupsOfFourNonzeroTermsInOrder) {
  // 6 vectors, one with a zero coefficient: the 5 others form a group of 4, then one of 1. 13
  // entries leave a remainder after the 4-lane loop.
  const std::size_t n = 13;
  const std::vector<double> alpha{0.1, 0.0, -1.0 / 3.0, 2.5, 1e-3, 7.0};
  std::vector<std::vector<double>> x;
  std::vector<const double*> xp;
  for (std::size_t j = 0; j < alpha.size(); ++j) x.push_back(ramp(n, 1.0 + static_cast<double>(j)));
  for (auto& v : x) xp.push_back(v.data());
  std::vector<double> y = ramp(n, 10.0), expected = y;
  for (std::size_t i = 0; i < n; ++i) {
    expected[i] += alpha[0] * x[0][i] + alpha[2] * x[2][i] + alpha[3] * x[3][i] + alpha[4] * x[4][i];
    expected[i] += alpha[5] * x[5][i];
  }
  petsc::add_scaled_sum(y.data(), n, alpha.size(), alpha.data(), xp.data());
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(y[i], expected[i]) << i;
}

TEST(VectorMaxpy, VecMaxpyUsesTheKernelOnVectorsThatAskForIt) {
  const PetscInt n = 9;
  petsc::VecHandle y, x0, x1;
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, n, y.out()));
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, n, x0.out()));
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, n, x1.out()));
  NEURODE_PETSC_CHECK(VecSet(y, 1.0));
  NEURODE_PETSC_CHECK(VecSet(x0, std::numeric_limits<double>::quiet_NaN()));
  NEURODE_PETSC_CHECK(VecSet(x1, 2.0));
  Vec x[2] = {x0, x1};
  const PetscScalar alpha[2] = {0.0, 0.25};
  petsc::use_fast_maxpy(y);
  // A zero coefficient is skipped: its vector's NaN does not reach y (0 x NaN would).
  NEURODE_PETSC_CHECK(VecMAXPY(y, 2, alpha, x));
  const PetscScalar* v;
  NEURODE_PETSC_CHECK(VecGetArrayRead(y, &v));
  for (PetscInt i = 0; i < n; ++i) EXPECT_EQ(v[i], 1.5) << i;
  NEURODE_PETSC_CHECK(VecRestoreArrayRead(y, &v));
}

TEST(VectorMaxpy, MarksTheResultChanged) {
  // y's norm, cached by PETSc until y changes, must not survive the kernel's write.
  petsc::VecHandle y, x0;
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, 2, y.out()));
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, 2, x0.out()));
  NEURODE_PETSC_CHECK(VecSet(y, 0.0));
  NEURODE_PETSC_CHECK(VecSetValue(y, 0, 1.0, INSERT_VALUES));
  NEURODE_PETSC_CHECK(VecAssemblyBegin(y));
  NEURODE_PETSC_CHECK(VecAssemblyEnd(y));
  NEURODE_PETSC_CHECK(VecSet(x0, 0.0));
  NEURODE_PETSC_CHECK(VecSetValue(x0, 0, 2.0, INSERT_VALUES));
  NEURODE_PETSC_CHECK(VecSetValue(x0, 1, 4.0, INSERT_VALUES));
  NEURODE_PETSC_CHECK(VecAssemblyBegin(x0));
  NEURODE_PETSC_CHECK(VecAssemblyEnd(x0));
  petsc::use_fast_maxpy(y);
  PetscReal before = 0, after = 0;
  NEURODE_PETSC_CHECK(VecNorm(y, NORM_2, &before));
  Vec x[1] = {x0};
  const PetscScalar alpha[1] = {1.0};
  NEURODE_PETSC_CHECK(VecMAXPY(y, 1, alpha, x));
  NEURODE_PETSC_CHECK(VecNorm(y, NORM_2, &after));
  EXPECT_EQ(before, 1.0);
  EXPECT_EQ(after, 5.0);  // (3, 4)
}

}  // namespace
}  // namespace neurode
