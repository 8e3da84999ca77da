#pragma once
/// Image classification by a continuous-time vision model (train/image_model.hpp: predictive
/// coding, docs/predictive-coding.md; the hGRU, docs/hgru.md): each image is the fixed input of the
/// model's ODE, integrated from zero states over [0, T]; a linear read-out of the top level at T
/// (optionally after global mean or max pooling) gives the class (cross-entropy). The data are
/// read once (Fashion-MNIST or any IDX pair, CIFAR-10's binary files) or generated (Pathfinder,
/// docs/pathfinder.md, keyed by seed and image index), split into training and validation by the
/// seed, and standardised per channel by the training images' statistics; the test images are
/// scored once at the end. Parameters: the model's, then the read-out's A and b.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/image_dataset.hpp"
#include "train/classification_readout.hpp"
#include "train/image_model.hpp"
#include "train/task.hpp"
#include "train/task_registry.hpp"

namespace neurode::train {

struct ImageDataSettings {
  std::string format = "idx";  ///< idx | cifar10 | pathfinder
  std::string directory = "/usr/share/datasets/fashion-mnist";
  std::size_t training_images = 10000;  ///< from the training files, after the validation ones
  std::size_t validation_images = 1000;
  std::size_t test_images = 10000;  ///< from the test files (0: no test set)
  bool standardise = true;
  // Pathfinder (generated): the preset, the path length in paddles and the image size. The
  // training and validation images are images 0 .. training + validation - 1 of the seed, the
  // test images the next ones.
  std::string preset = "pathfinder32";
  std::size_t contour_length = 14;
  std::size_t size = 32;
};

struct ImageClassificationSettings {
  ImageDataSettings data;
  std::shared_ptr<const ImageModel> model;  ///< the family and its settings (copied by the task)
  double duration = 10.0;                   ///< T, in the model's time units
  Pool pool =
      Pool::none;  ///< read-out from the top level's channel means or maxima instead of all its values
  std::uint64_t seed = 1;
};

class ImageClassificationTask final : public Task {
 public:
  /// Reads the data; throws io::DataError naming the file at fault.
  explicit ImageClassificationTask(ImageClassificationSettings settings);
  /// With data already read (tests): `training` holds the training and validation images.
  ImageClassificationTask(ImageClassificationSettings settings, io::ImageSet training, io::ImageSet test);

  std::string name() const override { return "image_classification"; }
  std::size_t samples(Split split) const override;
  bool has_test_split() const override { return test_.count > 0; }
  std::vector<double> initial_parameters() const override;
  std::vector<std::string> parameter_labels() const override;
  /// The model's fixed parameters back at their initial values.
  void project(std::vector<double>& parameters) const override;
  BatchProblem make_problem(Split split, const std::vector<std::size_t>& indices,
                            const std::vector<double>& parameters, std::uint64_t epoch) const override;
  std::vector<std::string> metric_names() const override { return {"accuracy"}; }
  std::vector<double> score(Split split, const std::vector<std::size_t>& indices,
                            const solvers::Solution& solution,
                            const std::vector<double>& parameters) const override;
  /// The logits at every observation.
  std::vector<std::string> recorded_names() const override;
  void record(const solvers::Solution& solution, std::size_t k, std::size_t b,
              const std::vector<double>& parameters, double* out) const override;

  /// The first eight validation images (standardised, 8 x C x H x W), the model's pictures of them
  /// (ImageModel::pictures: predictive coding's prediction and error, the hGRU's H2 over time),
  /// "label" and "predicted" (8).
  std::vector<NamedArray> examples(const std::vector<double>& parameters,
                                   const solvers::SolverSettings& solver) const override;

  std::size_t model_parameter_count() const { return model_parameters_; }
  std::size_t classes() const { return classes_; }
  /// The standardised image `index` of `split` (image size values) and its label.
  std::vector<double> image(Split split, std::size_t index) const;
  int label(Split split, std::size_t index) const;
  const io::ChannelStatistics& statistics() const { return statistics_; }
  const ImageClassificationSettings& settings() const { return settings_; }

 private:
  void prepare();
  /// The data set and the index in it of sample `index` of `split`.
  std::pair<const io::ImageSet*, std::size_t> locate(Split split, std::size_t index) const;
  ReadoutFeatures features() const;  ///< the top level of every trial, from layout_
  ClassificationReadout readout(const std::vector<std::size_t>& indices, Split split,
                                const std::vector<double>& parameters) const;

  ImageClassificationSettings settings_;
  io::ImageSet training_, test_;
  std::vector<std::size_t> training_indices_, validation_indices_;
  io::ChannelStatistics statistics_;
  models::LevelShape input_;
  std::unique_ptr<ImageModel> model_;
  models::StateLayout layout_;  ///< of one trial: the model's; the read-out takes its last component
  std::size_t model_parameters_ = 0, classes_ = 10;
};

/// Reads `task: {type: image_classification, data: ..., duration, readout}` and the root `model:`
/// section (docs/predictive-coding.md, docs/hgru.md).
TaskSetup read_image_classification_task(const TaskSources& sources);

}  // namespace neurode::train
