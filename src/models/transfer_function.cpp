#include "models/transfer_function.hpp"

#include <cmath>
#include <stdexcept>

namespace neurode::models {
namespace {

// Below these magnitudes the direct formulas lose digits to cancellation; the series truncated after
// the listed terms are exact to rounding there (next term < 1e-17 relative).
constexpr double kSeriesLimitW = 0.1;
constexpr double kSeriesLimitS = 0.1;

// h(w) = w coth(w) and h'(w).
inline void w_coth_w(double w, double& h, double& dh) {
  if (std::abs(w) < kSeriesLimitW) {
    const double w2 = w * w;
    // w coth w = 1 + w^2/3 - w^4/45 + 2 w^6/945 - w^8/4725 + 2 w^10/93555
    h = 1.0 + w2 * (1.0 / 3 + w2 * (-1.0 / 45 + w2 * (2.0 / 945 + w2 * (-1.0 / 4725 + w2 * (2.0 / 93555)))));
    dh = w * (2.0 / 3 + w2 * (-4.0 / 45 + w2 * (12.0 / 945 + w2 * (-8.0 / 4725 + w2 * (20.0 / 93555)))));
    return;
  }
  const double t = std::tanh(w);
  h = w / t;
  // d/dw (w / tanh w) = (tanh w - w (1 - tanh^2 w)) / tanh^2 w
  dh = (t - w * (1.0 - t * t)) / (t * t);
}

// q(s) = s / expm1(s) and q'(s).
inline void s_over_expm1(double s, double& q, double& dq) {
  if (std::abs(s) < kSeriesLimitS) {
    const double s2 = s * s;
    // Bernoulli series: 1 - s/2 + s^2/12 - s^4/720 + s^6/30240 - s^8/1209600
    q = 1.0 - 0.5 * s + s2 * (1.0 / 12 + s2 * (-1.0 / 720 + s2 * (1.0 / 30240 + s2 * (-1.0 / 1209600))));
    dq = -0.5 + s * (1.0 / 6 + s2 * (-4.0 / 720 + s2 * (6.0 / 30240 + s2 * (-8.0 / 1209600))));
    return;
  }
  const double em1 = std::expm1(s);
  q = s / em1;
  // d/ds (s / (e^s - 1)) = (e^s - 1 - s e^s) / (e^s - 1)^2
  dq = (em1 - s * (em1 + 1.0)) / (em1 * em1);
}

}  // namespace

TransferFunction::TransferFunction(const TransferParameters& parameters)
    : parameters_(parameters),
      inverse_d_(1.0 / parameters.noise_factor),
      dw_dx_(-parameters.noise_factor * parameters.gain / parameters.exponent_clamp) {
  if (!(parameters.gain > 0) || !(parameters.noise_factor > 0) || !(parameters.exponent_clamp > 0))
    throw std::invalid_argument("transfer function: gain, noise_factor and exponent_clamp must be positive");
}

double TransferFunction::rate(double x_mV) const { return rate_and_slope(x_mV).rate; }

RateAndSlope TransferFunction::rate_and_slope(double x_mV) const {
  const double c = parameters_.exponent_clamp;
  const double w = -parameters_.noise_factor * (parameters_.gain * x_mV - parameters_.threshold) / c;
  const double tanh_w = std::tanh(w);
  const double s = c * tanh_w;
  double h, dh, q, dq;
  w_coth_w(w, h, dh);
  s_over_expm1(s, q, dq);
  const double ds_dw = c * (1.0 - tanh_w * tanh_w);
  const double rate = inverse_d_ * h * q;
  const double df_dw = inverse_d_ * (dh * q + h * dq * ds_dw);
  return {rate, df_dw * dw_dx_};
}

}  // namespace neurode::models
