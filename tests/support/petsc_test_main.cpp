// GoogleTest main for neurode: PETSc (and MPI) are initialised once around all tests.
#include <gtest/gtest.h>

#include "petsc/session.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  neurode::petsc::Session session(&argc, &argv);
  return RUN_ALL_TESTS();
}
