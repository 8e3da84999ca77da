#include "support/reference.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>

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

Closeness closeness(const std::vector<double>& actual, const std::vector<double>& expected, double rtol,
                    double atol) {
  Closeness c;
  const std::size_t n = std::min(actual.size(), expected.size());
  for (std::size_t i = 0; i < n; ++i) {
    const double difference = std::abs(actual[i] - expected[i]);
    const double bound = atol + rtol * std::abs(expected[i]);
    // A non-finite difference (NaN, infinity), or a non-zero one against a zero bound, never passes.
    double ratio = 0.0;
    if (difference != 0) ratio = bound > 0 && std::isfinite(difference) ? difference / bound : HUGE_VAL;
    if (ratio > c.ratio) {
      c.ratio = ratio;
      c.worst = i;
    }
  }
  return c;
}

::testing::AssertionResult all_close(const std::vector<double>& actual, const std::vector<double>& expected,
                                     double rtol, double atol) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << actual.size() << " entries, expected " << expected.size();
  const Closeness c = closeness(actual, expected, rtol, atol);
  if (c.ratio <= 1) return ::testing::AssertionSuccess();
  const std::size_t i = c.worst;
  return ::testing::AssertionFailure()
         << "entry " << i << " of " << actual.size() << ": " << std::setprecision(17) << actual[i]
         << ", expected " << expected[i] << std::setprecision(3) << ", difference "
         << std::abs(actual[i] - expected[i]) << " > " << atol << " + " << rtol
         << " * |expected| = " << atol + rtol * std::abs(expected[i]) << " (" << c.ratio
         << " times the bound)";
}

}  // namespace neurode::testing
