#pragma once
// simulate and gradient for hGRU network files (models/hgru/hgru_network_file.hpp).
#include <string>

#include "command_line.hpp"

namespace neurode::app {

int simulate_hgru_file(const CommandLine& cl, const std::string& output);
int gradient_hgru_file(const CommandLine& cl);

}  // namespace neurode::app
