#pragma once
// One training config run to its result file, on the ranks of a communicator: `neurode train` runs
// it on every rank, `neurode scan` on each point's own group of ranks.
#include <mpi.h>

#include <functional>
#include <string>

#include "io/hdf5_file.hpp"
#include "setup/training_config.hpp"

namespace neurode::app {

struct TrainingRun {
  MPI_Comm comm = MPI_COMM_WORLD;  ///< the ranks that train together (all of them call)
  std::string command_line;        ///< for the result's provenance
  bool quiet = false;              ///< no progress lines (the points of a scan)
  /// Adds to each result file before it is committed (a scan's point records its wall time).
  std::function<void(io::Hdf5File&)> annotate;
};

/// Trains `config` into `output` (a staged config: its stages into OUT.stage-K.h5 and the last into
/// `output`, resuming with the first stage not done), resuming from OUTPUT.checkpoint when an
/// earlier run of the same config left one. Collective over run.comm; every rank of it throws the
/// same exception on failure: IntegrationFailure (diverged or non-finite), mpi::Interrupted,
/// CommandFailure (an output not written), io::ConfigError (a task that refuses its settings).
void run_training_config(const setup::TrainingConfig& config, const std::string& output,
                         const TrainingRun& run);

}  // namespace neurode::app
