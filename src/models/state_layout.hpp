#pragma once
/// How a model's state is laid out, so that outputs, losses, `neurode simulate` and the plot
/// scripts can name and slice any model's states without knowing the model. One trial's state is
/// its components one after another, each a row-major array of `shape`; the trials of a batch are
/// laid end to end.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace neurode::models {

struct StateComponent {
  std::string name;                ///< e.g. "V"; a dataset name in the output file
  std::vector<std::size_t> shape;  ///< per trial, e.g. {populations}
  std::string units;               ///< e.g. "mV"; "" for dimensionless
  std::string axis;                ///< what the last index counts, e.g. "population"
  std::string index;               ///< how it is numbered, e.g. "8 * column + population"

  std::size_t size() const {
    std::size_t n = 1;
    for (std::size_t extent : shape) n *= extent;
    return n;
  }
};

struct StateLayout {
  std::vector<StateComponent> components;

  std::size_t trial_size() const {
    std::size_t n = 0;
    for (const auto& c : components) n += c.size();
    return n;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& c : components) out.push_back(c.name);
    return out;
  }
  /// Index of component `name` in components; throws std::invalid_argument listing the names.
  std::size_t find(const std::string& name) const {
    for (std::size_t i = 0; i < components.size(); ++i)
      if (components[i].name == name) return i;
    std::string known;
    for (const auto& c : components) known += (known.empty() ? "" : ", ") + c.name;
    throw std::invalid_argument("unknown state component '" + name + "' (this model has " + known + ")");
  }
  /// Offset of component `i` within one trial's state.
  std::size_t offset(std::size_t i) const {
    std::size_t n = 0;
    for (std::size_t j = 0; j < i; ++j) n += components[j].size();
    return n;
  }
};

}  // namespace neurode::models
