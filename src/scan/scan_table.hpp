#pragma once
/// The scan's table: one row per point with the values of its axes, its status, its wall time and
/// its final results, read from the points' files; written into the scan file (/scan/table) and as
/// CSV beside it.
#include <cstddef>
#include <string>
#include <vector>

#include "scan/point_store.hpp"
#include "scan/scan_spec.hpp"

namespace neurode::scan {

struct Column {
  std::string name;
  bool numeric = true;
  std::vector<double> numbers;     ///< NaN where a point has no value (numeric columns)
  std::vector<std::string> texts;  ///< string columns
};

struct ScanTable {
  std::size_t rows = 0;
  std::vector<Column> columns;  ///< point, the axes, status, message, wall_time_s, then results
};

/// The table of every point (each must be finished). Training results: epochs, final_loss,
/// held_out_loss, held_out_<metric>, test_loss and test_<metric>; simulation results: steps,
/// rejected_steps, rhs_evaluations.
ScanTable build_table(const ScanSpec& spec, const PointStore& store, std::size_t points);

/// The CSV text: a header of the column names, one line per point; numbers as %.17g (read back
/// exactly), a missing number as an empty field, strings quoted as RFC 4180 says when needed.
std::string csv_text(const ScanTable& table);

/// The root attributes a point's file carries for its row: "scan_wall_time_s"; a failed point's
/// file also "status" and "message".
inline constexpr const char* kWallTimeAttribute = "scan_wall_time_s";

}  // namespace neurode::scan
