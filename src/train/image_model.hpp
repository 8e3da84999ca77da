#pragma once
/// A continuous-time vision model as the image classification task sees it (docs/training.md,
/// "Image tasks"): the task owns the data, the read-out and the loss; the model family owns its
/// parameters, its state and its pictures. Predictive coding (predictive_coding_image_model) and the
/// hGRU (hgru_image_model) implement it; a new family implements it in one file and is named in
/// read_image_model.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "models/predictive_coding/pc_spec.hpp"
#include "models/state_layout.hpp"
#include "solvers/solution.hpp"
#include "train/task.hpp"

namespace neurode::train {

class ImageModel {
 public:
  virtual ~ImageModel() = default;
  /// The `model.type` of the config ("predictive_coding", "hgru").
  virtual std::string type() const = 0;
  virtual std::unique_ptr<ImageModel> clone() const = 0;
  /// Fixes the image shape once the data are read; throws std::invalid_argument when the model
  /// cannot take images of that shape.
  virtual void set_input(const models::LevelShape& input) = 0;
  virtual std::size_t parameter_count() const = 0;
  virtual std::vector<double> initial_parameters(std::uint64_t seed) const = 0;
  virtual std::vector<std::string> parameter_labels() const = 0;
  /// Parameters held at their initial values (a frozen time constant): the task puts them back
  /// after every optimiser step. Default: none.
  virtual void hold_fixed(std::vector<double>& parameters, std::uint64_t seed) const {
    (void)parameters;
    (void)seed;
  }
  /// One trial's state; the read-out takes its last component.
  virtual models::StateLayout trial_layout() const = 0;
  /// The model of a batch of images (batch x image size values, standardised) with `parameters`
  /// (the model's own, parameter_count() values) set; its initial state is zero.
  virtual std::unique_ptr<models::Model> make(std::vector<double> images,
                                              const std::vector<double>& parameters) const = 0;
  /// When the pictures of a few images are taken (for /examples): times in [0, duration], the
  /// last one duration (the read-out's time).
  virtual std::vector<double> picture_times(double duration) const { return {0.0, duration}; }
  /// The family's pictures of `count` images from `model` (made by make()) solved at
  /// picture_times(): arrays named by what they show, the first axis the image.
  virtual std::vector<NamedArray> pictures(models::Model& model, const solvers::Solution& solution,
                                           const std::vector<double>& images, std::size_t count) const = 0;
  /// States of one trial, for the memory check before anything is allocated.
  virtual double states_per_trial() const = 0;
};

}  // namespace neurode::train
