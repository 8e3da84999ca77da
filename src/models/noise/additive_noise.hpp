#pragma once
/// A stochastic model dy = F(t, y) dt + sigma dW on chosen components of every trial (the column
/// model: the membrane potentials V), built around any deterministic Model.
///
/// The Wiener path of each trial is fixed before the solve: its increments over a grid of spacing
/// `resolution` are counter-based normals keyed by (seed, the trial's stream, interval, component),
/// and on grid interval k the noise is the constant forcing sigma dW_k / resolution. Between grid
/// points the model is an ODE, smooth where F is, so that every solver of the project integrates it
/// unchanged (fixed or adaptive, explicit or implicit) and every gradient method differentiates it:
///   - forward Euler with dt = resolution is the Euler-Maruyama scheme;
///   - an adaptive solver may reject and retry steps without drawing new noise (the path does not
///     depend on the steps), so adaptive stepping leaves no artefacts;
///   - as the resolution goes to 0, solutions converge to the SDE's strongly, with order 1 for
///     additive noise (tests/unit/additive_noise.cpp measures it);
///   - a trial's path depends only on its stream, never on its batch, MPI rank or the solver.
/// The noise does not depend on the parameters or the state, so every derivative product is the
/// deterministic model's.
#include <cstdint>
#include <memory>
#include <vector>

#include "models/kernels/random_stream.hpp"
#include "models/model.hpp"

namespace neurode::models {

/// Noise of a stochastic run; sigma = 0 means a deterministic run.
struct NoiseSettings {
  double sigma = 0.0;          ///< amplitude, in the noisy components' units per sqrt(second)
  double resolution_s = 1e-4;  ///< spacing of the Wiener path's grid, s; no step crosses a grid point
  bool enabled() const { return sigma > 0.0; }
};

/// The forcing of one trial's Wiener path: sigma dW / h on each interval of length h = coarsening x
/// resolution, where dW sums `coarsening` increments of the base grid, each sqrt(resolution) times
/// a standard normal from normal_pairs.hpp (vector code, the same bits on any CPU). coarsening > 1
/// gives the same path seen at a coarser resolution (the strong-convergence test).
class WienerForcing {
 public:
  WienerForcing(NoiseSettings settings, std::size_t components, std::size_t coarsening = 1);
  /// sigma dW / h of every component on intervals [k, k + count) of `stream` into out (count rows of
  /// components values). Consecutive intervals are consecutive random blocks, drawn in one go.
  void intervals(const RandomStream& stream, std::uint64_t k, std::size_t count, double* out) const;
  double interval_length() const { return interval_length_; }
  std::size_t components() const { return components_; }

 private:
  NoiseSettings settings_;
  std::size_t components_;
  std::size_t coarsening_;
  std::size_t blocks_per_interval_;  ///< random blocks of one base interval (two normals each)
  double interval_length_;
  double scale_;                         ///< sigma sqrt(resolution) / h: a base increment's normal -> forcing
  mutable std::vector<double> normals_;  ///< scratch of intervals() (not thread-safe)
};

class AdditiveNoise final : public Model {
 public:
  /// `noisy` are the offsets of the noisy components within one trial's block of the state (the
  /// column model: 0 .. populations - 1, its V). `streams` holds one per trial. The grid starts at t0
  /// and covers [t0, t_end].
  AdditiveNoise(std::unique_ptr<Model> inner, NoiseSettings settings, std::vector<std::size_t> noisy,
                std::vector<RandomStream> streams, double t0, double t_end, std::size_t coarsening = 1);

  std::size_t state_size() const override { return inner_->state_size(); }
  std::size_t trial_count() const override { return inner_->trial_count(); }
  std::size_t parameter_size() const override { return inner_->parameter_size(); }
  StateLayout state_layout() const override { return inner_->state_layout(); }
  /// The inner model's breakpoints and the grid's, merged.
  const std::vector<double>& breakpoints() const override { return breakpoints_; }

  void rhs(double t, std::size_t segment, const double* y, double* dydt) override;
  void jacobian_vector(double t, std::size_t segment, const double* y, const double* v,
                       double* out) override {
    inner_->jacobian_vector(t, inner_segment(segment), y, v, out);
  }
  void jacobian_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                 double* out) override {
    inner_->jacobian_transpose_vector(t, inner_segment(segment), y, w, out);
  }
  void parameter_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                  double* grad) override {
    inner_->parameter_transpose_vector(t, inner_segment(segment), y, w, grad);
  }
  void vector_jacobian_products(double t, std::size_t segment, const double* y, const double* w, double* out,
                                double* grad) override {
    inner_->vector_jacobian_products(t, inner_segment(segment), y, w, out, grad);
  }
  std::size_t linearisation_size() const override { return inner_->linearisation_size(); }
  void rhs_recording(double t, std::size_t segment, const double* y, double* dydt,
                     double* linearisation) override;
  void rhs_from_linearisation(double t, std::size_t segment, const double* y, const double* linearisation,
                              double* dydt) override;
  bool linearised_products_read_state() const override { return inner_->linearised_products_read_state(); }
  void vector_jacobian_products_from_linearisation(double t, std::size_t segment, const double* y,
                                                   const double* linearisation, const double* w, double* out,
                                                   double* grad) override {
    inner_->vector_jacobian_products_from_linearisation(t, inner_segment(segment), y, linearisation, w, out,
                                                        grad);
  }
  std::string name() const override { return "additive noise on " + inner_->name(); }
  bool has_assembled_jacobian() const override { return inner_->has_assembled_jacobian(); }
  bool has_assembled_parameter_jacobian() const override {
    return inner_->has_assembled_parameter_jacobian();
  }
  void jacobian_entries(double t, std::size_t segment, const double* y,
                        std::vector<MatrixEntry>& entries) override {
    inner_->jacobian_entries(t, inner_segment(segment), y, entries);
  }
  void parameter_jacobian_entries(double t, std::size_t segment, const double* y,
                                  std::vector<MatrixEntry>& entries) override {
    inner_->parameter_jacobian_entries(t, inner_segment(segment), y, entries);
  }
  std::vector<double> parameters() const override { return inner_->parameters(); }
  void set_parameters(const std::vector<double>& values) override { inner_->set_parameters(values); }

  Model& inner() { return *inner_; }
  /// The forcing of trial `trial` on grid interval k (one value per noisy component).
  const double* forcing(std::size_t k, std::size_t trial);
  std::size_t intervals() const { return intervals_; }

 private:
  std::size_t inner_segment(std::size_t segment) const { return inner_segment_[segment]; }
  void add_forcing(std::size_t segment, double* dydt);

  std::unique_ptr<Model> inner_;
  WienerForcing wiener_;
  std::vector<std::size_t> noisy_;
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

}  // namespace neurode::models
