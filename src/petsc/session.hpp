#pragma once
/// RAII owner of PetscInitialize/PetscFinalize (which also initialise MPI when needed).
/// Construct exactly one, first thing in main; every other PETSc object must die before it.
#include <string>
#include <vector>

namespace neurode::petsc {

class Session {
 public:
  /// argc/argv are handed to PETSc so that -ts_type and friends reach the options database.
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0;
  int size_ = 1;
};

/// Adds "-key value" pairs to the global options database unless the user already set the key,
/// so the command line always wins over defaults chosen in code.
void set_default_option(const std::string& key, const std::string& value);

/// PETSc's version string, e.g. "Petsc Release Version 3.18.5".
std::string version_string();

}  // namespace neurode::petsc
