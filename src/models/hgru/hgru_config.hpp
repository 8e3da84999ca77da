#pragma once
/// The `model:` section of an image task for the hGRU (docs/hgru.md):
///   model:
///     type: hgru
///     channels: 8            # C, the channels of X, H1 and H2
///     kernel: 7              # the horizontal kernel W (odd)
///     zeta: tanh             # or relu
///     symmetric: true        # W = (V + V^T)/2 across channels, as in the original
///     timesteps: 8           # the discrete hGRU's steps: tau = duration / timesteps at the start,
///                            # and the gate-bias initialisation b1 = -log U(1, timesteps - 1)
///     trainable_tau: false
///     weight_scale: 1.0      # W, U1, U2: N(0, 1) x weight_scale / sqrt(fan-in)
///     front_end: {kernel: 7, init: gabor, trainable: false}   # X = F * image + f
#include <cstdint>
#include <vector>

#include "io/config_reader.hpp"
#include "models/hgru/hgru.hpp"

namespace neurode::models {

struct HgruSettings {
  HgruSpec spec;  ///< with its front end (front_kernel > 0)
  std::size_t timesteps = 8;
  bool trainable_tau = false;
  double weight_scale = 1.0;
  bool gabor_front_end = true;  ///< F starts as a Gabor bank (else N(0, 1) / sqrt(fan-in))
  bool trainable_front_end = false;
};

/// Reads and checks `model` for images of `input_channels` x `height` x `width`; throws
/// io::ConfigError naming the key.
HgruSettings read_hgru(const io::ConfigNode& model, std::size_t input_channels, std::size_t height,
                       std::size_t width);

/// A bank of `channels` even (cosine) Gabor filters of size k x k at orientations pi c / channels,
/// wavelength k / 2, envelope sigma k / 4, each of zero mean and unit norm, spread evenly over
/// the input channels: [channels, input_channels, k, k].
std::vector<double> gabor_bank(std::size_t channels, std::size_t input_channels, std::size_t kernel);

/// The initial parameters (hgru_parameter_arrays order): W (or V), U1, U2 from counter-based
/// streams keyed by (seed, array); b1 = -log U(1, timesteps - 1), b2 = -b1; alpha 0.1, mu 1,
/// gamma 1, kappa 0.5, omega 0.5 (the original's); tau = duration / timesteps; the front end.
std::vector<double> initial_hgru_parameters(const HgruSettings& settings, double duration,
                                            std::uint64_t seed);

}  // namespace neurode::models
