#include "models/noise/column_noise.hpp"

#include "models/noise/additive_noise.hpp"
#include "models/noise/multiplicative_noise.hpp"

namespace neurode::models {

NoisyComponents column_noisy_components(const NoiseSettings& settings, std::size_t populations) {
  NoisyComponents noisy;
  bool chosen = false;
  for (const auto& values : settings.column_sigma) chosen = chosen || !values.empty();
  const auto per_column = static_cast<std::size_t>(kPopulationsPerColumn);
  for (std::size_t v = 0; v < settings.column_sigma.size(); ++v) {
    const std::vector<double>& sigma = settings.column_sigma[v];
    if (chosen ? sigma.empty() : v != 0) continue;
    for (std::size_t i = 0; i < populations; ++i) {
      noisy.offsets.push_back(v * populations + i);
      noisy.sigma.push_back(chosen ? sigma.at(i % per_column) : settings.sigma);
    }
  }
  return noisy;
}

std::unique_ptr<Model> with_column_noise(std::unique_ptr<ColumnNetwork> network,
                                         const NoiseSettings& settings, std::vector<RandomStream> streams,
                                         double t0, double t_end) {
  NoisyComponents noisy = column_noisy_components(settings, network->populations());
  if (settings.type == NoiseType::multiplicative)
    return std::make_unique<MultiplicativeNoise>(std::move(network), settings.resolution_s, std::move(noisy),
                                                 settings.interpretation, std::move(streams), t0, t_end);
  return std::make_unique<AdditiveNoise>(std::move(network), settings.resolution_s, std::move(noisy),
                                         std::move(streams), t0, t_end);
}

}  // namespace neurode::models
