#pragma once
/// The `model:` section of an image task for predictive coding (docs/predictive-coding.md):
///   model:
///     type: predictive_coding
///     levels:                       # from the image up
///       - {kind: convolution, channels: 16, kernel: 4, stride: 2, padding: 1}
///       - {kind: dense, units: 64}
///     prior: gaussian               # or sparse
///     k1: 0.5                       # feed-forward error correction, per unit of time
///     k2: 0.3                       # top-down feedback, per unit of time
///     alpha: 0.05                   # prior strength (>= 0)
///     trainable_rates: false        # also train k1, k2, alpha
///     weight_scale: 1.0             # initial weights: N(0, 1) x weight_scale / sqrt(fan-in)
#include <cstdint>
#include <vector>

#include "io/config_reader.hpp"
#include "models/predictive_coding/pc_spec.hpp"

namespace neurode::models {

struct PredictiveCodingSettings {
  PredictiveCodingSpec spec;
  double weight_scale = 1.0;
};

/// Reads and checks `model` for images of shape `input`; throws io::ConfigError naming the key.
PredictiveCodingSettings read_predictive_coding(const io::ConfigNode& model, const LevelShape& input);

/// The initial model parameters: W_l entries N(0, 1) x weight_scale / sqrt(fan-in of G_l^T) from a
/// counter-based stream keyed by (seed, level), then the rates when trainable.
std::vector<double> initial_predictive_coding_parameters(const PredictiveCodingSettings& settings,
                                                         std::uint64_t seed);

}  // namespace neurode::models
