#pragma once
// The runs of `neurode simulate`: every trial of the config, times `noise.realisations` Wiener paths
// in a stochastic run, integrated in blocks of `simulation.block_size` runs that are dealt to the
// ranks of a communicator (mpi::BlockParallel). Each rank writes each of its blocks into the output
// as soon as it is integrated (setup::EnsembleOutput) and keeps nothing of it, so no rank ever
// holds more than one block. A block is integrated the same way on whichever rank it lands, so the
// file is bitwise the same for any number of ranks; a killed run keeps its finished blocks, and a
// rerun integrates only the others.
#include <mpi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "models/state_layout.hpp"
#include "solvers/solution.hpp"
#include "solvers/solver_settings.hpp"

namespace neurode::app {

/// Integrates runs [first, first + count) from their initial states y0 (count runs end to end).
using BlockSolve =
    std::function<solvers::Solution(std::size_t first, std::size_t count, const std::vector<double>& y0)>;

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
  /// Optional: integrates runs [first, first + count) from their initial states itself (the
  /// Brownian-tree SDE solver, simulation_tree_noise.hpp), running `block_solve_method`; empty: a
  /// PETSc TS Integrator on block_model.
  BlockSolve block_solve;
  std::string block_solve_method;
  /// "run K" in messages, e.g. "trial 2, realisation 5".
  std::function<std::string(std::size_t run)> describe_run;

  // What the output holds (docs/output-format.md).
  models::StateLayout layout;          ///< of one run
  std::vector<std::string> variables;  ///< components of `layout` to write
  std::size_t realisations = 1;        ///< Wiener paths per trial: > 1 labels the runs
  std::string config_text;
};

/// What simulate_ensemble did, the same on every rank.
struct EnsembleSummary {
  std::string method;                    ///< the PETSc method after options
  solvers::SolverStatistics statistics;  ///< summed over the blocks in block order
  std::size_t blocks = 0, blocks_resumed = 0;
};

/// Integrates every run on the ranks of `comm` into `output` (collective over `comm`; its provenance
/// names `command_line`). Every rank
/// throws the same: IntegrationFailure when a block fails (nothing is kept), mpi::Interrupted after
/// a signal and io::OutputError when the file cannot be written (the finished blocks are kept in
/// OUTPUT.partial, and a rerun resumes). Prints progress and notices on rank 0 unless `quiet`.
EnsembleSummary simulate_ensemble(const EnsembleSpec& spec, const std::string& output,
                                  const std::string& command_line, MPI_Comm comm, bool quiet);

}  // namespace neurode::app
