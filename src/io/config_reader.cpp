#include "io/config_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <type_traits>

namespace neurode::io {
namespace {

// Shortest text that reads back to the same double, so messages show "1e-12", not "1.000000e-12".
std::string format_number(double x) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, result.ptr);
}

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text.append(text.empty() ? "" : ", ").append(word);
  return text;
}

int line_of(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? fallback : mark.line + 1;
}

// from_chars over the whole text: "1.5x" or "" is not a number. Integers reject "2.0" and "1e3".
template <typename T>
bool parse_whole(const std::string& text, T& value) {
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  return result.ec == std::errc() && result.ptr == end;
}

}  // namespace

bool Bounds::contains(double x) const {
  if (lower && (lower_open ? !(x > *lower) : !(x >= *lower))) return false;
  if (upper && (upper_open ? !(x < *upper) : !(x <= *upper))) return false;
  return true;
}

std::string Bounds::describe() const {
  if (lower && upper)
    return std::string(" in ") + (lower_open ? "(" : "[") + format_number(*lower) + ", " +
           format_number(*upper) + (upper_open ? ")" : "]");
  if (lower) return std::string(lower_open ? " > " : " >= ") + format_number(*lower);
  if (upper) return std::string(upper_open ? " < " : " <= ") + format_number(*upper);
  return "";
}

// The root keeps line 0: "line 1" would only be noise on a message about a missing section.
ConfigNode::ConfigNode(YAML::Node node, std::string file)
    : node_(node), file_(std::move(file)), present_(true) {}

ConfigNode::ConfigNode(YAML::Node node, std::string file, std::string key_path, int line, bool present)
    : node_(node), file_(std::move(file)), key_path_(std::move(key_path)), line_(line), present_(present) {}

std::string ConfigNode::scalar_text() const { return is_scalar() ? node_.Scalar() : std::string(); }

void ConfigNode::fail(const std::string& expectation) const {
  throw ConfigError(file_, key_path_, line_, expectation);
}

void ConfigNode::fail_expected(const std::string& what) const {
  fail("expected " + what + ", got " + describe_value());
}

std::string ConfigNode::describe_value() const {
  if (!present_) return "nothing (the key is missing)";
  if (node_.IsNull()) return "an empty value";
  if (node_.IsSequence()) return "a list";
  if (node_.IsMap()) return "a map";
  std::string text = node_.Scalar();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return "'" + text + "'";
}

void ConfigNode::expect_map_or_null() const {
  if (present_ && !node_.IsNull() && !node_.IsMap()) fail_expected("a map of keys");
}

namespace {

// The entry of `key` in `map` as (key node, value node); undefined nodes when it has none.
std::pair<YAML::Node, YAML::Node> entry_of(const YAML::Node& map, const std::string& key) {
  if (map.IsMap())
    for (auto it = map.begin(); it != map.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return {it->first, it->second};
  return {YAML::Node(YAML::NodeType::Undefined), YAML::Node(YAML::NodeType::Undefined)};
}

// The original key and value nodes are inserted, not copies, so that their marks (lines) survive;
// an overridden value keeps the line of the override.
YAML::Node merge_maps(const YAML::Node& base, const YAML::Node& overrides,
                      const std::vector<std::string>& dropped) {
  YAML::Node out(YAML::NodeType::Map);
  const auto is_dropped = [&](const std::string& key) {
    return std::find(dropped.begin(), dropped.end(), key) != dropped.end();
  };
  if (base.IsMap())
    for (auto it = base.begin(); it != base.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      if (is_dropped(key)) continue;
      const auto [over_key, over] = entry_of(overrides, key);
      if (!over.IsDefined() || over.IsNull())
        out.force_insert(it->first, it->second);
      else if (over.IsMap() && (it->second.IsMap() || it->second.IsNull()))
        out.force_insert(over_key, merge_maps(it->second, over, {}));
      else
        out.force_insert(over_key, over);
    }
  if (overrides.IsMap())
    for (auto it = overrides.begin(); it != overrides.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      if (!entry_of(base, key).second.IsDefined() || is_dropped(key)) out.force_insert(it->first, it->second);
    }
  return out;
}

}  // namespace

ConfigNode ConfigNode::merged_with(const ConfigNode& overrides,
                                   const std::vector<std::string>& dropped) const {
  return ConfigNode(merge_maps(node_, overrides.node_, dropped), file_);
}

ConfigNode ConfigNode::child(const std::string& key) const {
  const std::string path = key_path_.empty() ? key : key_path_ + "." + key;
  expect_map_or_null();
  if (present_ && node_.IsMap())
    // A merged map (training stages) may hold keys without a line: the value has it then.
    for (auto it = node_.begin(); it != node_.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key)
        return ConfigNode(it->second, file_, path, line_of(it->first, line_of(it->second, line_)), true);
  // An absent key keeps the parent's line: that is where it would have to be added.
  return ConfigNode(YAML::Node(), file_, path, line_, false);
}

ConfigNode ConfigNode::require(const std::string& key) const {
  ConfigNode value = child(key);
  if (!value.present()) value.fail("required key is missing");
  return value;
}

std::vector<std::string> ConfigNode::keys() const {
  expect_map_or_null();
  std::vector<std::string> names;
  if (present_ && node_.IsMap())
    for (auto it = node_.begin(); it != node_.end(); ++it) names.push_back(it->first.Scalar());
  return names;
}

void ConfigNode::check_keys(const std::vector<std::string>& allowed) const {
  expect_map_or_null();
  if (!present_ || !node_.IsMap()) return;
  std::map<std::string, int> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const int key_line = line_of(it->first, line_);
    if (!it->first.IsScalar())
      throw ConfigError(
          file_, key_path_, key_line,
          "expected plain key names, got a " + std::string(it->first.IsMap() ? "map" : "list") + " as a key");
    const std::string key = it->first.Scalar();
    const std::string path = key_path_.empty() ? key : key_path_ + "." + key;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw ConfigError(file_, path, key_line, "unknown key '" + key + "' (allowed: " + join(allowed) + ")");
    const auto [first, inserted] = seen.emplace(key, key_line);
    if (!inserted)
      throw ConfigError(
          file_, path, key_line,
          "duplicate key '" + key + "' (first given on line " + std::to_string(first->second) + ")");
  }
}

