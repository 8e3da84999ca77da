#include "support/reference.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace neurode::testing {

std::string reference_path(const std::string& name) {
  const char* dir = std::getenv("NEURODE_REFERENCE_DIR");
  const std::string base = dir ? dir : NEURODE_DEFAULT_REFERENCE_DIR;
  return base + "/" + name;
}

namespace {

// One scratch directory per test process, removed when the process exits so
// that repeated suite runs do not fill the temporary directory.
struct ScratchDirectory {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("neurode-test-" + std::to_string(::getpid()));
  ScratchDirectory() { std::filesystem::create_directories(path); }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

std::string temporary_path(const std::string& name) {
  static const ScratchDirectory scratch;
  return (scratch.path / name).string();
}

double max_relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  double scale = 0, error = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    scale = std::max(scale, std::abs(b[i]));
    error = std::max(error, std::abs(a[i] - b[i]));
  }
  return error / scale;
}

}  // namespace neurode::testing
