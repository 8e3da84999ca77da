#include "petsc/session.hpp"

#include <mpi.h>
#include <petscsys.h>

#include "petsc/error.hpp"

namespace neurode::petsc {

Session::Session(int* argc, char*** argv) {
  // No help string: neurode prints its own usage; PETSc's -help still lists the solver options.
  NEURODE_PETSC_CHECK(PetscInitialize(argc, argv, nullptr, nullptr));
  install_quiet_error_handler();
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank_);
  MPI_Comm_size(PETSC_COMM_WORLD, &size_);
}

Session::~Session() { PetscFinalize(); }

void set_default_option(const std::string& key, const std::string& value) {
  PetscBool present = PETSC_FALSE;
  NEURODE_PETSC_CHECK(PetscOptionsHasName(nullptr, nullptr, key.c_str(), &present));
  if (!present) NEURODE_PETSC_CHECK(PetscOptionsSetValue(nullptr, key.c_str(), value.c_str()));
}

std::string version_string() {
  char buffer[256];
  NEURODE_PETSC_CHECK(PetscGetVersion(buffer, sizeof buffer));
  return buffer;
}

}  // namespace neurode::petsc
