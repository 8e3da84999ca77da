#pragma once
/// A stochastic model dy = F(t, y) dt + sigma_j dW_j on chosen components j of every trial (the
/// column model: V by default; any of V, a, r with a sigma per population), built around any
/// deterministic Model.
///
/// On grid interval k of the trial's Wiener path (wiener_path.hpp) the noise is the constant
/// forcing sigma_j dW_jk / resolution. Between grid points the model is an ODE, smooth where F is,
/// so that every solver of the project integrates it unchanged (fixed or adaptive, explicit or
/// implicit) and every gradient method differentiates it:
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
#include "models/noise/noise_settings.hpp"
#include "models/noise/wiener_path.hpp"

namespace neurode::models {

class AdditiveNoise final : public Model {
 public:
  /// `noisy` are the offsets of the noisy components within one trial's block of the state and
  /// their sigma. `streams` holds one per trial. The grid starts at t0 and covers [t0, t_end].
  AdditiveNoise(std::unique_ptr<Model> inner, double resolution_s, NoisyComponents noisy,
                std::vector<RandomStream> streams, double t0, double t_end, std::size_t coarsening = 1);
  /// The same with settings.sigma on every component in `noisy`.
  AdditiveNoise(std::unique_ptr<Model> inner, const NoiseSettings& settings, std::vector<std::size_t> noisy,
                std::vector<RandomStream> streams, double t0, double t_end, std::size_t coarsening = 1);

  std::size_t state_size() const override { return inner_->state_size(); }
  std::size_t trial_count() const override { return inner_->trial_count(); }
  std::size_t parameter_size() const override { return inner_->parameter_size(); }
  StateLayout state_layout() const override { return inner_->state_layout(); }
  /// The inner model's breakpoints and the grid's, merged.
  const std::vector<double>& breakpoints() const override { return grid_.breakpoints(); }

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
  const double* forcing(std::size_t k, std::size_t trial) { return grid_.forcing(k, trial); }
  std::size_t intervals() const { return grid_.intervals(); }

 private:
  std::size_t inner_segment(std::size_t segment) const { return grid_.inner_segment(segment); }
  void add_forcing(std::size_t segment, double* dydt);

  std::unique_ptr<Model> inner_;
  WienerGrid grid_;
};

}  // namespace neurode::models
