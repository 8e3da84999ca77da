#pragma once
/// A stochastic model dy = F(t, y) dt + sigma_j y_j dW_j on chosen components j of every trial:
/// linear, diagonal multiplicative noise (g_j(y) = sigma_j y_j), built around any deterministic Model
/// and driven by the same Wiener paths as AdditiveNoise (wiener_path.hpp).
///
/// Why the interpretation has to be chosen, and how each is obtained. On grid interval k the noise
/// is the constant forcing xi_jk = sigma_j dW_jk / h, so the model integrates the ODE
/// dy_j/dt = F_j + y_j xi_jk: the derivative of the path's piecewise-linear interpolation, a
/// Wong-Zakai approximation, whose solutions converge to the Stratonovich SDE as h -> 0 (ordinary
/// calculus holds for a smooth path). For multiplicative noise that is not the Ito SDE: the two
/// differ by the drift 1/2 g_j g_j' = 1/2 sigma_j^2 y_j. So
///   - stratonovich: the forcing alone;
///   - ito: the forcing plus the Ito-to-Stratonovich correction -1/2 sigma_j^2 y_j in the drift,
///     which makes the Stratonovich solution of the corrected model the Ito solution of the asked-for
///     one.
/// For dX = mu X dt + sigma X dW (geometric Brownian motion) an accurate solve is exact on every
/// interval, X(t_k+1) = X(t_k) exp((mu - c) h + sigma dW_k) with c = 0 or sigma^2 / 2, so the grid
/// reproduces either exact solution at any resolution (tests/unit/multiplicative_noise.cpp).
///
/// Derivatives. The noise term (xi_jk - c_j) y_j is linear and diagonal in the state, so dF/dy
/// gains (xi_jk - c_j) on the diagonal of each noisy component, in every product (dF/dy v,
/// (dF/dy)^T w, the linearisation-based products and the assembled entries of implicit methods);
/// it needs no state, so a linearisation-based product reads y no more than the inner model's. The
/// noise does not depend on the parameters: parameter products are the inner model's.
#include <memory>
#include <vector>

#include "models/kernels/random_stream.hpp"
#include "models/model.hpp"
#include "models/noise/noise_settings.hpp"
#include "models/noise/wiener_path.hpp"

namespace neurode::models {

class MultiplicativeNoise final : public Model {
 public:
  /// `noisy` are the offsets of the noisy components within one trial's block of the state and
  /// their sigma (1 / sqrt(s)). `streams` holds one per trial. The grid starts at t0 and covers
  /// [t0, t_end].
  MultiplicativeNoise(std::unique_ptr<Model> inner, double resolution_s, NoisyComponents noisy,
                      NoiseInterpretation interpretation, std::vector<RandomStream> streams, double t0,
                      double t_end, std::size_t coarsening = 1);

  std::size_t state_size() const override { return inner_->state_size(); }
  std::size_t trial_count() const override { return inner_->trial_count(); }
  std::size_t parameter_size() const override { return inner_->parameter_size(); }
  StateLayout state_layout() const override { return inner_->state_layout(); }
  const std::vector<double>& breakpoints() const override { return grid_.breakpoints(); }

  void rhs(double t, std::size_t segment, const double* y, double* dydt) override;
  void jacobian_vector(double t, std::size_t segment, const double* y, const double* v, double* out) override;
  void jacobian_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                 double* out) override;
  void parameter_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                  double* grad) override {
    inner_->parameter_transpose_vector(t, inner_segment(segment), y, w, grad);
  }
  void vector_jacobian_products(double t, std::size_t segment, const double* y, const double* w, double* out,
                                double* grad) override;
  std::size_t linearisation_size() const override { return inner_->linearisation_size(); }
  void rhs_recording(double t, std::size_t segment, const double* y, double* dydt,
                     double* linearisation) override;
  void rhs_from_linearisation(double t, std::size_t segment, const double* y, const double* linearisation,
                              double* dydt) override;
  bool linearised_products_read_state() const override { return inner_->linearised_products_read_state(); }
  void vector_jacobian_products_from_linearisation(double t, std::size_t segment, const double* y,
                                                   const double* linearisation, const double* w, double* out,
                                                   double* grad) override;
  std::string name() const override { return "multiplicative noise on " + inner_->name(); }
  bool has_assembled_jacobian() const override { return inner_->has_assembled_jacobian(); }
  bool has_assembled_parameter_jacobian() const override {
    return inner_->has_assembled_parameter_jacobian();
  }
  void jacobian_entries(double t, std::size_t segment, const double* y,
                        std::vector<MatrixEntry>& entries) override;
  void parameter_jacobian_entries(double t, std::size_t segment, const double* y,
                                  std::vector<MatrixEntry>& entries) override {
    inner_->parameter_jacobian_entries(t, inner_segment(segment), y, entries);
  }
  std::vector<double> parameters() const override { return inner_->parameters(); }
  void set_parameters(const std::vector<double>& values) override { inner_->set_parameters(values); }

  Model& inner() { return *inner_; }
  NoiseInterpretation interpretation() const { return interpretation_; }
  /// sigma_j dW_j / h of trial `trial` on grid interval k (one value per noisy component).
  const double* forcing(std::size_t k, std::size_t trial) { return grid_.forcing(k, trial); }
  std::size_t intervals() const { return grid_.intervals(); }

 private:
  std::size_t inner_segment(std::size_t segment) const { return grid_.inner_segment(segment); }
  /// out_j += (xi_jk - c_j) x_j on the noisy components of every trial: the noise term of the field
  /// at x = y, and, being linear and diagonal, its derivative's product with x = v or w.
  void add_diagonal(std::size_t segment, const double* x, double* out);

  std::unique_ptr<Model> inner_;
  WienerGrid grid_;
  NoiseInterpretation interpretation_;
  std::vector<double> correction_;  ///< c_j: sigma_j^2 / 2 for Ito, 0 for Stratonovich
};

}  // namespace neurode::models
