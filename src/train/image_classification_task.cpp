#include "train/image_classification_task.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "io/config_limits.hpp"
#include "models/kernels/random_stream.hpp"
#include "models/predictive_coding/predictive_coding.hpp"
#include "solvers/integrator.hpp"

namespace neurode::train {
namespace {

models::LevelShape shape_of(const io::ImageSet& set) {
  // A grey image stays spatial: convolution levels need its height and width.
  return {set.channels, set.height, set.width, true};
}

}  // namespace

ImageClassificationTask::ImageClassificationTask(ImageClassificationSettings settings)
    : settings_(std::move(settings)) {
  const ImageDataSettings& d = settings_.data;
  training_ = io::read_image_directory(d.format, d.directory, true, d.training_images + d.validation_images);
  if (d.test_images > 0) test_ = io::read_image_directory(d.format, d.directory, false, d.test_images);
  prepare();
}

ImageClassificationTask::ImageClassificationTask(ImageClassificationSettings settings, io::ImageSet training,
                                                 io::ImageSet test)
    : settings_(std::move(settings)), training_(std::move(training)), test_(std::move(test)) {
  prepare();
}

void ImageClassificationTask::prepare() {
  const ImageDataSettings& d = settings_.data;
  if (training_.count < d.training_images + d.validation_images)
    throw io::DataError(training_.source + ": holds " + std::to_string(training_.count) +
                        " training images, fewer than training_images + validation_images = " +
                        std::to_string(d.training_images + d.validation_images));
  const io::Split split =
      io::split_indices(d.training_images + d.validation_images, d.validation_images, settings_.seed);
  training_indices_ = split.training;
  validation_indices_ = split.validation;
  if (d.standardise) {
    statistics_ = io::channel_statistics(training_, training_indices_);
  } else {
    statistics_.mean.assign(training_.channels, 0.0);
    statistics_.stddev.assign(training_.channels, 1.0);
  }
  // Both formats have ten classes; a subset's largest label may be smaller.
  classes_ = std::max<std::size_t>({10, training_.classes, test_.count ? test_.classes : 0});
  const models::LevelShape input = shape_of(training_);
  if (test_.count &&
      (test_.channels != input.channels || test_.height != input.height || test_.width != input.width))
    throw io::DataError(test_.source + ": its images are not the shape of the training images");
  settings_.model.spec.input = input;
  shapes_ = models::level_shapes(settings_.model.spec);
  model_parameters_ = models::parameter_count(settings_.model.spec);
  layout_ = models::predictive_coding_layout(shapes_);
}

std::size_t ImageClassificationTask::samples(Split split) const {
  switch (split) {
    case Split::training:
      return training_indices_.size();
    case Split::evaluation:
      return validation_indices_.size();
    case Split::test:
      return test_.count;
  }
  return 0;
}

std::pair<const io::ImageSet*, std::size_t> ImageClassificationTask::locate(Split split,
                                                                            std::size_t index) const {
  switch (split) {
    case Split::training:
      return {&training_, training_indices_.at(index)};
    case Split::evaluation:
      return {&training_, validation_indices_.at(index)};
    case Split::test:
      return {&test_, index};
  }
  return {nullptr, 0};
}

std::vector<double> ImageClassificationTask::image(Split split, std::size_t index) const {
  const auto [set, at] = locate(split, index);
  std::vector<double> out(set->image_size());
  io::image_as_doubles(*set, at, &statistics_, out.data());
  return out;
}

int ImageClassificationTask::label(Split split, std::size_t index) const {
  const auto [set, at] = locate(split, index);
  return set->labels[at];
}

ReadoutFeatures ImageClassificationTask::features() const {
  return top_component_features(layout_, settings_.mean_pool);
}

std::vector<double> ImageClassificationTask::initial_parameters() const {
  std::vector<double> p = models::initial_predictive_coding_parameters(settings_.model, settings_.seed);
  // Read-out: A ~ N(0, 1) / sqrt(features) (LeCun), b = 0.
  const std::size_t F = features().count();
  const models::RandomStream stream(settings_.seed, models::RandomDomain::image_readout_weights, 0);
  const double scale = 1.0 / std::sqrt(static_cast<double>(F));
  for (std::size_t k = 0; k < classes_ * F; ++k) p.push_back(scale * stream.normal(k));
  p.insert(p.end(), classes_, 0.0);
  return p;
}

std::vector<std::string> ImageClassificationTask::parameter_labels() const {
  std::vector<std::string> labels = models::parameter_labels(settings_.model.spec);
  const std::size_t F = features().count();
  for (std::size_t c = 0; c < classes_; ++c)
    for (std::size_t j = 0; j < F; ++j)
      labels.push_back("A[" + std::to_string(c) + "," + std::to_string(j) + "]");
  for (std::size_t c = 0; c < classes_; ++c) labels.push_back("b[" + std::to_string(c) + "]");
  return labels;
}

ClassificationReadout ImageClassificationTask::readout(const std::vector<std::size_t>& indices, Split split,
                                                       const std::vector<double>& parameters) const {
  std::vector<int> labels;
  for (std::size_t index : indices) labels.push_back(label(split, index));
  return ClassificationReadout(
      features(), classes_, std::move(labels),
      {parameters.begin() + static_cast<std::ptrdiff_t>(model_parameters_), parameters.end()}, 1);
}

BatchProblem ImageClassificationTask::make_problem(Split split, const std::vector<std::size_t>& indices,
                                                   const std::vector<double>& parameters,
                                                   std::uint64_t) const {
  const std::size_t n = shapes_[0].size();
  std::vector<double> images(indices.size() * n);
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const auto [set, at] = locate(split, indices[b]);
    io::image_as_doubles(*set, at, &statistics_, images.data() + b * n);
  }
  auto model = std::make_unique<models::PredictiveCoding>(settings_.model.spec, std::move(images));
  model->set_parameters(
      {parameters.begin(), parameters.begin() + static_cast<std::ptrdiff_t>(model_parameters_)});
  BatchProblem problem;
  problem.initial_state.assign(model->state_size(), 0.0);
  problem.model = std::move(model);
  problem.loss = std::make_unique<ClassificationReadout>(readout(indices, split, parameters));
  problem.t0 = 0.0;
  problem.observation_times = {0.0, settings_.duration};
  return problem;
}

