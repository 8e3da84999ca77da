#pragma once
/// The noise of a column network from a config's settings: which of V, a, r of which populations,
/// with which sigma, additive or multiplicative. One place for the simulation path and the training
/// tasks, so that a config means the same noise in both.
#include <memory>
#include <vector>

#include "models/column/column_network.hpp"
#include "models/kernels/random_stream.hpp"
#include "models/noise/noise_settings.hpp"
#include "models/noise/wiener_path.hpp"

namespace neurode::models {

/// The noisy components of a trial of a network of `populations` populations: for each chosen
/// variable in the order V, a, r, every population in index order (8 * column + population), with
/// the sigma of its population within the column. The order keeps configs that give a number only
/// (noise on V) on the paths they always had: component j is population j's V.
NoisyComponents column_noisy_components(const NoiseSettings& settings, std::size_t populations);

/// `network` with the noise of `settings` (which must be enabled), one Wiener path per trial from
/// `streams`, on a grid from t0 covering [t0, t_end].
std::unique_ptr<Model> with_column_noise(std::unique_ptr<ColumnNetwork> network,
                                         const NoiseSettings& settings, std::vector<RandomStream> streams,
                                         double t0, double t_end);

}  // namespace neurode::models
