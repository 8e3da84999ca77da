#pragma once
/// What a config says about the noise of a stochastic run, before any model is built: the models
/// (additive_noise.hpp, multiplicative_noise.hpp) take offsets and amplitudes, and
/// column_noise.hpp turns these settings into them for a column network.
#include <array>
#include <vector>

namespace neurode::models {

/// sigma dW (state-independent) or sigma y dW (linear in the component it drives).
enum class NoiseType { additive, multiplicative };
/// How sigma(y) dW is read. The grid's piecewise-constant forcing integrates to the Stratonovich
/// solution; Ito is Stratonovich plus a drift correction (multiplicative_noise.hpp). For additive
/// noise the two are the same process.
enum class NoiseInterpretation { stratonovich, ito };

/// Where the Wiener path lives: on a grid of `resolution` that no step crosses (every solver and
/// gradient method of the project integrates it), or on a Brownian tree that answers any interval,
/// for the adaptive SDE steps of solvers/sde/additive_sde.hpp (neurode simulate, additive noise).
enum class NoisePath { grid, tree };

/// The state variables of a column population that noise may drive, in the order of the column
/// state layout (and of the noisy components of a trial, which fixes which normal drives which).
inline constexpr std::array<const char*, 3> kColumnNoiseVariables = {"V", "a", "r"};

/// Noise of a stochastic run; no positive sigma anywhere means a deterministic run.
struct NoiseSettings {
  /// The amplitude of every noisy component when column_sigma is empty (and the largest of them
  /// otherwise, for messages). Additive: the components' units per sqrt(second); multiplicative:
  /// 1 / sqrt(second).
  double sigma = 0.0;
  double resolution_s = 1e-4;  ///< spacing of the Wiener path's grid, s; no step crosses a grid point
  NoisePath path = NoisePath::grid;
  double tree_leaf_s = 1e-6;  ///< NoisePath::tree: the tree's leaves are at most this long, s
  NoiseType type = NoiseType::additive;
  NoiseInterpretation interpretation = NoiseInterpretation::stratonovich;
  /// Column models: for each of V, a, r (kColumnNoiseVariables), the sigma of each population of a
  /// column (kPopulationsPerColumn values, the same for every column), or empty when that variable
  /// gets no noise. All empty: `sigma` on V, the noise of configs that give only a number.
  std::array<std::vector<double>, 3> column_sigma{};

  bool enabled() const {
    if (sigma > 0.0) return true;
    for (const auto& values : column_sigma)
      for (double s : values)
        if (s > 0.0) return true;
    return false;
  }
};

}  // namespace neurode::models
