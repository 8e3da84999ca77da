#pragma once
/// The points of a scan: which value of each axis a point takes, and the point's config text (the
/// base config with those values put in at their key paths).
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "scan/scan_spec.hpp"

namespace neurode::scan {

struct Point {
  std::size_t index = 0;
  std::vector<std::size_t> choice;  ///< per axis, the index of its value
  std::string config_text;          ///< the point's whole config
};

/// How many points: the product of the axes' lengths (grid) or their common length (zip).
std::size_t point_count(const ScanSpec& spec);
/// A value that cannot be put at its axis's key path (KeyPathError::axis says which axis).
class KeyPathError : public std::invalid_argument {
 public:
  KeyPathError(std::size_t axis, const std::string& what) : std::invalid_argument(what), axis_(axis) {}
  std::size_t axis() const { return axis_; }

 private:
  std::size_t axis_;
};

/// Point `index`: in a grid the last axis varies fastest (as nested loops in axis order). Throws
/// KeyPathError.
Point make_point(const ScanSpec& spec, std::size_t index);
/// "solver.method = rk4, seed = 2".
std::string describe_point(const ScanSpec& spec, const Point& point);

/// The base config with `value` put at `key_path` (maps made as needed; list indices must exist).
/// Throws std::invalid_argument saying what stands in the way.
void put_value(YAML::Node& config, const std::string& key_path, const YAML::Node& value);

}  // namespace neurode::scan
