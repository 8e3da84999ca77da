#pragma once
/// The hGRU (docs/hgru.md) as an image model: the state H2 of each image, read out from H2(T);
/// its front end X = F * image + f inside the model. Its picture is H2 over time, which on
/// Pathfinder should trace the path between the markers.
#include "models/hgru/hgru_config.hpp"
#include "train/image_model.hpp"

namespace neurode::train {

class HgruImageModel final : public ImageModel {
 public:
  /// `duration`: the task's T (tau starts at T / timesteps).
  HgruImageModel(models::HgruSettings settings, double duration);

  std::string type() const override { return "hgru"; }
  std::unique_ptr<ImageModel> clone() const override;
  void set_input(const models::LevelShape& input) override;
  std::size_t parameter_count() const override;
  std::vector<double> initial_parameters(std::uint64_t seed) const override;
  std::vector<std::string> parameter_labels() const override;
  /// tau unless trainable_tau; F and f unless the front end is trainable.
  void hold_fixed(std::vector<double>& parameters, std::uint64_t seed) const override;
  models::StateLayout trial_layout() const override;
  std::unique_ptr<models::Model> make(std::vector<double> images,
                                      const std::vector<double>& parameters) const override;
  /// timesteps + 1 times: the discrete hGRU's steps.
  std::vector<double> picture_times(double duration) const override;
  /// "H2": count x times x C x H x W, and "drive" (X): count x C x H x W.
  std::vector<NamedArray> pictures(models::Model& model, const solvers::Solution& solution,
                                   const std::vector<double>& images, std::size_t count) const override;
  double states_per_trial() const override { return static_cast<double>(settings_.spec.size()); }

  const models::HgruSettings& settings() const { return settings_; }

 private:
  models::HgruSettings settings_;
  double duration_;
};

/// Reads `model: {type: hgru, ...}` for images of shape `input`, with the task's duration.
std::unique_ptr<ImageModel> read_hgru_image_model(const io::ConfigNode& model,
                                                  const models::LevelShape& input, double duration);

}  // namespace neurode::train
