#pragma once
/// The Wiener paths of a batch of trials on a fixed grid, shared by the additive and the
/// multiplicative noise models: they differ only in how the forcing enters the vector field.
///
/// The path of each trial is fixed before the solve: its increments over a grid of spacing
/// `resolution` are counter-based normals keyed by (seed, the trial's stream, interval, component),
/// so that it depends only on the trial's stream, never on its batch, the MPI rank or the solver's
/// steps (an adaptive solver may reject and retry a step without drawing new noise). The grid points
/// are breakpoints of the model, so that no step crosses one and the forcing is constant within a
/// step.
#include <cstdint>
#include <memory>
#include <vector>

#include "models/kernels/random_stream.hpp"
#include "models/model.hpp"
#include "models/noise/noise_settings.hpp"

namespace neurode::models {

/// Which components of one trial's block of the state are noisy, and the sigma of each. Components
/// with sigma 0 keep their place (and their normals), so that zeroing one amplitude leaves the
/// others' paths as they were.
struct NoisyComponents {
  std::vector<std::size_t> offsets;
  std::vector<double> sigma;
  /// `offsets`, each with the same sigma.
  static NoisyComponents uniform(std::vector<std::size_t> offsets, double sigma);
};

/// The forcing of one trial's Wiener path: sigma_j dW_j / h on each interval of length h =
/// coarsening x resolution, where dW sums `coarsening` increments of the base grid, each
/// sqrt(resolution) times a standard normal from normal_pairs.hpp (vector code, the same bits on
/// any CPU). coarsening > 1 gives the same path seen at a coarser resolution (the strong-convergence
/// test).
class WienerForcing {
 public:
  /// One sigma per component.
  WienerForcing(double resolution_s, std::vector<double> sigma, std::size_t coarsening = 1);
  /// `components` components with settings.sigma each.
  WienerForcing(const NoiseSettings& settings, std::size_t components, std::size_t coarsening = 1);
  /// sigma dW / h of every component on intervals [k, k + count) of `stream` into out (count rows of
  /// components values). Consecutive intervals are consecutive random blocks, drawn in one go.
  void intervals(const RandomStream& stream, std::uint64_t k, std::size_t count, double* out) const;
  double interval_length() const { return interval_length_; }
  std::size_t components() const { return components_; }

 private:
  std::size_t components_;
  std::size_t coarsening_;
  std::size_t blocks_per_interval_;  ///< random blocks of one base interval (two normals each)
  double interval_length_;
  std::vector<double> scale_;            ///< sigma_j sqrt(resolution) / h: a base normal -> forcing
  mutable std::vector<double> normals_;  ///< scratch of intervals() (not thread-safe)
};

/// The grid of a batch's Wiener paths merged with a model's breakpoints, and the forcing of each
/// grid interval, drawn as the solve reaches it.
class WienerGrid {
 public:
  /// `inner` is the deterministic model (its breakpoints and trial count); `streams` holds one per
  /// trial. The grid starts at t0 and covers [t0, t_end].
  WienerGrid(const Model& inner, double resolution_s, NoisyComponents noisy,
             std::vector<RandomStream> streams, double t0, double t_end, std::size_t coarsening = 1);

  /// The inner model's breakpoints and the grid's, merged.
  const std::vector<double>& breakpoints() const { return breakpoints_; }
  /// The inner model's segment and the grid interval of a segment of the merged breakpoints.
  std::size_t inner_segment(std::size_t segment) const { return inner_segment_[segment]; }
  std::size_t interval(std::size_t segment) const { return interval_of_segment_[segment]; }
  /// sigma_j dW_j / h of trial `trial` on grid interval k (one value per noisy component).
  const double* forcing(std::size_t k, std::size_t trial);
  std::size_t intervals() const { return intervals_; }
  std::size_t trials() const { return streams_.size(); }
  std::size_t trial_block() const { return trial_block_; }
  const NoisyComponents& noisy() const { return noisy_; }

 private:
  WienerForcing wiener_;
  NoisyComponents noisy_;
  std::vector<RandomStream> streams_;
  std::size_t trial_block_;
  std::size_t intervals_;
  std::vector<double> breakpoints_;
  std::vector<std::size_t> inner_segment_, interval_of_segment_;
  // The forcing of a window of kWindow intervals, [trial][interval - window start][component]. The
  // forward solve walks the intervals in order, so each is drawn once, kWindow at a time (long runs
  // of random blocks for the vector code); a backward walk draws windows that end at the interval
  // it asks for. An interval drawn again has the same bits.
  static constexpr std::size_t kWindow = 32;
  std::vector<double> forcing_;
  std::size_t window_start_ = 0, window_size_ = 0;
};

/// `inner`, which the noise models' WienerGrid reads before they own it; throws
/// std::invalid_argument when there is none.
const Model& model_to_add_noise_to(const std::unique_ptr<Model>& inner);

}  // namespace neurode::models
