#pragma once
/// The YAML configuration of a simulation (docs/config.md): the network, the trials' drives, the
/// time grid, the solver and the output. Parsing checks every key; bad input raises ConfigError.
#include <cstdint>
#include <string>
#include <vector>

#include "io/config_error.hpp"
#include "io/config_limits.hpp"
#include "io/config_reader.hpp"
#include "models/column/column_parameters.hpp"
#include "models/column/network_builder.hpp"
#include "models/column/piecewise_drive.hpp"
#include "models/noise/noise_settings.hpp"
#include "solvers/solver_settings.hpp"

namespace neurode::setup {

struct OutputSettings {
  std::string file = "neurode-output.h5";  ///< relative paths are relative to the working directory
  std::vector<std::string> variables{"V", "a", "r"};  ///< components of the column's state layout
};

struct SimulationConfig {
  std::string path;         ///< the file it was read from
  std::string source_text;  ///< the file's text, stored in every output for provenance
  std::uint64_t seed = 0;

  models::ColumnParameters parameters = models::default_column_parameters();
  /// "default", or the parameter file's path (resolved against the config's directory)
  std::string parameters_source = "default";
  models::NetworkSpec network;
  /// One drive per trial (the batch), from the `stimulus` section and the `trials` overrides.
  std::vector<models::PiecewiseDrive> trials;
  std::vector<double> initial_state;  ///< empty: zero state
  double t_start = 0.0;
  std::vector<double> output_times;  ///< increasing, first >= t_start; the last is the end time
  solvers::SolverSettings solver;
  OutputSettings output;
  /// Stochastic runs: the noise (models/noise/column_noise.hpp), and `realisations` Wiener paths per
  /// trial (trial-major runs).
  models::NoiseSettings noise;
  std::size_t realisations = 1;
  /// Runs integrated together as one block system; the blocks are spread over the MPI ranks. 16
  /// keeps the vector code busy and still gives every rank work in an ensemble of realisations.
  std::size_t block_size = 16;
};

/// The `solver:` section; shared with training configs.
solvers::SolverSettings read_solver_section(const io::ConfigNode& node);
/// Refuses a fixed step longer than the noise's resolution: no step crosses a grid point of the
/// noise, so such a step would silently become the resolution (names noise.resolution). Refuses a
/// first-order method with multiplicative noise (names noise.type): one such step per interval
/// integrates the grid's field as an Ito SDE, not the interpretation the config asked for.
void check_noise_and_step(const io::ConfigNode& noise, const models::NoiseSettings& settings,
                          const solvers::SolverSettings& solver);

/// Refuses what cannot finish within solver.max_steps steps over `duration_s`: a fixed step that
/// needs more steps (names solver.dt), a noise grid with more intervals (names noise.resolution;
/// every interval ends a step). Long runs that can finish are allowed: they print progress.
void check_run_length(const io::ConfigNode& solver_node, const io::ConfigNode& noise_node,
                      const solvers::SolverSettings& solver, const models::NoiseSettings& noise,
                      double duration_s);

/// Reads and validates a simulation config. Throws ConfigError (file, key path, line, expectation).
SimulationConfig load_simulation_config(const std::string& path);
/// The same from text already in memory; `path` is used in messages and to resolve relative files.
SimulationConfig parse_simulation_config(const std::string& text, const std::string& path);

}  // namespace neurode::setup
