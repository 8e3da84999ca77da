#include "models/noise/additive_noise.hpp"

#include <stdexcept>

namespace neurode::models {

AdditiveNoise::AdditiveNoise(std::unique_ptr<Model> inner, double resolution_s, NoisyComponents noisy,
                             std::vector<RandomStream> streams, double t0, double t_end,
                             std::size_t coarsening)
    : inner_(std::move(inner)),
      grid_(model_to_add_noise_to(inner_), resolution_s, std::move(noisy), std::move(streams), t0, t_end,
            coarsening) {}

AdditiveNoise::AdditiveNoise(std::unique_ptr<Model> inner, const NoiseSettings& settings,
                             std::vector<std::size_t> noisy, std::vector<RandomStream> streams, double t0,
                             double t_end, std::size_t coarsening)
    : AdditiveNoise(std::move(inner), settings.resolution_s,
                    NoisyComponents::uniform(std::move(noisy), settings.sigma), std::move(streams), t0, t_end,
                    coarsening) {}

void AdditiveNoise::add_forcing(std::size_t segment, double* dydt) {
  const std::size_t k = grid_.interval(segment), block = grid_.trial_block();
  const std::vector<std::size_t>& offsets = grid_.noisy().offsets;
  for (std::size_t trial = 0; trial < grid_.trials(); ++trial) {
    double* out = dydt + trial * block;
    const double* row = grid_.forcing(k, trial);
    for (std::size_t j = 0; j < offsets.size(); ++j) out[offsets[j]] += row[j];
  }
}

void AdditiveNoise::rhs(double t, std::size_t segment, const double* y, double* dydt) {
  inner_->rhs(t, inner_segment(segment), y, dydt);
  add_forcing(segment, dydt);
}

void AdditiveNoise::rhs_recording(double t, std::size_t segment, const double* y, double* dydt,
                                  double* linearisation) {
  inner_->rhs_recording(t, inner_segment(segment), y, dydt, linearisation);
  add_forcing(segment, dydt);
}

void AdditiveNoise::rhs_from_linearisation(double t, std::size_t segment, const double* y,
                                           const double* linearisation, double* dydt) {
  inner_->rhs_from_linearisation(t, inner_segment(segment), y, linearisation, dydt);
  add_forcing(segment, dydt);
}

}  // namespace neurode::models
