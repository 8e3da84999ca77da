#pragma once
/// The trajectory and solver statistics of `neurode simulate` in the output file
/// (docs/output-format.md): any model's components, named and shaped by its state layout.
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"
#include "models/state_layout.hpp"
#include "solvers/solution.hpp"

namespace neurode::setup {

/// /trajectory/t and /trajectory/<name> for each of `variables` (component names of `layout`):
/// time x shape for one trial, trial x time x shape for several, with attributes units, layout
/// and index.
void write_trajectory(io::Hdf5File& file, const solvers::Solution& solution,
                      const models::StateLayout& layout, std::size_t trials,
                      const std::vector<std::string>& variables);
void write_solver_statistics(io::Hdf5File& file, const std::string& group, const solvers::Solution& solution);

}  // namespace neurode::setup
