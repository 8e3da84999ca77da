// neurode: cortical column networks as neural ODEs, integrated and trained with PETSc TS.
//
// Sample runs:
//   neurode simulate inputs/wta_two_columns.yaml -o wta.h5
//   neurode simulate --network ../shared/reference/stiff_60hz.h5 -o stiff.h5 -ts_type bdf
//   mpirun -np 2 neurode simulate inputs/wta_two_columns.yaml -o wta.h5 -ts_monitor
//
// Exit codes (docs/reliability.md): 0 success, 1 internal error, 2 bad input (usage, config, input
// file, PETSc option), 3 the integration failed (diverged, non-finite, step-size underflow, step
// limit), 4 an output could not be written, 5 interrupted by SIGINT or SIGTERM.
#include <mpi.h>
#include <unistd.h>

#include <cblas.h>
#include <chrono>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

#include "command_line.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "io/provenance.hpp"
#include "mpi/interruption.hpp"
#include "petsc/session.hpp"

namespace {

// One line on stderr. Failures of classes 2 to 5 are reached by every rank together (every rank
// reads the same input, and solves and writes agree on their outcome collectively), so rank 0
// alone prints them. Should one rank be alone with such a failure after all, the others are stuck
// in a collective and MPI_Finalize would wait forever: a guard then prints the message with the
// rank and ends the process, which makes the launcher end the others.
int fail(int code, const std::string& message, int ranks, int rank) {
  using namespace neurode::app;
  const bool collective = code != kInternalError;
  if (ranks == 1 || (collective && rank == 0)) {
    std::fprintf(stderr, "neurode: %s\n", message.c_str());
    std::fflush(stderr);
  }
  if (ranks > 1 && !collective) {
    std::fprintf(stderr, "neurode [rank %d]: %s\n", rank, message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
  }
  if (ranks > 1)
    std::thread([code, message, rank] {
      std::this_thread::sleep_for(std::chrono::seconds(20));
      std::fprintf(stderr, "neurode [rank %d]: %s (the other ranks did not stop with it)\n", rank,
                   message.c_str());
      std::fflush(stderr);
      _exit(code);
    }).detach();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // 1. PETSc and MPI; the options database receives every argument (PETSc options included).
  neurode::petsc::Session session(&argc, &argv);
  neurode::io::record_run_hosts(MPI_COMM_WORLD);  // collective: every rank's host, for /provenance
  neurode::mpi::install_interruption_handlers();
  // One BLAS thread per rank unless the user asks otherwise: ranks are the parallelism, and
  // OpenBLAS's own threads on the same cores would only oversubscribe them.
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) openblas_set_num_threads(1);
  using namespace neurode;
  try {
    // 2. neurode's own arguments.
    const app::CommandLine cl = app::parse_command_line(argc, argv);
    if (cl.help) {
      if (session.rank() == 0) std::puts(app::usage());
      return 0;
    }
    // 3. The command.
    int code = app::kSuccess;
    if (cl.command == "simulate")
      code = app::run_simulate(cl);
    else if (cl.command == "gradient")
      code = app::run_gradient(cl);
    else if (cl.command == "train")
      code = app::run_train(cl);
    else if (cl.command == "scan")
      code = app::run_scan(cl);
    else if (cl.command == "pathfinder")
      code = app::run_pathfinder(cl);
    else
      throw app::UsageError("command '" + cl.command + "' is not available in this build");
    if (code == app::kSuccess && session.rank() == 0) app::warn_about_unused_options();
    return code;
  } catch (const app::UsageError& e) {
    return fail(app::kBadInput, std::string(e.what()) + " (neurode --help lists the commands)",
                session.size(), session.rank());
  } catch (...) {
    const auto [code, message] = app::classify_current_exception();
    return fail(code, message, session.size(), session.rank());
  }
}
