#pragma once
/// The YAML description of a parameter scan (docs/scan.md): a base config (a training or a
/// simulation, by path or inline) and axes, each a config key path with its values, combined as a
/// grid (every combination) or zipped (the k-th value of every axis together).
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <vector>

namespace neurode::scan {

enum class BaseKind { training, simulation };
enum class Combine { grid, zip };

struct Axis {
  std::string key;                  ///< a config key path: solver.method, seed, model.areas[1].columns
  int line = 0;                     ///< of the axis in the scan file
  std::vector<YAML::Node> values;   ///< each value as it is put into the config
  std::vector<std::string> labels;  ///< each value as the table shows it
  bool numeric = false;             ///< every value a number: the table's column holds numbers
  std::vector<double> numbers;      ///< the values when numeric
};

struct ScanSpec {
  std::string path;  ///< the scan file
  std::string text;  ///< its text: a rerun of the same text resumes
  /// The base config's file: relative paths inside the base resolve against it, and messages
  /// name it. The scan file itself for an inline base.
  std::string base_path;
  YAML::Node base;  ///< the base config as parsed
  BaseKind kind = BaseKind::training;
  Combine combine = Combine::grid;
  std::vector<Axis> axes;
  std::string output_file;          ///< output.file ("" when not given)
  std::size_t ranks_per_point = 1;  ///< ranks_per_point (the command line's option overrides it)
};

/// Reads and checks a scan file; throws io::ConfigError naming the file, the key and what was
/// expected (an empty axis, a range that is not one, zipped axes of different lengths).
ScanSpec load_scan(const std::string& path);
ScanSpec parse_scan(const std::string& text, const std::string& path);

}  // namespace neurode::scan
