#pragma once
/// The `noise:` section of simulation and training configs (docs/config.md): the amplitudes, which
/// components of a column they drive, additive or multiplicative, the interpretation, the
/// resolution.
#include <string>
#include <vector>

#include "io/config_reader.hpp"
#include "models/noise/noise_settings.hpp"

namespace neurode::models {

/// Absent: deterministic (sigma 0). `extra_keys` are further keys the caller reads itself.
/// Multiplicative noise must say its interpretation: the two give different processes, and neither
/// is the obvious reading of every model, so the config states it rather than a default.
NoiseSettings read_noise_section(const io::ConfigNode& node, std::vector<std::string> extra_keys = {});

}  // namespace neurode::models
