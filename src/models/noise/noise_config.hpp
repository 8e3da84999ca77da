#pragma once
/// The `noise:` section of simulation and training configs (docs/config.md): sigma and resolution.
#include <string>
#include <vector>

#include "io/config_reader.hpp"
#include "models/noise/additive_noise.hpp"

namespace neurode::models {

/// Absent: deterministic (sigma 0). `extra_keys` are further keys the caller reads itself.
NoiseSettings read_noise_section(const io::ConfigNode& node, std::vector<std::string> extra_keys = {});

}  // namespace neurode::models
