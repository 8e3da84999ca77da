#include "models/noise/noise_config.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>

#include "io/config_limits.hpp"
#include "models/column/column_parameters.hpp"

namespace neurode::models {

namespace {

constexpr auto kPerColumn = static_cast<std::size_t>(kPopulationsPerColumn);

std::size_t variable_index(const std::string& name) {
  for (std::size_t v = 0; v < kColumnNoiseVariables.size(); ++v)
    if (name == kColumnNoiseVariables[v]) return v;
  return kColumnNoiseVariables.size();
}

// A number (every population of a column) or a list of one per population.
std::vector<double> read_amplitudes(const io::ConfigNode& value) {
  const io::Bounds bounds = io::Bounds::closed(0.0, io::kMaxSigma);
  if (value.is_list()) return value.numbers(bounds, kPerColumn);
  if (value.is_scalar()) return std::vector<double>(kPerColumn, value.as<double>(bounds));
  value.fail(
      "expected a number in [0, 1e+06] or a list of 8 numbers, one per population of a column "
      "(L2/3e, L2/3i, L4e, L4i, L5e, L5i, L6e, L6i), got " +
      value.describe_value());
}

}  // namespace

NoiseSettings read_noise_section(const io::ConfigNode& node, std::vector<std::string> extra_keys) {
  NoiseSettings noise;
  if (!node.present()) return noise;
  extra_keys.insert(extra_keys.end(),
                    {"sigma", "components", "type", "interpretation", "resolution", "path", "leaf"});
  node.check_keys(extra_keys);

  std::array<bool, 3> chosen{true, false, false};  // V only unless `components` says otherwise
  const io::ConfigNode components = node.child("components");
  if (components.present()) {
    chosen = {};
    for (const auto& entry : components.items(1, kColumnNoiseVariables.size(), "variables (V, a, r)")) {
      const std::size_t v = variable_index(entry.choice({"V", "a", "r"}));
      if (chosen[v]) entry.fail("expected each variable once, got '" + entry.scalar_text() + "' again");
      chosen[v] = true;
    }
  }
  const io::ConfigNode sigma = node.require("sigma");
  if (sigma.is_map()) {
    // The map's keys are the noisy variables.
    if (components.present())
      components.fail(
          "expected no noise.components with a map noise.sigma, whose keys choose the components");
    sigma.check_keys({"V", "a", "r"});
    const std::vector<std::string> keys = sigma.keys();
    if (keys.empty())
      sigma.fail("expected a number, or a map with at least one of V, a, r, got an empty map");
    for (const std::string& key : keys)
      noise.column_sigma[variable_index(key)] = read_amplitudes(sigma.child(key));
  } else {
    const std::vector<double> amplitudes = read_amplitudes(sigma);
    for (std::size_t v = 0; v < chosen.size(); ++v)
      if (chosen[v]) noise.column_sigma[v] = amplitudes;
  }
  for (const auto& values : noise.column_sigma)
    for (double s : values) noise.sigma = std::max(noise.sigma, s);

  const io::ConfigNode type = node.child("type");
  if (type.present())
    noise.type = type.choice({"additive", "multiplicative"}) == "multiplicative" ? NoiseType::multiplicative
                                                                                 : NoiseType::additive;
  const io::ConfigNode interpretation = node.child("interpretation");
  if (interpretation.present())
    noise.interpretation = interpretation.choice({"stratonovich", "ito"}) == "ito"
                               ? NoiseInterpretation::ito
                               : NoiseInterpretation::stratonovich;
  else if (noise.type == NoiseType::multiplicative)
    interpretation.fail(
        "expected stratonovich or ito for noise.type: multiplicative (no default: the two are "
        "different processes), got nothing (the key is missing)");
  noise.resolution_s = node.get_or("resolution", noise.resolution_s, io::Bounds::positive());
  const io::ConfigNode path = node.child("path");
  if (path.present())
    noise.path = path.choice({"grid", "tree"}) == "tree" ? NoisePath::tree : NoisePath::grid;
  if (noise.path == NoisePath::tree && noise.type == NoiseType::multiplicative)
    path.fail(
        "expected grid with noise.type: multiplicative (the Brownian tree's adaptive steps are for "
        "additive noise), got tree");
  const io::ConfigNode leaf = node.child("leaf");
  if (leaf.present() && noise.path != NoisePath::tree)
    leaf.fail("expected no noise.leaf without noise.path: tree (the grid's spacing is noise.resolution)");
  noise.tree_leaf_s = node.get_or("leaf", noise.tree_leaf_s, io::Bounds::positive());
  return noise;
}

}  // namespace neurode::models
