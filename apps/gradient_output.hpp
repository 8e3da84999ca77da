#pragma once
// What every `neurode gradient` result holds besides its gradients: the method and cost figures,
// the trajectory, the solver statistics, the config and the provenance; and the summary line.
#include "command_line.hpp"
#include "io/hdf5_file.hpp"
#include "models/state_layout.hpp"
#include "solvers/gradient.hpp"

namespace neurode::app {

void write_gradient_context(io::Hdf5File& file, const solvers::GradientResult& result,
                            const models::StateLayout& layout, const CommandLine& cl);
void print_gradient_summary(const solvers::GradientResult& result, const std::string& output);

}  // namespace neurode::app
