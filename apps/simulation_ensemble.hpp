#pragma once
// The runs of `neurode simulate`: every trial of the config, times `noise.realisations` Wiener paths
// in a stochastic run, integrated in blocks of `simulation.block_size` runs that are dealt to the
// MPI ranks and gathered, in run order, on rank 0 (mpi::BlockParallel). A block is integrated the
// same way on whichever rank it lands, so the result is bitwise the same for any number of ranks.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "solvers/solution.hpp"
#include "solvers/solver_settings.hpp"

namespace neurode::app {

struct EnsembleSpec {
  std::size_t runs = 1;
  std::size_t block_size = 0;         ///< 0: all runs in one block
  std::size_t states_per_run = 0;     ///< 3 x populations
  std::vector<double> initial_state;  ///< of one run
  double t_start = 0.0;
  std::vector<double> output_times;
  solvers::SolverSettings solver;
  /// The model of runs [first, first + count) as one block system.
  std::function<std::unique_ptr<models::Model>(std::size_t first, std::size_t count)> block_model;
  /// "run K" in messages, e.g. "trial 2, realisation 5".
  std::function<std::string(std::size_t run)> describe_run;
};

/// Every run's trajectory on rank 0 (solution of all runs laid end to end, statistics summed over the
/// blocks); on other ranks an empty solution. Collective: when a block fails every rank throws
/// IntegrationFailure with that block's message, and mpi::Interrupted after a signal.
solvers::Solution simulate_ensemble(const EnsembleSpec& spec);

}  // namespace neurode::app
