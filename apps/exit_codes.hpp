#pragma once
// neurode's exit codes (docs/reliability.md) and the mapping from what went wrong to them.
#include <mpi.h>

#include <exception>
#include <functional>
#include <stdexcept>
#include <string>

namespace neurode::app {

enum ExitCode : int {
  kSuccess = 0,
  kInternalError = 1,
  kBadInput = 2,
  kIntegrationFailed = 3,
  kOutputFailed = 4,
  kInterrupted = 5,
};

/// A failure already classified, e.g. one that rank 0 met and every rank now reports.
class CommandFailure : public std::runtime_error {
 public:
  CommandFailure(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

/// The exit code for the exception in flight (call inside a catch block) and its message.
std::pair<int, std::string> classify_current_exception();

/// Runs `work` on rank 0 of `comm` only (the writing of an output); then every rank of `comm` throws
/// CommandFailure with rank 0's exit code and message if it failed. Collective: without it, a full
/// disk on rank 0 would leave the other ranks reporting success.
void on_root_for_all(const std::function<void()>& work, MPI_Comm comm = MPI_COMM_WORLD);

}  // namespace neurode::app
