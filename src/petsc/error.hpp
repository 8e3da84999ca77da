#pragma once
/// Bridges PETSc error codes and C++ exceptions.
/// PETSc-facing code returns PetscErrorCode and uses PetscCall; the C++ API converts a nonzero code
/// into neurode::PetscException with NEURODE_PETSC_CHECK. Callbacks handed to PETSc must never throw:
/// they wrap their body in NEURODE_PETSC_CALLBACK, which turns an exception into an error code.
#include <petscsys.h>

#include <stdexcept>
#include <string>

namespace neurode {

class PetscException : public std::runtime_error {
 public:
  PetscException(PetscErrorCode code, const std::string& where, std::string detail = {});
  PetscErrorCode code() const { return code_; }
  /// PETSc's own message for the error, e.g. "Unknown TS type: bogus" ("" when it gave none).
  const std::string& detail() const { return detail_; }

 private:
  PetscErrorCode code_;
  std::string detail_;
};

namespace petsc {
/// Replaces PETSc's printing error handler by one that only records the first message of an error
/// (e.g. "Unknown TS type: bogus"): neurode reports errors itself, in one line, and PETSc's
/// 30-line traceback would bury that line. Called by Session.
void install_quiet_error_handler();
/// The message PETSc gave with the most recent error ("" when none).
std::string last_error_detail();
}  // namespace petsc

namespace petsc::detail {
[[noreturn]] void throw_petsc_error(PetscErrorCode code, const char* expression, const char* file, int line);
/// Records the message of an exception caught inside a PETSc callback and returns an error code.
PetscErrorCode report_callback_exception(const char* function) noexcept;
}  // namespace petsc::detail
}  // namespace neurode

#define NEURODE_PETSC_CHECK(expression)                                                                  \
  do {                                                                                                   \
    PetscErrorCode neurode_petsc_code_ = (expression);                                                   \
    if (neurode_petsc_code_ != 0)                                                                        \
      ::neurode::petsc::detail::throw_petsc_error(neurode_petsc_code_, #expression, __FILE__, __LINE__); \
  } while (0)

/// Body wrapper for a PETSc callback: exceptions become PETSC_ERR_LIB with the message kept.
#define NEURODE_PETSC_CALLBACK(...)                                       \
  try {                                                                   \
    __VA_ARGS__                                                           \
  } catch (...) {                                                         \
    return ::neurode::petsc::detail::report_callback_exception(__func__); \
  }                                                                       \
  return 0
