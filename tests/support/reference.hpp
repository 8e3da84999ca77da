#pragma once
/// Access to the independent reference data (../shared/reference beside the checkout).
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"

namespace neurode::testing {

/// Full path of a reference file; the directory comes from NEURODE_REFERENCE_DIR.
std::string reference_path(const std::string& name);
/// A fresh path in the test's temporary directory.
std::string temporary_path(const std::string& name);
/// max |a - b| / max |b| over all entries (the references' "relative to the case's max" measure).
/// An entry much smaller than the largest one can be wrong by its whole size and still pass: use
/// all_close where small entries matter.
double max_relative_error(const std::vector<double>& a, const std::vector<double>& b);

/// Elementwise agreement of `actual` with `expected`: |a_i - b_i| <= atol + rtol |b_i| for every i.
/// atol is the absolute accuracy of the expected values (below it a difference says nothing);
/// rtol applies to every entry on its own, however small it is next to the largest.
struct Closeness {
  std::size_t worst = 0;  ///< the entry with the largest ratio below
  double ratio = 0;       ///< max_i |a_i - b_i| / (atol + rtol |b_i|): the check holds when <= 1
};
Closeness closeness(const std::vector<double>& actual, const std::vector<double>& expected, double rtol,
                    double atol);
/// The same as a GoogleTest assertion: EXPECT_TRUE(all_close(mine, reference, 1e-6, 1e-9)) << what.
/// On failure the message names the worst entry, both values, the difference and the bound; sizes
/// that differ fail too.
::testing::AssertionResult all_close(const std::vector<double>& actual, const std::vector<double>& expected,
                                     double rtol, double atol);

}  // namespace neurode::testing
