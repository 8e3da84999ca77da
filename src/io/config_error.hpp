#pragma once
/// A configuration error: one line naming the file, the key path, the line (when known) and what
/// was expected, e.g.  "run.yaml:12: solver.rtol: expected a number > 0, got -1".
#include <stdexcept>
#include <string>

namespace neurode::io {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& file, const std::string& key_path, int line, const std::string& expectation);
  const std::string& file() const { return file_; }
  const std::string& key_path() const { return key_path_; }
  int line() const { return line_; }  ///< 1-based, 0 when unknown
  const std::string& expectation() const { return expectation_; }

 private:
  std::string file_, key_path_, expectation_;
  int line_;
};

}  // namespace neurode::io
