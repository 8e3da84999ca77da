#pragma once
/// Checked access to a YAML configuration file. Every value is read through a ConfigNode, which
/// knows the file, its key path (`solver.rtol`, `model.areas[1].columns`) and its line, so that any
/// problem (unknown key, wrong type, value out of range) becomes one ConfigError pointing at the
/// spot. Nothing here knows about a particular schema: simulation and training configs share it.
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/config_error.hpp"

namespace neurode::io {

/// The allowed interval of a number; either end may be open, closed or absent.
struct Bounds {
  std::optional<double> lower, upper;
  bool lower_open = false, upper_open = false;

  static Bounds any() { return {}; }
  static Bounds positive() { return {0.0, std::nullopt, true, false}; }       ///< > 0
  static Bounds non_negative() { return {0.0, std::nullopt, false, false}; }  ///< >= 0
  static Bounds at_least(double x) { return {x, std::nullopt, false, false}; }
  static Bounds greater_than(double x) { return {x, std::nullopt, true, false}; }
  static Bounds closed(double a, double b) { return {a, b, false, false}; }    ///< [a, b]
  static Bounds half_open(double a, double b) { return {a, b, false, true}; }  ///< [a, b)

  bool contains(double x) const;
  /// " > 0", " in [0, 1)" or "" (unbounded), to follow "a number" in a message.
  std::string describe() const;
};

/// One node of a parsed config, or the place where an absent key would be. Cheap to copy.
class ConfigNode {
 public:
  /// The root of a document read from `file` (the name used in messages).
  ConfigNode(YAML::Node node, std::string file);

  const std::string& file() const { return file_; }
  const std::string& key_path() const { return key_path_; }
  /// 1-based line of the key (for map values) or of the node itself; 0 when unknown.
  int line() const { return line_; }
  /// False for a key that is not in the file. A key with an empty value is present but null.
  bool present() const { return present_; }
  bool is_null() const { return present_ && node_.IsNull(); }
  bool is_list() const { return present_ && node_.IsSequence(); }
  bool is_map() const { return present_ && node_.IsMap(); }
  bool is_scalar() const { return present_ && node_.IsScalar(); }
  /// The raw text of a scalar ("" otherwise); for messages and hand-written checks.
  std::string scalar_text() const;
  /// The parsed YAML value itself (a scan copies values into other configs).
  const YAML::Node& yaml() const { return node_; }

  // -- Maps. A null node counts as an empty map, so `output:` with nothing below is allowed.
  /// The value under `key`, absent (present() == false) when the key is not there.
  ConfigNode child(const std::string& key) const;
  /// The value under `key`; throws "required key is missing" (at this node's line) when absent.
  ConfigNode require(const std::string& key) const;
  bool has(const std::string& key) const { return child(key).present(); }
  /// Throws for the first key not in `allowed` ("unknown key 'rtl' (allowed: method, ...)") and
  /// for a key given twice, which yaml-cpp would otherwise resolve silently.
  void check_keys(const std::vector<std::string>& allowed) const;
  /// The keys of a map in file order.
  std::vector<std::string> keys() const;

  // -- Lists.
  /// The elements of a list; throws unless this is a list with a size in [min_size, max_size].
  /// `noun` names the elements in that message ("a list of 8 rows").
  std::vector<ConfigNode> items(std::size_t min_size = 0, std::size_t max_size = SIZE_MAX,
                                const std::string& noun = "entries") const;

  // -- Scalars. T is one of double, int, long, unsigned long, bool, std::string. Numbers must be
  // finite and inside `bounds`; integers must be written as integers.
  template <typename T>
  T as(const Bounds& bounds = {}) const;
  /// A required scalar under `key`.
  template <typename T>
  T get(const std::string& key, const Bounds& bounds = {}) const {
    return require(key).as<T>(bounds);
  }
  /// An optional scalar under `key`; `fallback` when the key is absent.
  template <typename T>
  T get_or(const std::string& key, T fallback, const Bounds& bounds = {}) const {
    const ConfigNode value = child(key);
    return value.present() ? value.as<T>(bounds) : fallback;
  }
  /// A string that must be one of `allowed` ("expected one of euler, rk4, ..., got 'rk5'").
  std::string choice(const std::vector<std::string>& allowed) const;

  // -- Numeric arrays, checked element by element so that messages name the element.
  /// A list of numbers; `size` fixes its length when given.
  std::vector<double> numbers(const Bounds& bounds = {}, std::optional<std::size_t> size = {}) const;
  template <std::size_t N>
  std::array<double, N> vector(const Bounds& bounds = {}) const {
    const auto values = numbers(bounds, N);
    std::array<double, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = values[i];
    return out;
  }
  /// A list of R lists of C numbers (row-major, as written).
  template <std::size_t R, std::size_t C>
  std::array<std::array<double, C>, R> matrix(const Bounds& bounds = {}) const {
    std::array<std::array<double, C>, R> out{};
    const auto rows = items(R, R, "rows");
    for (std::size_t r = 0; r < R; ++r) out[r] = rows[r].vector<C>(bounds);
    return out;
  }

  // -- Layered configs (training stages).
  /// A root node holding this map with the map `overrides` merged in: a map merges key by key, any
  /// other value replaces this one's, a null value changes nothing; `dropped` keys of this map are
  /// left out. Every value keeps the line of the text it came from.
  ConfigNode merged_with(const ConfigNode& overrides, const std::vector<std::string>& dropped = {}) const;

  /// Throws ConfigError(file, key path, line, expectation) for this node.
  [[noreturn]] void fail(const std::string& expectation) const;
  /// How the value reads in a message: "'abc'", "a list", "a map", "nothing".
  std::string describe_value() const;

 private:
  ConfigNode(YAML::Node node, std::string file, std::string key_path, int line, bool present);
  /// Throws "expected <what>, got <value>".
  [[noreturn]] void fail_expected(const std::string& what) const;
  void expect_map_or_null() const;

  YAML::Node node_;
  std::string file_;
  std::string key_path_;
  int line_ = 0;
  bool present_ = true;
};

extern template double ConfigNode::as<double>(const Bounds&) const;
extern template int ConfigNode::as<int>(const Bounds&) const;
extern template long ConfigNode::as<long>(const Bounds&) const;
extern template unsigned long ConfigNode::as<unsigned long>(const Bounds&) const;
extern template bool ConfigNode::as<bool>(const Bounds&) const;
extern template std::string ConfigNode::as<std::string>(const Bounds&) const;

/// The whole text of a file; throws ConfigError naming `path` when it cannot be read.
std::string read_config_text(const std::string& path);
/// Parses YAML text; a syntax error becomes a ConfigError with yaml-cpp's line and message.
ConfigNode parse_config_text(const std::string& text, const std::string& file);

}  // namespace neurode::io
