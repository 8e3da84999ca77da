#pragma once
// `noise.path: tree` in `neurode simulate`: the runs of a block integrated by the adaptive SDE
// solver on Brownian trees (solvers/sde/additive_sde.hpp) instead of a PETSc TS on the grid path.
#include <string>

#include "models/column/column_network.hpp"
#include "models/column/network_builder.hpp"
#include "setup/simulation_config.hpp"
#include "simulation_ensemble.hpp"
#include "solvers/solution.hpp"

namespace neurode::app {

/// The block solve of `config`'s runs: run k's tree is keyed like its grid path, by
/// (seed, realisation x trials + trial).
BlockSolve tree_noise_block_solve(const setup::SimulationConfig& config,
                                  const models::NetworkWeights& weights,
                                  const models::ColumnConstants& constants);
/// What the block solve runs, e.g. "SRA1 on Brownian trees, adaptive (rtol 1e-06, atol 1e-06)".
std::string tree_noise_method(const solvers::SolverSettings& solver);

}  // namespace neurode::app
