#pragma once
// `noise.path: tree` in `neurode simulate`: the runs of a block integrated by the adaptive SDE
// solver on Brownian trees (solvers/sde/additive_sde.hpp) instead of a PETSc TS on the grid path.
#include <functional>
#include <string>
#include <vector>

#include "models/column/column_network.hpp"
#include "models/column/network_builder.hpp"
#include "setup/simulation_config.hpp"
#include "solvers/solution.hpp"

namespace neurode::app {

/// Integrates runs [first, first + count) of `config` from the initial states y0 (count runs end to
/// end): run k's tree is keyed like its grid path, by (seed, realisation x trials + trial).
using BlockSolve =
    std::function<solvers::Solution(std::size_t first, std::size_t count, const std::vector<double>& y0)>;
BlockSolve tree_noise_block_solve(const setup::SimulationConfig& config,
                                  const models::NetworkWeights& weights,
                                  const models::ColumnConstants& constants);
/// What the block solve runs, e.g. "SRA1 on Brownian trees, adaptive (rtol 1e-06, atol 1e-06)".
std::string tree_noise_method(const solvers::SolverSettings& solver);

}  // namespace neurode::app