std::vector<double> ImageClassificationTask::score(Split split, const std::vector<std::size_t>& indices,
                                                   const solvers::Solution& solution,
                                                   const std::vector<double>& parameters) const {
  const ClassificationReadout r = readout(indices, split, parameters);
  const double* end = solution.state(solution.times.size() - 1);
  std::vector<double> correct;
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const auto z = r.logits(end, b);
    const auto best = static_cast<int>(std::max_element(z.begin(), z.end()) - z.begin());
    correct.push_back(best == label(split, indices[b]) ? 1.0 : 0.0);
  }
  return correct;
}

std::vector<std::string> ImageClassificationTask::recorded_names() const {
  std::vector<std::string> names;
  for (std::size_t c = 0; c < classes_; ++c) names.push_back("logit" + std::to_string(c));
  return names;
}

void ImageClassificationTask::record(const solvers::Solution& solution, std::size_t k, std::size_t b,
                                     const std::vector<double>& parameters, double* out) const {
  const ClassificationReadout r = readout(std::vector<std::size_t>(b + 1, 0), Split::training, parameters);
  const auto z = r.logits(solution.state(k), b);
  std::copy(z.begin(), z.end(), out);
}

std::vector<NamedArray> ImageClassificationTask::examples(const std::vector<double>& parameters,
                                                          const solvers::SolverSettings& solver) const {
  const std::size_t count = std::min<std::size_t>(8, samples(Split::evaluation));
  std::vector<std::size_t> indices(count);
  std::iota(indices.begin(), indices.end(), 0);
  const std::size_t n = shapes_[0].size();
  std::vector<double> images(count * n);
  for (std::size_t b = 0; b < count; ++b) {
    const auto [set, at] = locate(Split::evaluation, b);
    io::image_as_doubles(*set, at, &statistics_, images.data() + b * n);
  }
  models::PredictiveCoding model(settings_.model.spec, images);
  model.set_parameters(
      {parameters.begin(), parameters.begin() + static_cast<std::ptrdiff_t>(model_parameters_)});
  solvers::Integrator integrator(model, solver, "examples_");
  const auto solution =
      integrator.solve(0.0, std::vector<double>(model.state_size(), 0.0), {0.0, settings_.duration});
  if (!solution.ok()) return {};
  const double* end = solution.state(1);
  std::vector<double> prediction = model.image_prediction(end), error(images.size());
  for (std::size_t k = 0; k < images.size(); ++k) error[k] = images[k] - prediction[k];
  const ClassificationReadout r = readout(indices, Split::evaluation, parameters);
  std::vector<double> labels, predicted;
  for (std::size_t b = 0; b < count; ++b) {
    labels.push_back(label(Split::evaluation, b));
    const auto z = r.logits(end, b);
    predicted.push_back(static_cast<double>(std::max_element(z.begin(), z.end()) - z.begin()));
  }
  const std::vector<std::size_t> shape = {count, shapes_[0].channels, shapes_[0].height, shapes_[0].width};
  return {{"image", shape, images},
          {"prediction", shape, prediction},
          {"error", shape, error},
          {"label", {count}, labels},
          {"predicted", {count}, predicted}};
}

