#include "petsc/error.hpp"

#include <exception>

namespace neurode {

PetscException::PetscException(PetscErrorCode code, const std::string& where)
    : std::runtime_error(where), code_(code) {}

namespace petsc::detail {

void throw_petsc_error(PetscErrorCode code, const char* expression, const char* file, int line) {
  const char* text = nullptr;
  PetscErrorMessage(code, &text, nullptr);
  throw PetscException(code, std::string("PETSc error ") + std::to_string(code) + " (" + (text ? text : "?") +
                                 ") in " + expression + " at " + file + ":" + std::to_string(line));
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
