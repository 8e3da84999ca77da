#include "train/image_classification_task.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "datasets/pathfinder_set.hpp"
#include "io/config_limits.hpp"
#include "models/kernels/random_stream.hpp"
#include "solvers/integrator.hpp"
#include "train/hgru_image_model.hpp"
#include "train/predictive_coding_image_model.hpp"

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
  if (d.format == "pathfinder") {
    const auto pathfinder = datasets::preset_settings(d.preset, d.contour_length, d.size);
    const std::size_t held = d.training_images + d.validation_images;
    training_ = datasets::pathfinder_image_set(pathfinder, settings_.seed, 0, held);
    if (d.test_images > 0)
      test_ = datasets::pathfinder_image_set(pathfinder, settings_.seed, held, d.test_images);
  } else {
    training_ =
        io::read_image_directory(d.format, d.directory, true, d.training_images + d.validation_images);
    if (d.test_images > 0) test_ = io::read_image_directory(d.format, d.directory, false, d.test_images);
  }
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
  // The read formats have ten classes (a subset's largest label may be smaller); Pathfinder two.
  classes_ = d.format == "pathfinder"
                 ? 2
                 : std::max<std::size_t>({10, training_.classes, test_.count ? test_.classes : 0});
  input_ = shape_of(training_);
  if (test_.count &&
      (test_.channels != input_.channels || test_.height != input_.height || test_.width != input_.width))
    throw io::DataError(test_.source + ": its images are not the shape of the training images");
  if (!settings_.model) throw std::invalid_argument("image classification: no model");
  model_ = settings_.model->clone();
  try {
    model_->set_input(input_);
  } catch (const std::invalid_argument& e) {
    throw io::DataError(training_.source + ": the model cannot take its images: " + e.what());
  }
  model_parameters_ = model_->parameter_count();
  layout_ = model_->trial_layout();
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
  return top_component_features(layout_, settings_.pool);
}

std::vector<double> ImageClassificationTask::initial_parameters() const {
  std::vector<double> p = model_->initial_parameters(settings_.seed);
  // Read-out: A ~ N(0, 1) / sqrt(features) (LeCun), b = 0.
  const std::size_t F = features().count();
  const models::RandomStream stream(settings_.seed, models::RandomDomain::image_readout_weights, 0);
  const double scale = 1.0 / std::sqrt(static_cast<double>(F));
  for (std::size_t k = 0; k < classes_ * F; ++k) p.push_back(scale * stream.normal(k));
  p.insert(p.end(), classes_, 0.0);
  return p;
}

std::vector<std::string> ImageClassificationTask::parameter_labels() const {
  std::vector<std::string> labels = model_->parameter_labels();
  const std::size_t F = features().count();
  for (std::size_t c = 0; c < classes_; ++c)
    for (std::size_t j = 0; j < F; ++j)
      labels.push_back("A[" + std::to_string(c) + "," + std::to_string(j) + "]");
  for (std::size_t c = 0; c < classes_; ++c) labels.push_back("b[" + std::to_string(c) + "]");
  return labels;
}

void ImageClassificationTask::project(std::vector<double>& parameters) const {
  model_->hold_fixed(parameters, settings_.seed);
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
  const std::size_t n = input_.size();
  std::vector<double> images(indices.size() * n);
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const auto [set, at] = locate(split, indices[b]);
    io::image_as_doubles(*set, at, &statistics_, images.data() + b * n);
  }
  auto model =
      model_->make(std::move(images),
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
  const std::size_t n = input_.size();
  std::vector<double> images(count * n);
  for (std::size_t b = 0; b < count; ++b) {
    const auto [set, at] = locate(Split::evaluation, b);
    io::image_as_doubles(*set, at, &statistics_, images.data() + b * n);
  }
  auto model = model_->make(
      images, {parameters.begin(), parameters.begin() + static_cast<std::ptrdiff_t>(model_parameters_)});
  solvers::Integrator integrator(*model, solver, "examples_");
  const auto solution = integrator.solve(0.0, std::vector<double>(model->state_size(), 0.0),
                                         model_->picture_times(settings_.duration));
  if (!solution.ok()) return {};
  const double* end = solution.state(solution.times.size() - 1);
  const ClassificationReadout r = readout(indices, Split::evaluation, parameters);
  std::vector<double> labels, predicted;
  for (std::size_t b = 0; b < count; ++b) {
    labels.push_back(label(Split::evaluation, b));
    const auto z = r.logits(end, b);
    predicted.push_back(static_cast<double>(std::max_element(z.begin(), z.end()) - z.begin()));
  }
  std::vector<NamedArray> arrays = {{"image", {count, input_.channels, input_.height, input_.width}, images}};
  for (auto& picture : model_->pictures(*model, solution, images, count))
    arrays.push_back(std::move(picture));
  arrays.push_back({"label", {count}, labels});
  arrays.push_back({"predicted", {count}, predicted});
  return arrays;
}

