#include "io/config_error.hpp"

namespace neurode::io {
namespace {
std::string format(const std::string& file, const std::string& key_path, int line,
                   const std::string& expectation) {
  std::string text;
  text.append(file);
  if (line > 0) text.append(":").append(std::to_string(line));
  text.append(": ");
  if (!key_path.empty()) text.append(key_path).append(": ");
  text.append(expectation);
  return text;
}
}  // namespace

ConfigError::ConfigError(const std::string& file, const std::string& key_path, int line,
                         const std::string& expectation)
    : std::runtime_error(format(file, key_path, line, expectation)),
      file_(file),
      key_path_(key_path),
      expectation_(expectation),
      line_(line) {}

}  // namespace neurode::io
