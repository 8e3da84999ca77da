#pragma once
/// Stopping on SIGINT and SIGTERM without losing work. The handlers only raise a flag; solves
/// check it after every step and training checks it between batches (collectively, so that every
/// rank stops at the same point), then the command abandons the step in progress, keeps the last
/// checkpoint and exits with code 5 (docs/reliability.md). A second signal ends the process at once.
#include <mpi.h>

#include <stdexcept>
#include <string>

namespace neurode::mpi {

/// Thrown on every rank of a run that was interrupted: exit code 5.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Installs the SIGINT/SIGTERM handlers (after PetscInitialize, whose own handlers they replace),
/// and, when this process is an MPI rank started by a launcher (mpirun, srun), a watchdog that ends
/// the process within a second of the launcher's death: orphaned ranks would otherwise run on and
/// write their outputs long after the job was killed.
void install_interruption_handlers();

/// Whether this process has received SIGINT or SIGTERM (local; async-signal-safe to set).
bool interruption_requested();

/// "SIGTERM", "SIGINT", or "a signal" when none was received here (another rank was signalled).
std::string interruption_signal_name();

/// Collective: whether any rank of `comm` has been asked to stop.
bool interrupted_anywhere(MPI_Comm comm = MPI_COMM_WORLD);

/// For tests: raises the flag as `signal_number` would; 0 lowers it again.
void request_interruption_for_testing(int signal_number);

}  // namespace neurode::mpi
