#include "scan/scan_spec.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "io/config_reader.hpp"

namespace neurode::scan {
namespace {

using io::Bounds;
using io::ConfigNode;

// The shortest text that reads back as the same double: a generated value stored in a point's
// config gives that very number when the config is parsed.
std::string shortest_text(double x) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, result.ptr);
}

bool parses_as_number(const YAML::Node& node, double& value) {
  if (!node.IsScalar()) return false;
  const std::string text = node.Scalar();
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(value);
}

std::string flow_text(const YAML::Node& node) {
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

void add_number(Axis& axis, double x) {
  axis.values.emplace_back(shortest_text(x));
  axis.labels.push_back(shortest_text(x));
}

// {from, to, count}: count evenly spaced values; {log_from, log_to, count}: geometrically spaced;
// {from, to[, step]} with whole numbers: every step-th whole number (seeds).
void read_range(const ConfigNode& node, Axis& axis) {
  node.check_keys({"from", "to", "count", "step", "log_from", "log_to"});
  if (node.has("log_from") || node.has("log_to")) {
    const double a = node.get<double>("log_from", Bounds::positive());
    const double b = node.get<double>("log_to", Bounds::positive());
    const int count = node.get<int>("count", Bounds::at_least(1));
    for (int k = 0; k < count; ++k) {
      const double f = count == 1 ? 0.0 : static_cast<double>(k) / (count - 1);
      // Ends exact: log_from and log_to themselves, not exp(log(x)).
      add_number(axis, k == 0           ? a
                       : k == count - 1 ? b
                                        : std::exp(std::log(a) + f * (std::log(b) - std::log(a))));
    }
    return;
  }
  if (node.has("count")) {
    if (node.has("step")) node.child("step").fail("expected either count or step, not both");
    const double a = node.get<double>("from"), b = node.get<double>("to");
    const int count = node.get<int>("count", Bounds::at_least(1));
    for (int k = 0; k < count; ++k)
      add_number(axis, k == 0 ? a : k == count - 1 ? b : a + (b - a) * k / (count - 1));
    return;
  }
  const long a = node.get<long>("from"), b = node.get<long>("to");
  const long step = node.get_or<long>("step", 1, Bounds::at_least(1));
  if (b < a)
    node.child("to").fail("expected a whole number >= from (" + std::to_string(a) + "), got " +
                          std::to_string(b));
  if ((b - a) / step >= 1000000) node.fail("expected a range of at most 10^6 values");
  for (long x = a; x <= b; x += step) {
    axis.values.emplace_back(std::to_string(x));
    axis.labels.push_back(std::to_string(x));
  }
}

Axis read_axis(const ConfigNode& node, const std::string& key) {
  Axis axis;
  axis.key = key;
  axis.line = node.line();
  if (node.is_list()) {
    for (const auto& item : node.items(1, SIZE_MAX, "values")) {
      axis.values.push_back(YAML::Clone(item.yaml()));
      axis.labels.push_back(item.is_scalar() ? item.scalar_text() : flow_text(item.yaml()));
    }
  } else if (node.is_map()) {
    read_range(node, axis);
  } else {
    node.fail(
        "expected a list of values or a range ({from, to, count}, {log_from, log_to, count} or "
        "{from, to, step} of whole numbers), got " +
        node.describe_value());
  }
  if (axis.values.empty()) node.fail("expected at least one value, got an empty axis");
  axis.numeric = true;
  for (const auto& value : axis.values) {
    double x = 0;
    if (!parses_as_number(value, x)) {
      axis.numeric = false;
      axis.numbers.clear();
      break;
    }
    axis.numbers.push_back(x);
  }
  return axis;
}

// A key path: names separated by dots, each optionally followed by [index]es.
void check_key_path(const ConfigNode& at, const std::string& key) {
  bool ok = !key.empty() && key.front() != '.' && key.back() != '.' && key.find("..") == std::string::npos;
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' || c == ']' ||
          c == '-'))
      ok = false;
  if (!ok)
    at.fail("expected config key paths such as solver.method or model.areas[1].columns, got '" + key + "'");
}

}  // namespace

ScanSpec load_scan(const std::string& path) { return parse_scan(io::read_config_text(path), path); }

ScanSpec parse_scan(const std::string& text, const std::string& path) {
  const ConfigNode root = io::parse_config_text(text, path);
  if (!root.is_map()) root.fail("expected a scan: a map with base and axes");
  root.check_keys({"base", "kind", "axes", "combine", "output", "ranks_per_point"});
  ScanSpec spec;
  spec.path = path;
  spec.text = text;
  // 1. The base config: a path (relative to the scan file) or the config itself.
  const ConfigNode base = root.require("base");
  if (base.is_scalar()) {
    std::filesystem::path file = base.as<std::string>();
    if (file.is_relative()) file = std::filesystem::path(path).parent_path() / file;
    spec.base_path = file.lexically_normal().string();
    std::string base_text;
    try {
      base_text = io::read_config_text(spec.base_path);
    } catch (const io::ConfigError& e) {
      base.fail("expected a readable config file, but " + spec.base_path + " cannot be read (" +
                e.expectation() + ")");
    }
    const ConfigNode parsed = io::parse_config_text(base_text, spec.base_path);
    if (!parsed.is_map())
      base.fail("expected a config (a map), " + spec.base_path + " holds " + parsed.describe_value());
    spec.base = YAML::Clone(parsed.yaml());
  } else if (base.is_map()) {
    spec.base_path = path;
    spec.base = YAML::Clone(base.yaml());
  } else {
    base.fail("expected the path of a training or simulation config, or the config itself, got " +
              base.describe_value());
  }
  // 2. What it is: a training config has a task.
  const bool has_task = spec.base["task"].IsDefined();
  const std::string kind = root.get_or<std::string>("kind", has_task ? "train" : "simulate");
  if (root.has("kind")) root.child("kind").choice({"train", "simulate"});
  spec.kind = kind == "train" ? BaseKind::training : BaseKind::simulation;
  if (spec.kind == BaseKind::training && !has_task)
    root.child("kind").fail("expected simulate: the base config has no task, so it is not a training");
  if (root.has("combine"))
    spec.combine = root.child("combine").choice({"grid", "zip"}) == "grid" ? Combine::grid : Combine::zip;
  // 3. The axes, in file order.
  const ConfigNode axes = root.require("axes");
  if (!axes.is_map() || axes.keys().empty())
    axes.fail("expected a map of config key paths to their values, got " + axes.describe_value());
  axes.check_keys(axes.keys());  // refuses a key given twice
  for (const auto& key : axes.keys()) {
    const ConfigNode node = axes.child(key);
    check_key_path(node, key);
    spec.axes.push_back(read_axis(node, key));
  }
  if (spec.combine == Combine::zip)
    for (const auto& axis : spec.axes)
      if (axis.values.size() != spec.axes.front().values.size())
        axes.child(axis.key).fail("expected " + std::to_string(spec.axes.front().values.size()) +
                                  " values (zipped axes go together, and " + spec.axes.front().key + " has " +
                                  std::to_string(spec.axes.front().values.size()) + "), got " +
                                  std::to_string(axis.values.size()));
  const ConfigNode output = root.child("output");
  if (output.present()) {
    output.check_keys({"file"});
    spec.output_file = output.get_or<std::string>("file", "");
  }
  spec.ranks_per_point = root.get_or<unsigned long>("ranks_per_point", 1, Bounds::at_least(1));
  return spec;
}

}  // namespace neurode::scan
