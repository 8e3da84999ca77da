#pragma once
/// Writes a solution of a column network to /trajectory and its solver statistics to /solver
/// (layout in docs/output-format.md).
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"
#include "solvers/solution.hpp"

namespace neurode::setup {

/// `variables` is a subset of {"V", "a", "r"}. One trial gives (time x population) datasets; a
/// batch of B trials gives (trial x time x population).
void write_trajectory(io::Hdf5File& file, const solvers::Solution& solution, std::size_t populations,
                      std::size_t trials, const std::vector<std::string>& variables);
void write_solver_statistics(io::Hdf5File& file, const std::string& group, const solvers::Solution& solution);

}  // namespace neurode::setup
