#pragma once
/// The hGRU (Linsley et al. 2018) in neurode's continuous-time form (spec vision-models.md, "hGRU";
/// docs/hgru.md) for a batch of images: the state H2 (channels x height x width per image), the
/// feed-forward drive X fixed during the dynamics, and inside the vector field
///     G1 = sigma(U1 * H2 + b1);  C1 = W * (G1 . H2);  H1 = zeta(X - (alpha H2 + mu) . C1)
///     G2 = sigma(U2 * H1 + b2);  C2 = W * H1;  H2~ = zeta(kappa (H1 + gamma C2) + omega (H1 . gamma C2))
///     dH2/dt = (1 - G2) . (H2~ - H2) / tau
/// with W * a "same" zero-padded convolution (odd k), U1, U2 1x1 convolutions, per-channel alpha,
/// mu, gamma, kappa, omega, b1, b2, and zeta tanh or ReLU. Forward Euler with dt = tau is the
/// discrete hGRU update with eta = 1.
///
/// Parameters, in this order: W [C, C, k, k] (or V with W = (V + V^T)/2 over the channel axes when
/// `symmetric`), U1, U2 [C, C, 1, 1], b1, b2, alpha, mu, gamma, kappa, omega [C], tau, and with a
/// front end its F [C, Cin, kf, kf] and f [C] (X = F * image + f, fixed during the dynamics). One trial per
/// image; every product is a convolution over the whole batch (W's through FFTW,
/// models/kernels/fft_convolution; the 1x1 and the front end's by DGEMM), so the
/// parameter gradients are one row summed over the batch (gradient_rows() == 1) in a fixed order.
/// Per evaluation: F and dF/dy v take 2 k x k and 2 1x1 convolutions each (dF/dy v after the
/// forward pass), the reverse products the forward pass plus 2 transposed k x k, 2 transposed 1x1 and
/// 3 kernel-gradient products (W's from the spectra its four products kept); from a stage
/// linearisation recorded in the forward solve, the reverse products skip the forward pass.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "models/kernels/convolution.hpp"
#include "models/kernels/fft_convolution.hpp"
#include "models/model.hpp"

namespace neurode::models {

enum class Zeta { tanh, relu };
Zeta parse_zeta(const std::string& name);  ///< "tanh" | "relu"; throws std::invalid_argument
const char* to_string(Zeta zeta);

struct HgruSpec {
  std::size_t channels = 1, height = 1, width = 1;
  std::size_t kernel = 3;  ///< odd: "same" padding (k - 1) / 2
  Zeta zeta = Zeta::tanh;
  bool symmetric = false;  ///< the parameters hold V, W = (V + V^T)/2 (channel axes)
  /// The front end X = F * image + f ("same" padding, odd kernel), its F [C, Cin, kf, kf] and f [C]
  /// the last parameters: with front_kernel > 0 the model is given images (input_channels x height
  /// x width each) instead of drives, and the gradient reaches F and f through X.
  std::size_t front_kernel = 0;
  std::size_t input_channels = 1;
  std::size_t size() const { return channels * height * width; }
  std::size_t input_size() const { return (front_kernel ? input_channels : channels) * height * width; }
};

/// The parameter arrays in order, with their shapes: {"W" (or "V"), {C, C, k, k}}, {"U1", ...}, ...,
/// {"tau", {}} (0-d).
struct HgruParameterArray {
  std::string name;
  std::vector<std::size_t> shape;
  std::size_t offset = 0, count = 0;
};
std::vector<HgruParameterArray> hgru_parameter_arrays(const HgruSpec& spec);
std::size_t hgru_parameter_count(const HgruSpec& spec);
/// W = (V + V^T)/2 over the channel axes (no spatial flip), for V [C, C, k, k].
std::vector<double> symmetrised_kernel(const double* V, std::size_t channels, std::size_t kernel);

class Hgru final : public Model {
 public:
  /// `input`: batch x spec.input_size(), the X of each trial, or with a front end its image.
  /// Parameters start at zero; set them with set_parameters. Throws std::invalid_argument on a bad
  /// spec or input.
  Hgru(const HgruSpec& spec, std::vector<double> input);

  std::string name() const override { return "hGRU"; }
  std::size_t state_size() const override { return batch_ * n_; }
  std::size_t trial_count() const override { return batch_; }
  std::size_t parameter_size() const override { return parameters_.size(); }
  std::size_t gradient_rows() const override { return 1; }
  StateLayout state_layout() const override;
  const std::vector<double>& breakpoints() const override { return breakpoints_; }

