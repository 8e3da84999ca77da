#pragma once
// simulate and gradient for predictive-coding network files (models/predictive_coding/pc_network_file.hpp).
#include <string>

#include "command_line.hpp"

namespace neurode::app {

int simulate_predictive_coding_file(const CommandLine& cl, const std::string& output);
int gradient_predictive_coding_file(const CommandLine& cl);

}  // namespace neurode::app
