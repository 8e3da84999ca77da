#include "train/hgru_image_model.hpp"

#include <stdexcept>

namespace neurode::train {

HgruImageModel::HgruImageModel(models::HgruSettings settings, double duration)
    : settings_(std::move(settings)), duration_(duration) {}

std::unique_ptr<ImageModel> HgruImageModel::clone() const { return std::make_unique<HgruImageModel>(*this); }

void HgruImageModel::set_input(const models::LevelShape& input) {
  settings_.spec.input_channels = input.channels;
  settings_.spec.height = input.height;
  settings_.spec.width = input.width;
}

std::size_t HgruImageModel::parameter_count() const { return models::hgru_parameter_count(settings_.spec); }

std::vector<double> HgruImageModel::initial_parameters(std::uint64_t seed) const {
  return models::initial_hgru_parameters(settings_, duration_, seed);
}

std::vector<std::string> HgruImageModel::parameter_labels() const {
  std::vector<std::string> labels;
  for (const auto& a : models::hgru_parameter_arrays(settings_.spec))
    for (std::size_t k = 0; k < a.count; ++k)
      labels.push_back(a.shape.empty() ? a.name : a.name + "[" + std::to_string(k) + "]");
  return labels;
}

void HgruImageModel::hold_fixed(std::vector<double>& parameters, std::uint64_t seed) const {
  if (settings_.trainable_tau && settings_.trainable_front_end) return;
  const std::vector<double> initial = initial_parameters(seed);
  for (const auto& a : models::hgru_parameter_arrays(settings_.spec)) {
    const bool fixed = (a.name == "tau" && !settings_.trainable_tau) ||
                       ((a.name == "F" || a.name == "f") && !settings_.trainable_front_end);
    if (fixed)
      std::copy_n(initial.begin() + static_cast<std::ptrdiff_t>(a.offset), a.count,
                  parameters.begin() + static_cast<std::ptrdiff_t>(a.offset));
  }
}

models::StateLayout HgruImageModel::trial_layout() const {
  const models::HgruSpec& s = settings_.spec;
  return {{{"H2", {s.channels, s.height, s.width}, "", "column", "[channel, row, column]"}}};
}

std::unique_ptr<models::Model> HgruImageModel::make(std::vector<double> images,
                                                    const std::vector<double>& parameters) const {
  auto model = std::make_unique<models::Hgru>(settings_.spec, std::move(images));
  model->set_parameters(parameters);
  return model;
}

std::vector<double> HgruImageModel::picture_times(double duration) const {
  std::vector<double> times;
  for (std::size_t k = 0; k <= settings_.timesteps; ++k)
    times.push_back(duration * static_cast<double>(k) / static_cast<double>(settings_.timesteps));
  times.back() = duration;
  return times;
}

std::vector<NamedArray> HgruImageModel::pictures(models::Model& model, const solvers::Solution& solution,
                                                 const std::vector<double>&, std::size_t count) const {
  const models::HgruSpec& s = settings_.spec;
  const std::size_t n = s.size(), times = solution.times.size();
  std::vector<double> h2(count * times * n);
  for (std::size_t b = 0; b < count; ++b)
    for (std::size_t k = 0; k < times; ++k) {
      const double* y = solution.state(k) + b * n;
      std::copy(y, y + n, h2.begin() + static_cast<std::ptrdiff_t>((b * times + k) * n));
    }
  const auto& drive = dynamic_cast<models::Hgru&>(model).drive();
  return {{"H2", {count, times, s.channels, s.height, s.width}, h2},
          {"drive",
           {count, s.channels, s.height, s.width},
           {drive.begin(), drive.begin() + static_cast<std::ptrdiff_t>(count * n)}},
          {"times", {times}, solution.times}};
}

std::unique_ptr<ImageModel> read_hgru_image_model(const io::ConfigNode& model,
                                                  const models::LevelShape& input, double duration) {
  return std::make_unique<HgruImageModel>(models::read_hgru(model, input.channels, input.height, input.width),
                                          duration);
}

}  // namespace neurode::train
