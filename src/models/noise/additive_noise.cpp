#include "models/noise/additive_noise.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "models/kernels/normal_pairs.hpp"

namespace neurode::models {

WienerForcing::WienerForcing(NoiseSettings settings, std::size_t components, std::size_t coarsening)
    : settings_(settings),
      components_(components),
      coarsening_(coarsening),
      blocks_per_interval_((components + 1) / 2),
      interval_length_(static_cast<double>(coarsening) * settings.resolution_s),
      scale_(settings.sigma * std::sqrt(settings.resolution_s) / interval_length_) {
  if (!(settings.sigma >= 0.0) || !std::isfinite(settings.sigma))
    throw std::invalid_argument("noise: sigma must be finite and >= 0");
  if (!(settings.resolution_s > 0.0) || !std::isfinite(settings.resolution_s))
    throw std::invalid_argument("noise: the resolution must be a positive time");
  if (coarsening == 0) throw std::invalid_argument("noise: coarsening must be >= 1");
}

void WienerForcing::intervals(const RandomStream& stream, std::uint64_t k, std::size_t count,
                              double* out) const {
  // Base interval q holds blocks [q B, (q + 1) B): component j is normal j of the pairs drawn from
  // block q B on. A coarse interval sums its base increments in order, so a coarser view of the path
  // is the same path.
  const std::size_t base_intervals = count * coarsening_, per_base = 2 * blocks_per_interval_;
  normals_.resize(base_intervals * per_base);
  normal_pairs(stream, k * coarsening_ * blocks_per_interval_, base_intervals * blocks_per_interval_,
               normals_.data());
  for (std::size_t i = 0; i < count; ++i) {
    double* row = out + i * components_;
    std::fill(row, row + components_, 0.0);
    for (std::size_t c = 0; c < coarsening_; ++c) {
      const double* base = &normals_[(i * coarsening_ + c) * per_base];
      for (std::size_t j = 0; j < components_; ++j) row[j] += base[j];
    }
    for (std::size_t j = 0; j < components_; ++j) row[j] *= scale_;
  }
}

AdditiveNoise::AdditiveNoise(std::unique_ptr<Model> inner, NoiseSettings settings,
                             std::vector<std::size_t> noisy, std::vector<RandomStream> streams, double t0,
                             double t_end, std::size_t coarsening)
    : inner_(std::move(inner)),
      wiener_(settings, noisy.size(), coarsening),
      noisy_(std::move(noisy)),
      streams_(std::move(streams)) {
  const std::size_t trials = inner_->trial_count();
  if (streams_.size() != trials)
    throw std::invalid_argument("noise: " + std::to_string(streams_.size()) + " Wiener paths for " +
                                std::to_string(trials) + " trials");
  trial_block_ = inner_->state_size() / trials;
  for (std::size_t offset : noisy_)
    if (offset >= trial_block_)
      throw std::invalid_argument("noise: a noisy component lies outside its trial");
  if (!(t_end > t0)) throw std::invalid_argument("noise: the time span must have t_end > t0");
  const double h = wiener_.interval_length();
  // Intervals cover [t0, t_end]; a last sliver shorter than 1e-9 h is not an interval of its own.
  intervals_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil((t_end - t0) / h - 1e-9)));
  std::vector<double> grid;
  for (std::size_t i = 1; i < intervals_; ++i) grid.push_back(t0 + static_cast<double>(i) * h);
  // Merged breakpoints: a grid point that coincides with one of the model's is that breakpoint.
  const auto& own = inner_->breakpoints();
  breakpoints_ = own;
  for (double g : grid) {
    const auto near = std::lower_bound(own.begin(), own.end(), g - 1e-9 * h);
    if (near == own.end() || *near > g + 1e-9 * h) breakpoints_.push_back(g);
  }
  std::sort(breakpoints_.begin(), breakpoints_.end());
  // Segment g starts at breakpoint g - 1 (segment 0: before the first, where both start).
  inner_segment_.push_back(0);
  interval_of_segment_.push_back(0);
  for (double start : breakpoints_) {
    inner_segment_.push_back(segment_at(own, start));
    interval_of_segment_.push_back(std::min(segment_at(grid, start), intervals_ - 1));
  }
  forcing_.resize(trials * kWindow * noisy_.size());
}

const double* AdditiveNoise::forcing(std::size_t k, std::size_t trial) {
  const std::size_t m = noisy_.size();
  if (k < window_start_ || k >= window_start_ + window_size_) {
    // Forward: a window from k on; backward (k before the window): a window that ends at k.
    const bool backward = window_size_ > 0 && k < window_start_;
    window_start_ = backward ? (k + 1 >= kWindow ? k + 1 - kWindow : 0) : k;
    window_size_ = std::min(kWindow, intervals_ - window_start_);
    for (std::size_t b = 0; b < streams_.size(); ++b)
      wiener_.intervals(streams_[b], window_start_, window_size_, &forcing_[b * kWindow * m]);
  }
  return &forcing_[(trial * kWindow + (k - window_start_)) * m];
}

void AdditiveNoise::add_forcing(std::size_t segment, double* dydt) {
  const std::size_t k = interval_of_segment_[segment], m = noisy_.size();
  for (std::size_t trial = 0; trial < streams_.size(); ++trial) {
    double* block = dydt + trial * trial_block_;
    const double* row = forcing(k, trial);
    for (std::size_t j = 0; j < m; ++j) block[noisy_[j]] += row[j];
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
