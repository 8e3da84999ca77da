#include "petsc/error.hpp"

#include <exception>
#include <string>
#include <utility>

namespace neurode {

PetscException::PetscException(PetscErrorCode code, const std::string& where, std::string detail)
    : std::runtime_error(where), code_(code), detail_(std::move(detail)) {}

namespace petsc {
namespace {

// PETSc calls its error handler once where an error starts (PETSC_ERROR_INITIAL) and again in
// every function it passes through on the way out; the first call holds the useful text.
thread_local std::string recorded_detail;

PetscErrorCode record_error(MPI_Comm, int, const char*, const char*, PetscErrorCode code, PetscErrorType type,
                            const char* message, void*) {
  if (type == PETSC_ERROR_INITIAL) recorded_detail = message ? message : "";
  return code;
}

}  // namespace

void install_quiet_error_handler() { PetscPushErrorHandler(&record_error, nullptr); }

std::string last_error_detail() { return recorded_detail; }

}  // namespace petsc

namespace petsc::detail {

void throw_petsc_error(PetscErrorCode code, const char* expression, const char* file, int line) {
  const char* text = nullptr;
  PetscErrorMessage(code, &text, nullptr);
  std::string detail = last_error_detail();
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  throw PetscException(code,
                       std::string("PETSc error ") + std::to_string(code) + " (" + (text ? text : "?") +
                           (detail.empty() ? "" : ": " + detail) + ") in " + expression + " at " + file +
                           ":" + std::to_string(line),
                       detail);
}

PetscErrorCode report_callback_exception(const char* function) noexcept {
  try {
    throw;
  } catch (const std::exception& error) {
    return ::PetscError(PETSC_COMM_SELF, __LINE__, function, __FILE__, PETSC_ERR_LIB, PETSC_ERROR_INITIAL,
                        "%s", error.what());
  } catch (...) {
    return ::PetscError(PETSC_COMM_SELF, __LINE__, function, __FILE__, PETSC_ERR_LIB, PETSC_ERROR_INITIAL,
                        "unknown exception in a PETSc callback");
  }
}

}  // namespace petsc::detail
}  // namespace neurode
