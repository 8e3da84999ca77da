#pragma once
// One simulation run to its output file on the ranks of a communicator: `neurode simulate` runs it
// on every rank, `neurode scan` on each point's own group of ranks. The runs (trials x noise
// realisations) are integrated in blocks spread over the ranks, each rank writing its own blocks
// into the file through parallel HDF5 (simulation_ensemble.hpp, setup/ensemble_output.hpp).
#include <mpi.h>

#include <string>

#include "setup/simulation_config.hpp"

namespace neurode::app {

/// Runs `config` on the ranks of `comm` (all of them call it) and writes `output` exactly as
/// `neurode simulate CONFIG -o output` would, collectively on `comm`: as OUTPUT.partial while it
/// runs, resuming one that an interrupted run of the same config left, renamed to `output` when
/// complete. Prints nothing when `quiet`. Every rank of `comm` throws the same: IntegrationFailure
/// when a block fails, mpi::Interrupted after a signal, io::OutputError when the file cannot be
/// written. Nothing in it is collective over any other communicator.
void run_simulation_config(const setup::SimulationConfig& config, const std::string& output, MPI_Comm comm,
                           const std::string& command_line, bool quiet);

/// The same for a column network given as arrays (`neurode simulate --network FILE.h5`).
void run_network_file_simulation(const std::string& network_file, bool dense_output,
                                 const std::string& output, MPI_Comm comm, const std::string& command_line,
                                 bool quiet);

}  // namespace neurode::app