TaskSetup read_image_classification_task(const TaskSources& sources) {
  const io::ConfigNode& node = sources.task;
  for (const std::string section : {"constraints", "loss", "noise", "initial_jitter"})
    if (sources.root.has(section))
      sources.root.child(section).fail("expected no " + section +
                                       " section for the image_classification task: it configures the column "
                                       "tasks' networks (wta, xor, parity)");
  node.check_keys({"type", "data", "duration", "readout"});
  ImageClassificationSettings s;
  s.seed = sources.seed;
  if (node.has("data")) {
    const io::ConfigNode data = node.child("data");
    data.check_keys(
        {"format", "directory", "training_images", "validation_images", "test_images", "standardise"});
    if (data.has("format")) s.data.format = data.child("format").choice({"idx", "cifar10"});
    if (data.has("directory")) s.data.directory = data.get<std::string>("directory");
    s.data.training_images =
        data.get_or<unsigned long>("training_images", s.data.training_images, io::Bounds::closed(1, 1e7));
    s.data.validation_images =
        data.get_or<unsigned long>("validation_images", s.data.validation_images, io::Bounds::closed(1, 1e7));
    s.data.test_images =
        data.get_or<unsigned long>("test_images", s.data.test_images, io::Bounds::closed(0, 1e7));
    s.data.standardise = data.get_or("standardise", s.data.standardise);
  }
  s.duration = node.get_or("duration", s.duration, io::Bounds{0.0, io::kMaxTime_s, true, false});
  if (node.has("readout")) {
    const io::ConfigNode readout = node.child("readout");
    readout.check_keys({"pool"});
    if (readout.has("pool")) s.mean_pool = readout.child("pool").choice({"none", "mean"}) == "mean";
  }
  const io::ConfigNode model = sources.root.require("model");
  model.require("type").choice({"predictive_coding"});
  // The image shape is known once the data are read; the levels are checked against it here for
  // the formats' fixed shapes, so that a bad level is a config error before any data are read.
  const models::LevelShape input =
      s.data.format == "cifar10" ? models::LevelShape{3, 32, 32, true} : models::LevelShape{1, 28, 28, true};
  s.model = models::read_predictive_coding(model, input);
  TaskSetup setup;
  const auto shapes = models::level_shapes(s.model.spec);
  double states = 0;
  for (std::size_t l = 1; l < shapes.size(); ++l) states += static_cast<double>(shapes[l].size());
  setup.size.duration_s = s.duration;
  setup.size.observations = 2;
  setup.size.states = states;
  setup.size.training_samples = static_cast<double>(s.data.training_images);
  setup.size.evaluation_samples = static_cast<double>(s.data.validation_images);
  setup.size.parameters = static_cast<double>(models::parameter_count(s.model.spec));
  setup.size.parameters_key = "levels";
  setup.make = [s] { return std::make_unique<ImageClassificationTask>(s); };
  return setup;
}

}  // namespace neurode::train
