#include "scan/scan_points.hpp"

#include <stdexcept>

namespace neurode::scan {
namespace {

struct Step {
  std::string key;                   ///< a map key, or "" for a list index alone
  std::vector<std::size_t> indices;  ///< [i][j] after the key
};

std::vector<Step> parse_path(const std::string& path) {
  std::vector<Step> steps;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('.', start), path.size());
    const std::string part = path.substr(start, end - start);
    Step step;
    const std::size_t bracket = part.find('[');
    step.key = part.substr(0, bracket);
    for (std::size_t at = bracket; at != std::string::npos && at < part.size();) {
      const std::size_t close = part.find(']', at);
      const std::string digits = close == std::string::npos ? "" : part.substr(at + 1, close - at - 1);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("'" + part + "' is not a key with list indices such as areas[1]");
      step.indices.push_back(std::stoul(digits));
      at = close + 1;
      if (at < part.size() && part[at] != '[')
        throw std::invalid_argument("'" + part + "' is not a key with list indices such as areas[1]");
    }
    if (step.key.empty()) throw std::invalid_argument("an empty key in '" + path + "'");
    steps.push_back(std::move(step));
    if (end == path.size()) break;
    start = end + 1;
  }
  return steps;
}

}  // namespace

std::size_t point_count(const ScanSpec& spec) {
  if (spec.combine == Combine::zip) return spec.axes.front().values.size();
  std::size_t count = 1;
  for (const auto& axis : spec.axes) count *= axis.values.size();
  return count;
}

void put_value(YAML::Node& config, const std::string& key_path, const YAML::Node& value) {
  const auto steps = parse_path(key_path);
  // reset() rebinds a handle; plain assignment would overwrite the node it refers to.
  YAML::Node node;
  node.reset(config);
  std::string done;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Step& step = steps[s];
    if (node.IsDefined() && !node.IsNull() && !node.IsMap())
      throw std::invalid_argument((done.empty() ? "the config" : done) + " is not a map, so it has no key '" +
                                  step.key + "'");
    const bool last_key = step.indices.empty() && s + 1 == steps.size();
    if (last_key) {
      node[step.key] = YAML::Clone(value);
      return;
    }
    YAML::Node next = node[step.key];
    node.reset(next);
    done += (done.empty() ? "" : ".") + step.key;
    for (std::size_t k = 0; k < step.indices.size(); ++k) {
      const std::size_t i = step.indices[k];
      if (!node.IsSequence() || i >= node.size())
        throw std::invalid_argument(done + " has no entry [" + std::to_string(i) + "] (" +
                                    (node.IsSequence() ? "it has " + std::to_string(node.size()) + " entries"
                                                       : std::string("it is not a list")) +
                                    ")");
      done.append("[").append(std::to_string(i)).append("]");  // (not "[" + ...: GCC 12's false -Wrestrict)
      if (k + 1 == step.indices.size() && s + 1 == steps.size()) {
        node[i] = YAML::Clone(value);
        return;
      }
      YAML::Node element = node[i];
      node.reset(element);
    }
  }
}

Point make_point(const ScanSpec& spec, std::size_t index) {
  Point point;
  point.index = index;
  point.choice.resize(spec.axes.size());
  std::size_t rest = index;
  for (std::size_t a = spec.axes.size(); a-- > 0;) {
    const std::size_t n = spec.axes[a].values.size();
    point.choice[a] = spec.combine == Combine::zip ? index : rest % n;
    rest /= spec.combine == Combine::zip ? 1 : n;
  }
  YAML::Node config = YAML::Clone(spec.base);
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    try {
      put_value(config, spec.axes[a].key, spec.axes[a].values[point.choice[a]]);
    } catch (const std::invalid_argument& e) {
      throw KeyPathError(a, e.what());
    }
  }
  YAML::Emitter out;
  out << config;
  point.config_text = std::string(out.c_str()) + "\n";
  return point;
}

std::string describe_point(const ScanSpec& spec, const Point& point) {
  std::string text;
  for (std::size_t a = 0; a < spec.axes.size(); ++a)
    text += (a ? ", " : "") + spec.axes[a].key + " = " + spec.axes[a].labels[point.choice[a]];
  return text;
}

}  // namespace neurode::scan
