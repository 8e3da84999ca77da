#pragma once
/// A network given explicitly in the layout of the reference files: datasets W (target x source),
/// W_ff, W_bg, kappa, input_times, input_rates (segments x N), y0 ([V, a, r]) and t; constants as
/// attributes (tau_s, tau_m, tau_a, R, nu_bg; defaults from the model when absent). Optionally a
/// gradient problem: grad_entries (P x 2: target, source), loss_target_populations and
/// loss_target_rates.
#include <string>
#include <vector>

#include "models/column/column_network.hpp"

namespace neurode::models {

struct NetworkFile {
  std::string path;
  models::NetworkWeights weights;  ///< parameters = grad_entries when present
  models::ColumnConstants constants;
  models::PiecewiseDrive drive;
  std::vector<double> initial_state;
  std::vector<double> times;
  std::vector<std::size_t> loss_populations;
  std::vector<double> loss_target_rates;
};

/// Reads and checks the file; throws Hdf5Error naming the file and the dataset at fault.
NetworkFile load_network_file(const std::string& path);

}  // namespace neurode::models
