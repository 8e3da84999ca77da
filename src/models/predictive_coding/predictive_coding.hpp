#pragma once
/// Rao & Ballard's predictive coding in the continuous form of the spec (vision-models.md;
/// docs/predictive-coding.md) for a batch of images: levels l = 1..L with states r_l, the image
/// r_0 = x held fixed, e_l = r_{l-1} - G_l(r_l) and
///     dr_l/dt = k1 G_l^T(e_l) + k2 (G_{l+1}(r_{l+1}) - r_l) - alpha P(r_l)   (l < L),
///     dr_L/dt = k1 G_L^T(e_L) - alpha P(r_L).
/// One trial per image; a trial's state is [r_1, ..., r_L]. Every product runs as matrix products
/// over the whole batch (GenerativeMap), so the parameter gradients are one row summed over the
/// batch (gradient_rows() == 1), in a fixed order.
///
/// Per evaluation, in maps applied (G or G^T, each one GEMM over the batch): F and dF/dy v take
/// 2L, (dF/dy)^T w takes 2L, the fused reverse products 3L plus L weight-gradient products (both
/// terms of a level's weight gradient in one product over twice the batch). The stage
/// linearisation is the predictions G_l(r_l) of every level: with it, F takes L and the fused
/// reverse products 2L plus the L weight-gradient products (a discrete adjoint's backward pass).
#include <memory>
#include <vector>

#include "models/model.hpp"
#include "models/predictive_coding/generative_map.hpp"
#include "models/predictive_coding/pc_spec.hpp"

namespace neurode::models {

/// One trial's state layout for level shapes `shapes` ([0] the image): r1, ..., rL.
StateLayout predictive_coding_layout(const std::vector<LevelShape>& shapes);

class PredictiveCoding final : public Model {
 public:
  /// `images`: batch x input size, the r_0 of each trial. Parameters start at zero weights and the
  /// spec's rates; set them with set_parameters. Throws std::invalid_argument on a bad spec.
  PredictiveCoding(const PredictiveCodingSpec& spec, std::vector<double> images);

  std::string name() const override { return "predictive coding"; }
  std::size_t state_size() const override { return batch_ * trial_size_; }
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

  std::size_t linearisation_size() const override { return linearisation_size_; }
  void rhs_recording(double t, std::size_t segment, const double* y, double* dydt,
                     double* linearisation) override;
  void rhs_from_linearisation(double t, std::size_t segment, const double* y, const double* linearisation,
                              double* dydt) override;
  void vector_jacobian_products_from_linearisation(double t, std::size_t segment, const double* y,
                                                   const double* linearisation, const double* w, double* out,
                                                   double* grad) override;

  std::vector<double> parameters() const override { return parameters_; }
  void set_parameters(const std::vector<double>& values) override;

  const std::vector<LevelShape>& shapes() const { return shapes_; }
  std::size_t level_offset(std::size_t l) const { return offsets_[l]; }  ///< of r_l in a trial (l >= 1)
  std::size_t trial_size() const { return trial_size_; }
  /// G_1(r_1) of every trial (batch x image size): the level-1 prediction of the image.
  std::vector<double> image_prediction(const double* y);

 private:
  double k1() const;
  double k2() const;
  double alpha() const;
  const double* weights(std::size_t l) const { return parameters_.data() + weight_offsets_[l]; }
  /// Level l - 1 of trial 0 in `y`, with its stride (the image for l = 1).
  const double* lower_of(const double* y, std::size_t l, std::size_t& stride) const;
  /// predictions_[l] = G_l(r_l) for l = 1..L, and prediction_[l] pointed at them.
  void predict_all(const double* y);
  /// prediction_[l] pointed at level l's predictions inside a recorded linearisation.
  void use_recorded_predictions(const double* linearisation);
  /// F from y and the predictions prediction_[l].
  void rhs_from_predictions(const double* y, double* dydt);
  /// The reverse products; `grad` null for (dF/dy)^T w alone, `out` null for (dF/dp)^T w alone.
  /// `predicted`: prediction_ already holds G_l(r_l) at y (else the weight gradients compute it).
  void reverse(const double* y, const double* w, double* out, double* grad, bool predicted = false);

  PredictiveCodingSpec spec_;
  std::vector<LevelShape> shapes_;
  std::vector<std::unique_ptr<GenerativeMap>> maps_;  ///< [l - 1] is G_l
  std::vector<double> images_;
  std::size_t batch_ = 0, trial_size_ = 0, weight_total_ = 0;
  std::vector<std::size_t> offsets_, weight_offsets_;  ///< indexed by level, [0] unused
  std::vector<double> parameters_;
  std::vector<double> breakpoints_;
  // Work arrays, batch x (level size), contiguous; index l as the levels.
  std::vector<std::vector<double>> predictions_, errors_, adjoint_predictions_;
  std::vector<std::vector<double>> scratch_;      ///< 2 x batch x (level l - 1 size)
  std::vector<std::vector<double>> upper_pairs_;  ///< 2 x batch x (level l size): [r_l; w_l]
  std::vector<const double*> prediction_;         ///< G_l(r_l) in use: predictions_[l] or a linearisation
  std::size_t linearisation_size_ = 0;
};

}  // namespace neurode::models
