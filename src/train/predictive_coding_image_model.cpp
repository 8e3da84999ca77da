#include "train/predictive_coding_image_model.hpp"

#include "models/predictive_coding/predictive_coding.hpp"

namespace neurode::train {

PredictiveCodingImageModel::PredictiveCodingImageModel(models::PredictiveCodingSettings settings)
    : settings_(std::move(settings)) {}

std::unique_ptr<ImageModel> PredictiveCodingImageModel::clone() const {
  return std::make_unique<PredictiveCodingImageModel>(*this);
}

void PredictiveCodingImageModel::set_input(const models::LevelShape& input) {
  settings_.spec.input = input;
  (void)models::level_shapes(settings_.spec);  // throws for levels the input cannot take
}

std::size_t PredictiveCodingImageModel::parameter_count() const {
  return models::parameter_count(settings_.spec);
}

std::vector<double> PredictiveCodingImageModel::initial_parameters(std::uint64_t seed) const {
  return models::initial_predictive_coding_parameters(settings_, seed);
}

std::vector<std::string> PredictiveCodingImageModel::parameter_labels() const {
  return models::parameter_labels(settings_.spec);
}

models::StateLayout PredictiveCodingImageModel::trial_layout() const {
  return models::predictive_coding_layout(models::level_shapes(settings_.spec));
}

std::unique_ptr<models::Model> PredictiveCodingImageModel::make(std::vector<double> images,
                                                                const std::vector<double>& parameters) const {
  auto model = std::make_unique<models::PredictiveCoding>(settings_.spec, std::move(images));
  model->set_parameters(parameters);
  return model;
}

std::vector<NamedArray> PredictiveCodingImageModel::pictures(models::Model& model,
                                                             const solvers::Solution& solution,
                                                             const std::vector<double>& images,
                                                             std::size_t count) const {
  auto& pc = dynamic_cast<models::PredictiveCoding&>(model);
  std::vector<double> prediction = pc.image_prediction(solution.state(solution.times.size() - 1));
  std::vector<double> error(images.size());
  for (std::size_t k = 0; k < images.size(); ++k) error[k] = images[k] - prediction[k];
  const models::LevelShape& in = settings_.spec.input;
  const std::vector<std::size_t> shape = {count, in.channels, in.height, in.width};
  return {{"prediction", shape, prediction}, {"error", shape, error}};
}

double PredictiveCodingImageModel::states_per_trial() const {
  const auto shapes = models::level_shapes(settings_.spec);
  double states = 0;
  for (std::size_t l = 1; l < shapes.size(); ++l) states += static_cast<double>(shapes[l].size());
  return states;
}

std::unique_ptr<ImageModel> read_predictive_coding_image_model(const io::ConfigNode& model,
                                                               const models::LevelShape& input) {
  return std::make_unique<PredictiveCodingImageModel>(models::read_predictive_coding(model, input));
}

}  // namespace neurode::train
