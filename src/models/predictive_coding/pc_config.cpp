#include "models/predictive_coding/pc_config.hpp"

#include <cmath>

#include "models/kernels/random_stream.hpp"

namespace neurode::models {

PredictiveCodingSettings read_predictive_coding(const io::ConfigNode& model, const LevelShape& input) {
  model.check_keys({"type", "levels", "prior", "k1", "k2", "alpha", "trainable_rates", "weight_scale"});
  PredictiveCodingSettings s;
  PredictiveCodingSpec& spec = s.spec;
  spec.input = input;
  const io::ConfigNode levels = model.require("levels");
  for (const io::ConfigNode& node : levels.items(1, 16, "levels")) {
    LevelSpec level;
    const std::string kind = node.require("kind").choice({"dense", "convolution"});
    if (kind == "dense") {
      node.check_keys({"kind", "units"});
      level.kind = LevelSpec::Kind::dense;
      level.units = node.get<unsigned long>("units", io::Bounds::closed(1, 1 << 20));
    } else {
      node.check_keys({"kind", "channels", "kernel", "stride", "padding"});
      level.kind = LevelSpec::Kind::convolution;
      level.channels = node.get<unsigned long>("channels", io::Bounds::closed(1, 4096));
      level.kernel = node.get<unsigned long>("kernel", io::Bounds::closed(1, 64));
      level.stride = node.get_or<unsigned long>("stride", 1, io::Bounds::closed(1, 64));
      level.padding = node.get_or<unsigned long>("padding", 0, io::Bounds::closed(0, 64));
    }
    spec.levels.push_back(level);
    try {
      level_shapes(spec);
    } catch (const std::invalid_argument& e) {
      node.fail(std::string("expected a level that fits the one below: ") + e.what());
    }
  }
  if (model.has("prior")) spec.prior = parse_prior(model.child("prior").choice({"gaussian", "sparse"}));
  spec.k1 = model.get_or("k1", spec.k1, io::Bounds::closed(0, 1e3));
  spec.k2 = model.get_or("k2", spec.k2, io::Bounds::closed(0, 1e3));
  spec.alpha = model.get_or("alpha", spec.alpha, io::Bounds::closed(0, 1e3));
  spec.trainable_rates = model.get_or("trainable_rates", false);
  s.weight_scale = model.get_or("weight_scale", s.weight_scale, io::Bounds::closed(0, 1e3));
  return s;
}

std::vector<double> initial_predictive_coding_parameters(const PredictiveCodingSettings& settings,
                                                         std::uint64_t seed) {
  const PredictiveCodingSpec& spec = settings.spec;
  const auto shapes = level_shapes(spec);
  std::vector<double> p;
  for (std::size_t l = 1; l <= spec.levels.size(); ++l) {
    const LevelSpec& level = spec.levels[l - 1];
    // G_l^T maps level l - 1 to level l: its fan-in is what one output of it sums over.
    const double fan_in = level.kind == LevelSpec::Kind::dense
                              ? static_cast<double>(shapes[l - 1].size())
                              : static_cast<double>(shapes[l - 1].channels * level.kernel * level.kernel);
    const double scale = settings.weight_scale / std::sqrt(fan_in);
    const RandomStream stream(seed, RandomDomain::image_model_weights, l);
    const std::size_t n = weight_count(spec, shapes, l);
    for (std::size_t k = 0; k < n; ++k) p.push_back(scale * stream.normal(k));
  }
  if (spec.trainable_rates) p.insert(p.end(), {spec.k1, spec.k2, spec.alpha});
  return p;
}

}  // namespace neurode::models
