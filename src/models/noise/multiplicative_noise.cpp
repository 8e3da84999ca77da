#include "models/noise/multiplicative_noise.hpp"

#include <stdexcept>

namespace neurode::models {

MultiplicativeNoise::MultiplicativeNoise(std::unique_ptr<Model> inner, double resolution_s,
                                         NoisyComponents noisy, NoiseInterpretation interpretation,
                                         std::vector<RandomStream> streams, double t0, double t_end,
                                         std::size_t coarsening)
    : inner_(std::move(inner)),
      grid_(model_to_add_noise_to(inner_), resolution_s, std::move(noisy), std::move(streams), t0, t_end,
            coarsening),
      interpretation_(interpretation) {
  for (double s : grid_.noisy().sigma)
    correction_.push_back(interpretation == NoiseInterpretation::ito ? 0.5 * s * s : 0.0);
}

void MultiplicativeNoise::add_diagonal(std::size_t segment, const double* x, double* out) {
  const std::size_t k = grid_.interval(segment), block = grid_.trial_block();
  const std::vector<std::size_t>& offsets = grid_.noisy().offsets;
  for (std::size_t trial = 0; trial < grid_.trials(); ++trial) {
    const double* row = grid_.forcing(k, trial);
    const double* in = x + trial * block;
    double* o = out + trial * block;
    for (std::size_t j = 0; j < offsets.size(); ++j)
      o[offsets[j]] += (row[j] - correction_[j]) * in[offsets[j]];
  }
}

void MultiplicativeNoise::rhs(double t, std::size_t segment, const double* y, double* dydt) {
  inner_->rhs(t, inner_segment(segment), y, dydt);
  add_diagonal(segment, y, dydt);
}

void MultiplicativeNoise::jacobian_vector(double t, std::size_t segment, const double* y, const double* v,
                                          double* out) {
  inner_->jacobian_vector(t, inner_segment(segment), y, v, out);
  add_diagonal(segment, v, out);
}

void MultiplicativeNoise::jacobian_transpose_vector(double t, std::size_t segment, const double* y,
                                                    const double* w, double* out) {
  inner_->jacobian_transpose_vector(t, inner_segment(segment), y, w, out);
  add_diagonal(segment, w, out);
}

void MultiplicativeNoise::vector_jacobian_products(double t, std::size_t segment, const double* y,
                                                   const double* w, double* out, double* grad) {
  inner_->vector_jacobian_products(t, inner_segment(segment), y, w, out, grad);
  add_diagonal(segment, w, out);
}

void MultiplicativeNoise::rhs_recording(double t, std::size_t segment, const double* y, double* dydt,
                                        double* linearisation) {
  inner_->rhs_recording(t, inner_segment(segment), y, dydt, linearisation);
  add_diagonal(segment, y, dydt);
}

void MultiplicativeNoise::rhs_from_linearisation(double t, std::size_t segment, const double* y,
                                                 const double* linearisation, double* dydt) {
  inner_->rhs_from_linearisation(t, inner_segment(segment), y, linearisation, dydt);
  add_diagonal(segment, y, dydt);
}

void MultiplicativeNoise::vector_jacobian_products_from_linearisation(double t, std::size_t segment,
                                                                      const double* y,
                                                                      const double* linearisation,
                                                                      const double* w, double* out,
                                                                      double* grad) {
  inner_->vector_jacobian_products_from_linearisation(t, inner_segment(segment), y, linearisation, w, out,
                                                      grad);
  add_diagonal(segment, w, out);
}

void MultiplicativeNoise::jacobian_entries(double t, std::size_t segment, const double* y,
                                           std::vector<MatrixEntry>& entries) {
  inner_->jacobian_entries(t, inner_segment(segment), y, entries);
  const std::size_t k = grid_.interval(segment), block = grid_.trial_block();
  const std::vector<std::size_t>& offsets = grid_.noisy().offsets;
  for (std::size_t trial = 0; trial < grid_.trials(); ++trial) {
    const double* row = grid_.forcing(k, trial);
    for (std::size_t j = 0; j < offsets.size(); ++j) {
      const std::size_t i = trial * block + offsets[j];
      entries.push_back({i, i, row[j] - correction_[j]});
    }
  }
}

}  // namespace neurode::models
