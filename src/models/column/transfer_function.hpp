#pragma once
/// The column model's firing-rate transfer function
///   f(x) = (g x - theta) / (1 - exp(c tanh(-d (g x - theta) / c)))      [x in mV, f in Hz]
/// with the prototype's soft clamp c on the exponent. At g x = theta the formula is 0/0; its limit
/// is 1/d. With w = -d (g x - theta) / c and s = c tanh(w), f = (c/d) w / expm1(s), and f' follows in
/// a form without cancellation for |s| >= 0.1. Within 0.23 mV of the singular point (|s| < 0.1)
/// neurode uses f = (1/d) h(w) q(s) with h(w) = w / tanh(w) and q(s) = s / expm1(s) as Taylor
/// series, so both are finite and accurate to rounding everywhere (no NaN at the singularity).

#include <cstddef>

namespace neurode::models {

struct TransferParameters {
  double gain = 48.0;            ///< g, 1/mV
  double threshold = 981.0;      ///< theta
  double noise_factor = 0.0089;  ///< d
  double exponent_clamp = 80.0;  ///< c
};

struct RateAndSlope {
  double rate;   ///< f(x), Hz
  double slope;  ///< f'(x), Hz/mV
};

class TransferFunction {
 public:
  TransferFunction() = default;
  explicit TransferFunction(const TransferParameters& parameters);

  double rate(double x_mV) const;
  RateAndSlope rate_and_slope(double x_mV) const;
  /// f and f' at n points at once: rate[i] = f(x[i]), slope[i] = f'(x[i]). On CPUs with AVX-512 the
  /// points go through 8-lane vector code, with AVX2 and FMA through the same code on 4 lanes (the
  /// same bits: neurode's own expm1, tanh from it, the series blended in only in the lanes that need
  /// it), else through rate_and_slope; either way each point's result does not depend on its
  /// position or on n, and agrees with rate_and_slope to ~1e-14 relative. rate and slope must not
  /// overlap x.
  void rates_and_slopes(const double* x_mV, std::size_t n, double* rate, double* slope) const;
  /// The 4-lane AVX2 code alone, on any CPU with AVX2 and FMA (tests: it must equal the 8-lane
  /// code bit for bit). Returns false, computing nothing, where the CPU lacks them.
  bool rates_and_slopes_avx2(const double* x_mV, std::size_t n, double* rate, double* slope) const;
  /// Whether rates_and_slopes uses the 8-lane AVX-512 code on this CPU.
  static bool uses_avx512();
  const TransferParameters& parameters() const { return parameters_; }
  /// Where g x = theta (20.4375 mV for the default parameters).
  double singular_point() const { return parameters_.threshold / parameters_.gain; }

 private:
  TransferParameters parameters_{};
  double inverse_d_ = 1.0 / 0.0089;
  double dw_dx_ = -0.0089 * 48.0 / 80.0;
};

}  // namespace neurode::models
