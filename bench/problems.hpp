#pragma once
// The problems every benchmark, the floor and the PyTorch baseline share (bench/compare.sh):
//  - WTA: the network of wta_two_columns.h5 / gradient_wta.h5 (2 MT columns, 48 states, 0.15 s,
//    outputs every 0.1 ms) with gradient_wta.h5's loss: mean over the 1501 outputs of
//    (r_0 - 5)^2 + (r_8 - 1)^2, gradient with respect to W[1,8], W[9,0], W[0,0], W[8,8];
//  - a batch of B WTA trials: trial b drives column A with 20 + b Hz and column B with 35 - b Hz;
//  - XOR: areas [mt 2, mt 1], small network, trainable feed-forward and input weights (72 states),
//    0.5 s silent then 0.5 s with 20 Hz on the pattern's channels; loss (r_16(1 s) - target)^2 with
//    target 1.0 for XOR-true patterns and 0.25 otherwise; trial b uses pattern (b + 1) mod 4;
//  - parity: areas [mt 8, mt 4, mt 1], full size, lateral + feed-forward + 4 input channels (312 states).
#include <memory>
#include <string>
#include <vector>

#include "models/column/column_network.hpp"
#include "train/trajectory_loss.hpp"

namespace neurode::bench {

/// NEURODE_REFERENCE_DIR from the environment, else the directory configured at build time.
std::string reference_path(const std::string& name);

struct GradientProblem {
  std::unique_ptr<models::ColumnNetwork> model;
  std::vector<double> y0;
  std::vector<double> times;
  std::unique_ptr<train::TrajectoryLoss> loss;
  // What the PyTorch baseline needs to rebuild the problem (bench/baselines/column_torch.py).
  std::vector<models::PiecewiseDrive> drives;
  std::vector<std::size_t> loss_populations;
  std::vector<double> targets;              ///< trials x observations x loss populations
  std::vector<double> observation_weights;  ///< one per output time
};

/// The WTA trial of wta_two_columns.h5 (no trainable parameters, no loss), for forward solves, with
/// every `output_stride`-th of its 1501 output times (stride 100: every 10 ms, 16 outputs).
struct ForwardProblem {
  std::unique_ptr<models::ColumnNetwork> model;
  std::vector<double> y0;
  std::vector<double> times;
};
ForwardProblem wta_trial(std::size_t output_stride = 1);

GradientProblem wta_problem(std::size_t trials = 1);
GradientProblem xor_problem(std::size_t trials = 1);

/// A model and a state to evaluate its products at.
struct ModelCase {
  std::unique_ptr<models::ColumnNetwork> model;
  std::vector<double> y;
};
ModelCase wta_model(std::size_t trials = 1);
ModelCase xor_model();
ModelCase parity_model();

}  // namespace neurode::bench
