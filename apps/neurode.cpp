// neurode: cortical column networks as neural ODEs, integrated and trained with PETSc TS.
//
// Sample runs:
//   neurode simulate inputs/wta_two_columns.yaml -o wta.h5
//   neurode simulate --network ../shared/reference/stiff_60hz.h5 -o stiff.h5 -ts_type bdf
//   mpirun -np 2 neurode simulate inputs/wta_two_columns.yaml -o wta.h5 -ts_monitor
//
// Exit codes: 0 success, 1 internal error, 2 bad input (usage, config, input file), 3 the
// integration failed (diverged, step-size underflow, step limit).
#include <mpi.h>

#include <cstdio>
#include <exception>

#include "command_line.hpp"
#include "commands.hpp"
#include "io/config_error.hpp"
#include "io/hdf5_file.hpp"
#include "petsc/session.hpp"

namespace {

// One line on stderr, prefixed by the rank when several run; exits all ranks consistently.
int fail(int code, const std::string& message, int ranks, int rank) {
  if (ranks > 1)
    std::fprintf(stderr, "neurode [rank %d]: %s\n", rank, message.c_str());
  else
    std::fprintf(stderr, "neurode: %s\n", message.c_str());
  std::fflush(stderr);
  // Every rank reaches the same error for bad input; for anything else one rank may be alone,
  // and only MPI_Abort keeps the others from waiting forever in a collective.
  if (ranks > 1 && code != 2 && code != 3) MPI_Abort(MPI_COMM_WORLD, code);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // 1. PETSc and MPI; the options database receives every argument (PETSc options included).
  neurode::petsc::Session session(&argc, &argv);
  using namespace neurode;
  try {
    // 2. neurode's own arguments.
    const app::CommandLine cl = app::parse_command_line(argc, argv);
    if (cl.help) {
      if (session.rank() == 0) std::puts(app::usage());
      return 0;
    }
    // 3. The command.
    if (cl.command == "simulate") return app::run_simulate(cl);
    if (cl.command == "gradient") return app::run_gradient(cl);
    if (cl.command == "train") return app::run_train(cl);
    throw app::UsageError("command '" + cl.command + "' is not available in this build");
  } catch (const app::UsageError& e) {
    if (session.rank() == 0) std::fprintf(stderr, "%s\n", app::usage());
    return fail(2, e.what(), session.size(), session.rank());
  } catch (const io::ConfigError& e) {
    return fail(2, e.what(), session.size(), session.rank());
  } catch (const io::Hdf5Error& e) {
    return fail(2, e.what(), session.size(), session.rank());
  } catch (const app::IntegrationFailure& e) {
    return fail(3, e.what(), session.size(), session.rank());
  } catch (const std::invalid_argument& e) {
    return fail(2, e.what(), session.size(), session.rank());
  } catch (const std::exception& e) {
    return fail(1, e.what(), session.size(), session.rank());
  }
}
