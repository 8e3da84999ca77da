#include "mpi/interruption.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace neurode::mpi {
namespace {

volatile std::sig_atomic_t received_signal = 0;

extern "C" void on_stop_signal(int signal_number) {
  if (received_signal != 0) {
    // A second signal: the user wants out now, step or no step.
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
    return;
  }
  received_signal = signal_number;
}

// The launcher (mpirun's daemon, slurmstepd) is this rank's parent. When it dies the rank is
// re-parented, which getppid() shows; nothing else tells a rank blocked in computation.
bool started_by_launcher() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr ||
         std::getenv("SLURM_STEP_ID") != nullptr;
}

void watch_launcher(pid_t launcher) {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (getppid() != launcher) {
      static const char message[] =
          "neurode: the MPI launcher has ended; stopping this rank, nothing written\n";
      [[maybe_unused]] const auto written = write(STDERR_FILENO, message, sizeof message - 1);
      // No cleanup: the other ranks and the launcher are gone, so MPI_Finalize could wait forever;
      // outputs are only ever renamed into place complete, so nothing half-written remains.
      _exit(5);
    }
  }
}

}  // namespace

void install_interruption_handlers() {
  struct sigaction action {};
  action.sa_handler = &on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a write in progress (a checkpoint) completes
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  if (started_by_launcher() && getppid() != 1) std::thread(watch_launcher, getppid()).detach();
}

bool interruption_requested() { return received_signal != 0; }

std::string interruption_signal_name() {
  switch (received_signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "a signal";
  }
}

bool interrupted_anywhere(MPI_Comm comm) {
  int flag = interruption_requested() ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &flag, 1, MPI_INT, MPI_MAX, comm);
  return flag != 0;
}

void request_interruption_for_testing(int signal_number) { received_signal = signal_number; }

}  // namespace neurode::mpi
