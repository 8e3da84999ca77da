#pragma once
/// The column network's config schema: the `model:` section of simulation and training configs
/// (parameters, areas, connections, input, weights; docs/config.md) and parameter files in the
/// layout of column-parameters.yaml. Bad input raises io::ConfigError naming file, key and line.
#include <string>

#include "io/config_reader.hpp"
#include "models/column/column_parameters.hpp"
#include "models/column/network_builder.hpp"

namespace neurode::models {

struct ColumnModelConfig {
  ColumnParameters parameters = default_column_parameters();
  /// "default", or the parameter file's path (resolved against the config's directory)
  std::string parameters_source = "default";
  NetworkSpec network;
};

/// Reads a `model:` section; `config_path` resolves a relative parameter file. `output.init`
/// replaces the parameter set's read-out weights (the initial weights of a trained read-out).
ColumnModelConfig read_column_model(const io::ConfigNode& model, const std::string& config_path);

/// Reads a parameter file in the layout of column-parameters.yaml (every key required except the
/// optional `feedback` pattern). Throws io::ConfigError naming that file.
ColumnParameters load_column_parameters(const std::string& path);

}  // namespace neurode::models