namespace {

// `data:` of an image task; the image shape it gives, so that the model is checked against it
// before any data are read. For Pathfinder, `length_key` is set to the place of `length` (present
// or not): the key a failed layout is reported at, when the images are generated.
models::LevelShape read_image_data(const io::ConfigNode& data, ImageDataSettings& d,
                                   std::optional<io::ConfigNode>& length_key) {
  data.check_keys({"format", "directory", "training_images", "validation_images", "test_images",
                   "standardise", "preset", "length", "size"});
  if (data.has("format")) d.format = data.child("format").choice({"idx", "cifar10", "pathfinder"});
  const bool pathfinder = d.format == "pathfinder";
  for (const std::string key : {"preset", "length", "size"})
    if (!pathfinder && data.has(key))
      data.child(key).fail("expected no " + key + " for format " + d.format +
                           ": it sets the generated Pathfinder images");
  if (pathfinder && data.has("directory"))
    data.child("directory").fail("expected no directory for format pathfinder: its images are generated");
  if (data.has("directory")) d.directory = data.get<std::string>("directory");
  d.training_images =
      data.get_or<unsigned long>("training_images", d.training_images, io::Bounds::closed(1, 1e7));
  d.validation_images =
      data.get_or<unsigned long>("validation_images", d.validation_images, io::Bounds::closed(1, 1e7));
  d.test_images = data.get_or<unsigned long>("test_images", d.test_images, io::Bounds::closed(0, 1e7));
  // Pathfinder's images are mostly background: standardising would only rescale them.
  d.standardise = data.get_or("standardise", !pathfinder && d.standardise);
  if (pathfinder) {
    if (data.has("preset")) d.preset = data.child("preset").choice({"pathfinder32", "original"});
    if (!data.has("size")) d.size = d.preset == "original" ? 150 : 32;
    d.contour_length = data.get_or<unsigned long>("length", d.contour_length, io::Bounds::closed(2, 64));
    d.size = data.get_or<unsigned long>("size", d.size, io::Bounds::closed(8, 1024));
    // The length is bounded above, so what validate() can still refuse is the size (the room it
    // leaves for the seed distance).
    try {
      datasets::validate(datasets::preset_settings(d.preset, d.contour_length, d.size));
    } catch (const std::invalid_argument& e) {
      data.child("size").fail(std::string("expected Pathfinder settings that fit: ") + e.what());
    }
    length_key = data.child("length");
    return {1, d.size, d.size, true};
  }
  return d.format == "cifar10" ? models::LevelShape{3, 32, 32, true} : models::LevelShape{1, 28, 28, true};
}

}  // namespace

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
  std::optional<io::ConfigNode> length_key;
  const models::LevelShape input =
      read_image_data(node.has("data") ? node.child("data")
                                       : io::ConfigNode(YAML::Node(YAML::NodeType::Map), sources.config_path),
                      s.data, length_key);
  s.duration = node.get_or("duration", s.duration, io::Bounds{0.0, io::kMaxTime_s, true, false});
  const io::ConfigNode model = sources.root.require("model");
  const std::string type = model.require("type").choice({"predictive_coding", "hgru"});
  // The hGRU is read out from its channels' maxima by default: where the markers are matters.
  s.pool = type == "hgru" ? Pool::max : Pool::none;
  if (node.has("readout")) {
    const io::ConfigNode readout = node.child("readout");
    readout.check_keys({"pool"});
    if (readout.has("pool")) s.pool = parse_pool(readout.child("pool").choice({"none", "mean", "max"}));
  }
  std::shared_ptr<ImageModel> image_model;
  if (type == "hgru")
    image_model = read_hgru_image_model(model, input, s.duration);
  else
    image_model = read_predictive_coding_image_model(model, input);
  s.model = image_model;
  TaskSetup setup;
  setup.size.duration_s = s.duration;
  setup.size.observations = 2;
  setup.size.states = image_model->states_per_trial();
  setup.size.training_samples = static_cast<double>(s.data.training_images);
  setup.size.evaluation_samples = static_cast<double>(s.data.validation_images);
  setup.size.parameters = static_cast<double>(image_model->parameter_count());
  setup.size.parameters_key = type == "hgru" ? "channels" : "levels";
  // Whether the paths fit is known only by laying them out: a failure is the length's, in the
  // config's terms (ConfigError: exit 2, one line naming the file and the key).
  setup.make = [s, length_key]() -> std::unique_ptr<Task> {
    try {
      return std::make_unique<ImageClassificationTask>(s);
    } catch (const datasets::PathfinderLayoutError& e) {
      if (!length_key) throw;
      const std::string size = std::to_string(s.data.size);
      length_key->fail("expected a path length that fits " + size + "x" + size + " " + s.data.preset +
                       " images, got " + std::to_string(s.data.contour_length) + ": image " +
                       std::to_string(e.index()) + " of seed " + std::to_string(e.seed()) +
                       " has no layout in " + std::to_string(datasets::kPathfinderMaxAttempts) +
                       " attempts (the canvas is too small for these paths)");
    }
  };
  return setup;
}

}  // namespace neurode::train
