#include "exit_codes.hpp"

#include <mpi.h>

#include "command_line.hpp"
#include "commands.hpp"
#include "io/config_error.hpp"
#include "io/hdf5_file.hpp"
#include "io/image_dataset.hpp"
#include "mpi/interruption.hpp"
#include "mpi/world.hpp"

namespace neurode::app {

std::pair<int, std::string> classify_current_exception() {
  try {
    throw;
  } catch (const CommandFailure& e) {
    return {e.code(), e.what()};
  } catch (const UsageError& e) {
    return {kBadInput, e.what()};
  } catch (const io::ConfigError& e) {
    return {kBadInput, e.what()};
  } catch (const io::Hdf5Error& e) {
    return {kBadInput, e.what()};
  } catch (const io::DataError& e) {
    return {kBadInput, e.what()};
  } catch (const io::OutputError& e) {
    return {kOutputFailed, e.what()};
  } catch (const io::NonFiniteResult& e) {
    return {kIntegrationFailed, e.what()};
  } catch (const IntegrationFailure& e) {
    return {kIntegrationFailed, e.what()};
  } catch (const mpi::Interrupted& e) {
    return {kInterrupted, e.what()};
  } catch (const std::invalid_argument& e) {
    return {kBadInput, e.what()};
  } catch (const std::bad_alloc&) {
    return {kBadInput,
            "out of memory: the run is too large for this machine (reduce its size or use more ranks)"};
  } catch (const std::exception& e) {
    return {kInternalError, e.what()};
  } catch (...) {
    return {kInternalError, "unknown error"};
  }
}

void throw_unless_solved(const solvers::Solution& solution) {
  if (solution.status == solvers::SolveStatus::interrupted) throw mpi::Interrupted(solution.message);
  if (!solution.ok()) throw IntegrationFailure(solution.message);
}

void on_root_for_all(const std::function<void()>& work, MPI_Comm comm) {
  int code = kSuccess;
  std::string message;
  if (mpi::is_root(comm)) {
    try {
      work();
    } catch (...) {
      std::tie(code, message) = classify_current_exception();
    }
  }
  MPI_Bcast(&code, 1, MPI_INT, 0, comm);
  if (code == kSuccess) return;
  message = mpi::first_message(message, comm);
  throw CommandFailure(code, message);
}

}  // namespace neurode::app
