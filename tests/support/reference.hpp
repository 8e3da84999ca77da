#pragma once
/// Access to the independent reference data (../shared/reference beside the checkout).
#include <string>

#include "io/hdf5_file.hpp"

namespace neurode::testing {

/// Full path of a reference file; the directory comes from NEURODE_REFERENCE_DIR.
std::string reference_path(const std::string& name);
/// A fresh path in the test's temporary directory.
std::string temporary_path(const std::string& name);
/// max |a - b| / max |b| over all entries (the references' "relative to the case's max" measure).
double max_relative_error(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace neurode::testing