  void rhs(double t, std::size_t segment, const double* y, double* dydt) override;
  void jacobian_vector(double t, std::size_t segment, const double* y, const double* v, double* out) override;
  void jacobian_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                 double* out) override;
  void parameter_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                  double* grad) override;
  void vector_jacobian_products(double t, std::size_t segment, const double* y, const double* w, double* out,
                                double* grad) override;
  /// The stage linearisation: what the reverse products read from the forward pass, G1, C1, H1,
  /// G2, C2, H2~ and the spectra of P and H1 (about 9 B C H W doubles for B images), so that a
  /// discrete adjoint runs no forward pass again (its 2 k x k and 2 1x1 convolutions and 4 gates).
  std::size_t linearisation_size() const override;
  void rhs_recording(double t, std::size_t segment, const double* y, double* dydt,
                     double* linearisation) override;
  void rhs_from_linearisation(double t, std::size_t segment, const double* y, const double* linearisation,
                              double* dydt) override;
  void vector_jacobian_products_from_linearisation(double t, std::size_t segment, const double* y,
                                                   const double* linearisation, const double* w, double* out,
                                                   double* grad) override;

  std::vector<double> parameters() const override { return parameters_; }
  void set_parameters(const std::vector<double>& values) override;

  const HgruSpec& spec() const { return spec_; }
  /// H1 of every trial at state y (batch x C H W).
  std::vector<double> h1(const double* y);
  /// X of every trial (batch x C H W): the drive given, or the front end's output.
  const std::vector<double>& drive() const { return drive_; }

 private:
  /// The intermediate arrays of F at y (G1, P = G1 . H2, C1, H1, G2, C2, H2~).
  void forward(const double* y);
  /// The forward pass's arrays the products read: the work arrays, or a recorded linearisation's.
  struct Intermediates {
    const double *g1, *c1, *h1, *g2, *c2, *h2t;
    kernels::SpectraView p_spectra, h1_spectra;  ///< W's inputs P and H1, for W's gradient
  };
  Intermediates work_intermediates() const;
  /// The arrays and spectra inside a linearisation (in their order there).
  Intermediates recorded_intermediates(const double* linearisation) const;
  /// F at y from the intermediates at y.
  void rhs_from(const Intermediates& s, const double* y, double* dydt) const;
  /// (dF/dy)^T w into out (unless null) and (dF/dp)^T w added to grad (unless null), from the
  /// intermediates at y.
  void reverse(const Intermediates& fw, const double* y, const double* w, double* out, double* grad);
  void zeta_in_place(double* z, std::size_t n) const;  ///< z[i] = zeta(z[i])
  double zeta_slope(double h) const;                   ///< zeta'(z), from h = zeta(z)
  const double* channel(std::size_t array) const { return parameters_.data() + offsets_[array]; }
  double tau() const;

  HgruSpec spec_;
  std::vector<double> drive_;
  std::vector<double> images_;  ///< with a front end: the images X is made from
  std::size_t batch_ = 0, n_ = 0, hw_ = 0;
  std::vector<std::size_t> offsets_;  ///< of each parameter array (hgru_parameter_arrays order)
  std::vector<double> parameters_;
  std::vector<double> kernel_;  ///< the W in use (symmetrised V, or the parameters' own W)
  std::vector<double> breakpoints_;
  kernels::FftConvolution horizontal_;  ///< W, in the frequency domain (fewer operations for k >= 5)
  kernels::Convolution pointwise_;
  std::unique_ptr<kernels::Convolution> front_;  ///< the front end's, when there is one
  // Work arrays, batch x n each.
  std::vector<double> g1_, p_, c1_, h1_, g2_, c2_, h2t_;
  std::vector<double> r1_, r2_, r3_, r4_;  ///< reverse / tangent scratch
  std::vector<double> pair_w_;             ///< 2 x batch x n: C1b and C2b
  /// The spectra of W's inputs (P, H1; kept by forward) and of its cotangents (C1b, C2b; kept by
  /// reverse), which W's kernel gradient is made from without transforming them again.
  kernels::Spectra p_spectra_, h1_spectra_, c1b_spectra_, c2b_spectra_;
  std::vector<double> kernel_gradient_;  ///< C C k k
};

}  // namespace neurode::models
