#pragma once
/// Image classification by a continuous-time vision model (docs/predictive-coding.md): each image
/// is the fixed input of the model's ODE, integrated from zero states over [0, T]; a linear
/// read-out of the top level at T gives the class (cross-entropy). The data are read once
/// (Fashion-MNIST or any IDX pair, CIFAR-10's binary files), split into training and validation
/// by the seed, and standardised per channel by the training images' statistics; the test images
/// are scored once at the end. Parameters: the model's, then the read-out's A and b.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/image_dataset.hpp"
#include "models/predictive_coding/pc_config.hpp"
#include "train/classification_readout.hpp"
#include "train/task.hpp"
#include "train/task_registry.hpp"

namespace neurode::train {

struct ImageDataSettings {
  std::string format = "idx";  ///< idx | cifar10
  std::string directory = "/usr/share/datasets/fashion-mnist";
  std::size_t training_images = 10000;  ///< from the training files, after the validation ones
  std::size_t validation_images = 1000;
  std::size_t test_images = 10000;  ///< from the test files (0: no test set)
  bool standardise = true;
};

struct ImageClassificationSettings {
  ImageDataSettings data;
  models::PredictiveCodingSettings model;
  double duration = 10.0;  ///< T, in the model's time units
  bool mean_pool = false;  ///< read-out from the top level's channel means instead of all its values
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

  /// The first eight validation images (standardised), G_1(r_1(T)) and the error image - G_1(r_1),
  /// each 8 x C x H x W, with "label" and "predicted" (8).
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
  std::vector<models::LevelShape> shapes_;
  models::StateLayout layout_;  ///< of one trial: r1, ..., rL
  std::size_t model_parameters_ = 0, classes_ = 10;
};

/// Reads `task: {type: image_classification, data: ..., duration, readout}` and the root `model:`
/// section (docs/predictive-coding.md).
TaskSetup read_image_classification_task(const TaskSources& sources);

}  // namespace neurode::train
