#include "models/noise/wiener_path.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "models/kernels/normal_pairs.hpp"

namespace neurode::models {

namespace {

double checked_sigma(double sigma) {
  if (!(sigma >= 0.0) || !std::isfinite(sigma))
    throw std::invalid_argument("noise: sigma must be finite and >= 0");
  return sigma;
}

}  // namespace

NoisyComponents NoisyComponents::uniform(std::vector<std::size_t> offsets, double sigma) {
  NoisyComponents noisy;
  noisy.sigma.assign(offsets.size(), sigma);
  noisy.offsets = std::move(offsets);
  return noisy;
}

WienerForcing::WienerForcing(double resolution_s, std::vector<double> sigma, std::size_t coarsening)
    : components_(sigma.size()),
      coarsening_(coarsening),
      blocks_per_interval_((sigma.size() + 1) / 2),
      interval_length_(static_cast<double>(coarsening) * resolution_s) {
  for (double s : sigma) checked_sigma(s);
  if (!(resolution_s > 0.0) || !std::isfinite(resolution_s))
    throw std::invalid_argument("noise: the resolution must be a positive time");
  if (coarsening == 0) throw std::invalid_argument("noise: coarsening must be >= 1");
  scale_.reserve(sigma.size());
  for (double s : sigma) scale_.push_back(s * std::sqrt(resolution_s) / interval_length_);
}

WienerForcing::WienerForcing(const NoiseSettings& settings, std::size_t components, std::size_t coarsening)
    : WienerForcing(settings.resolution_s, std::vector<double>(components, checked_sigma(settings.sigma)),
                    coarsening) {}

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
    for (std::size_t j = 0; j < components_; ++j) row[j] *= scale_[j];
  }
}

WienerGrid::WienerGrid(const Model& inner, double resolution_s, NoisyComponents noisy,
                       std::vector<RandomStream> streams, double t0, double t_end, std::size_t coarsening)
    : wiener_(resolution_s, noisy.sigma, coarsening), noisy_(std::move(noisy)), streams_(std::move(streams)) {
  const std::size_t trials = inner.trial_count();
  if (noisy_.offsets.size() != noisy_.sigma.size())
    throw std::invalid_argument("noise: " + std::to_string(noisy_.sigma.size()) + " amplitudes for " +
                                std::to_string(noisy_.offsets.size()) + " noisy components");
  if (streams_.size() != trials)
    throw std::invalid_argument("noise: " + std::to_string(streams_.size()) + " Wiener paths for " +
                                std::to_string(trials) + " trials");
  trial_block_ = inner.state_size() / trials;
  for (std::size_t offset : noisy_.offsets)
    if (offset >= trial_block_)
      throw std::invalid_argument("noise: a noisy component lies outside its trial");
  if (!(t_end > t0)) throw std::invalid_argument("noise: the time span must have t_end > t0");
  const double h = wiener_.interval_length();
  // Intervals cover [t0, t_end]; a last sliver shorter than 1e-9 h is not an interval of its own.
  intervals_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil((t_end - t0) / h - 1e-9)));
  std::vector<double> grid;
  for (std::size_t i = 1; i < intervals_; ++i) grid.push_back(t0 + static_cast<double>(i) * h);
  // Merged breakpoints: a grid point that coincides with one of the model's is that breakpoint.
  const auto& own = inner.breakpoints();
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
  forcing_.resize(trials * kWindow * noisy_.offsets.size());
}

const double* WienerGrid::forcing(std::size_t k, std::size_t trial) {
  const std::size_t m = noisy_.offsets.size();
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

const Model& model_to_add_noise_to(const std::unique_ptr<Model>& inner) {
  if (!inner) throw std::invalid_argument("noise: no model to add noise to");
  return *inner;
}

}  // namespace neurode::models
