#include "models/predictive_coding/pc_spec.hpp"

#include <stdexcept>

namespace neurode::models {

Prior parse_prior(const std::string& name) {
  if (name == "gaussian") return Prior::gaussian;
  if (name == "sparse") return Prior::sparse;
  throw std::invalid_argument("expected gaussian or sparse, got '" + name + "'");
}

const char* to_string(Prior prior) { return prior == Prior::gaussian ? "gaussian" : "sparse"; }

std::vector<LevelShape> level_shapes(const PredictiveCodingSpec& spec) {
  if (spec.levels.empty()) throw std::invalid_argument("predictive coding: expected at least one level");
  if (spec.input.size() == 0) throw std::invalid_argument("predictive coding: the image has no pixels");
  std::vector<LevelShape> shapes = {spec.input};
  for (std::size_t l = 1; l <= spec.levels.size(); ++l) {
    const LevelSpec& level = spec.levels[l - 1];
    const LevelShape& below = shapes.back();
    const std::string where = "predictive coding level " + std::to_string(l) + ": ";
    if (level.kind == LevelSpec::Kind::dense) {
      if (level.units == 0) throw std::invalid_argument(where + "expected units >= 1");
      shapes.push_back({level.units, 1, 1, false});
      continue;
    }
    if (!below.spatial) throw std::invalid_argument(where + "a convolution cannot follow a dense level");
    if (level.channels == 0 || level.kernel == 0 || level.stride == 0)
      throw std::invalid_argument(where + "expected channels, kernel and stride >= 1");
    const auto out = [&](std::size_t extent) -> std::size_t {
      const std::size_t padded = extent + 2 * level.padding;
      if (padded < level.kernel)
        throw std::invalid_argument(where + "a kernel of " + std::to_string(level.kernel) +
                                    " does not fit a " + std::to_string(extent) +
                                    "-pixel level with padding " + std::to_string(level.padding));
      return (padded - level.kernel) / level.stride + 1;
    };
    shapes.push_back({level.channels, out(below.height), out(below.width), true});
  }
  return shapes;
}

std::size_t weight_count(const PredictiveCodingSpec& spec, const std::vector<LevelShape>& shapes,
                         std::size_t l) {
  const LevelSpec& level = spec.levels[l - 1];
  if (level.kind == LevelSpec::Kind::dense) return shapes[l - 1].size() * shapes[l].size();
  return shapes[l].channels * shapes[l - 1].channels * level.kernel * level.kernel;
}

std::size_t parameter_count(const PredictiveCodingSpec& spec) {
  const auto shapes = level_shapes(spec);
  std::size_t n = spec.trainable_rates ? 3 : 0;
  for (std::size_t l = 1; l <= spec.levels.size(); ++l) n += weight_count(spec, shapes, l);
  return n;
}

std::string weight_name(const PredictiveCodingSpec& spec, std::size_t l) {
  // Appended rather than "U" + to_string: GCC 12 warns wrongly (-Wrestrict) about the latter.
  std::string name = spec.levels[l - 1].kind == LevelSpec::Kind::dense ? "U" : "K";
  return name.append(std::to_string(l));
}

std::vector<std::string> parameter_labels(const PredictiveCodingSpec& spec) {
  const auto shapes = level_shapes(spec);
  std::vector<std::string> labels;
  for (std::size_t l = 1; l <= spec.levels.size(); ++l) {
    const std::string name = weight_name(spec, l);
    const LevelSpec& level = spec.levels[l - 1];
    if (level.kind == LevelSpec::Kind::dense) {
      for (std::size_t i = 0; i < shapes[l - 1].size(); ++i)
        for (std::size_t j = 0; j < shapes[l].size(); ++j)
          labels.push_back(name + "[" + std::to_string(i) + "," + std::to_string(j) + "]");
      continue;
    }
    for (std::size_t o = 0; o < shapes[l].channels; ++o)
      for (std::size_t c = 0; c < shapes[l - 1].channels; ++c)
        for (std::size_t u = 0; u < level.kernel; ++u)
          for (std::size_t v = 0; v < level.kernel; ++v)
            labels.push_back(name + "[" + std::to_string(o) + "," + std::to_string(c) + "," +
                             std::to_string(u) + "," + std::to_string(v) + "]");
  }
  if (spec.trainable_rates) labels.insert(labels.end(), {"k1", "k2", "alpha"});
  return labels;
}

}  // namespace neurode::models