std::vector<ConfigNode> ConfigNode::items(std::size_t min_size, std::size_t max_size,
                                          const std::string& noun) const {
  std::string what = "a list";
  if (min_size == max_size)
    what += " of " + std::to_string(min_size) + " " + noun;
  else if (max_size != SIZE_MAX)
    what += " of " + std::to_string(min_size) + " to " + std::to_string(max_size) + " " + noun;
  else if (min_size == 1)
    what = "a non-empty list of " + noun;
  else if (min_size > 1)
    what += " of at least " + std::to_string(min_size) + " " + noun;
  else
    what += " of " + noun;
  if (!is_list()) fail_expected(what);
  if (node_.size() < min_size || node_.size() > max_size)
    fail("expected " + what + ", got " + std::to_string(node_.size()));
  std::vector<ConfigNode> elements;
  elements.reserve(node_.size());
  for (std::size_t i = 0; i < node_.size(); ++i) {
    const YAML::Node element = node_[i];
    elements.push_back(
        ConfigNode(element, file_, key_path_ + "[" + std::to_string(i) + "]", line_of(element, line_), true));
  }
  return elements;
}

template <typename T>
T ConfigNode::as(const Bounds& bounds) const {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!is_scalar()) fail_expected("a string");
    return node_.Scalar();
  } else if constexpr (std::is_same_v<T, bool>) {
    bool value = false;
    if (!is_scalar() || !YAML::convert<bool>::decode(node_, value)) fail_expected("true or false");
    return value;
  } else if constexpr (std::is_floating_point_v<T>) {
    const std::string what = "a number" + bounds.describe();
    T value{};
    // Infinity and NaN are never meaningful in a config and would slip through every range check.
    if (!is_scalar() || !parse_whole(node_.Scalar(), value) || !std::isfinite(value) ||
        !bounds.contains(value))
      fail_expected(what);
    return value;
  } else {
    static_assert(std::is_integral_v<T>, "ConfigNode::as supports numbers, bool and std::string");
    const std::string what =
        std::string(std::is_unsigned_v<T> ? "a non-negative integer" : "an integer") + bounds.describe();
    T value{};
    if (!is_scalar() || !parse_whole(node_.Scalar(), value) || !bounds.contains(static_cast<double>(value))) {
      // A whole number that does not fit the type: say where the type ends.
      long double wide = 0;
      if (is_scalar() && node_.Scalar().find_first_not_of("+-0123456789") == std::string::npos &&
          parse_whole(node_.Scalar(), wide) && bounds.contains(static_cast<double>(wide)) &&
          wide > static_cast<long double>(std::numeric_limits<T>::max()))
        fail_expected(what + " and at most " + std::to_string(std::numeric_limits<T>::max()));
      fail_expected(what);
    }
    return value;
  }
}

template double ConfigNode::as<double>(const Bounds&) const;
template int ConfigNode::as<int>(const Bounds&) const;
template long ConfigNode::as<long>(const Bounds&) const;
template unsigned long ConfigNode::as<unsigned long>(const Bounds&) const;
template bool ConfigNode::as<bool>(const Bounds&) const;
template std::string ConfigNode::as<std::string>(const Bounds&) const;

std::string ConfigNode::choice(const std::vector<std::string>& allowed) const {
  const std::string what = "one of " + join(allowed);
  if (!is_scalar()) fail_expected(what);
  const std::string value = node_.Scalar();
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) fail_expected(what);
  return value;
}

std::vector<double> ConfigNode::numbers(const Bounds& bounds, std::optional<std::size_t> size) const {
  const auto elements = size ? items(*size, *size, "numbers") : items(0, SIZE_MAX, "numbers");
  std::vector<double> values;
  values.reserve(elements.size());
  for (const auto& element : elements) values.push_back(element.as<double>(bounds));
  return values;
}

std::string read_config_text(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status))
    throw ConfigError(path, "", 0, "expected a readable file, but it does not exist");
  if (std::filesystem::is_directory(status))
    throw ConfigError(path, "", 0, "expected a readable file, got a directory");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw ConfigError(path, "", 0, "expected a readable file, but it cannot be read");
  return text.str();
}

ConfigNode parse_config_text(const std::string& text, const std::string& file) {
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(text);
    // yaml-cpp's Load would silently take the first of several documents.
    if (documents.size() > 1)
      throw ConfigError(file, "", line_of(documents[1], 0),
                        "expected one YAML document, got " + std::to_string(documents.size()) +
                            " (a '---' line starts another)");
    return ConfigNode(documents.empty() ? YAML::Node() : documents.front(), file);
  } catch (const YAML::Exception& e) {
    // ParserException and friends carry a 0-based mark; null when yaml-cpp does not know it.
    throw ConfigError(file, "", e.mark.is_null() ? 0 : e.mark.line + 1, "expected valid YAML, got: " + e.msg);
  }
}

}  // namespace neurode::io
