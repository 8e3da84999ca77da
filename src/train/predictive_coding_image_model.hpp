#pragma once
/// Predictive coding (docs/predictive-coding.md) as an image model: the levels' states r_1 .. r_L,
/// read out from r_L; its pictures are the level-1 prediction G_1(r_1(T)) and the error image.
#include "models/predictive_coding/pc_config.hpp"
#include "train/image_model.hpp"

namespace neurode::train {

class PredictiveCodingImageModel final : public ImageModel {
 public:
  explicit PredictiveCodingImageModel(models::PredictiveCodingSettings settings);

  std::string type() const override { return "predictive_coding"; }
  std::unique_ptr<ImageModel> clone() const override;
  void set_input(const models::LevelShape& input) override;
  std::size_t parameter_count() const override;
  std::vector<double> initial_parameters(std::uint64_t seed) const override;
  std::vector<std::string> parameter_labels() const override;
  models::StateLayout trial_layout() const override;
  std::unique_ptr<models::Model> make(std::vector<double> images,
                                      const std::vector<double>& parameters) const override;
  /// "prediction" (G_1(r_1(T))) and "error" (image - prediction), each count x C x H x W.
  std::vector<NamedArray> pictures(models::Model& model, const solvers::Solution& solution,
                                   const std::vector<double>& images, std::size_t count) const override;
  double states_per_trial() const override;

  const models::PredictiveCodingSettings& settings() const { return settings_; }

 private:
  models::PredictiveCodingSettings settings_;
};

/// Reads `model: {type: predictive_coding, ...}` for images of shape `input`.
std::unique_ptr<ImageModel> read_predictive_coding_image_model(const io::ConfigNode& model,
                                                               const models::LevelShape& input);

}  // namespace neurode::train
