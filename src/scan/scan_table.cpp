#include "scan/scan_table.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "io/hdf5_file.hpp"
#include "scan/scan_points.hpp"

namespace neurode::scan {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// The names of a group's members, in name order (HDF5's default index).
std::vector<std::string> members(const std::string& file, const std::string& group) {
  std::vector<std::string> names;
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return names;
  if (H5Lexists(f, group.c_str(), H5P_DEFAULT) > 0) {
    const hid_t g = H5Gopen2(f, group.c_str(), H5P_DEFAULT);
    if (g >= 0) {
      H5Literate(
          g, H5_INDEX_NAME, H5_ITER_INC, nullptr,
          [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
          },
          &names);
      H5Gclose(g);
    }
  }
  H5Fclose(f);
  return names;
}

struct Row {
  std::string status, message;
  double wall_time_s = kMissing;
  std::vector<std::pair<std::string, double>> results;
};

double attribute_or_missing(const io::Hdf5File& file, const std::string& object, const std::string& name) {
  return file.has_attribute(object, name) ? file.read_attribute(object, name) : kMissing;
}

Row training_row(const io::Hdf5File& file, const std::string& path) {
  Row row;
  const auto loss = file.read("/training/loss").values;
  row.results.emplace_back("epochs", static_cast<double>(loss.size()));
  row.results.emplace_back("final_loss", loss.empty() ? kMissing : loss.back());
  row.results.emplace_back("held_out_loss", file.read_scalar("/evaluation/loss"));
  for (const auto& name : members(path, "/evaluation"))
    if (file.has_attribute("/evaluation/" + name, "mean"))
      row.results.emplace_back("held_out_" + name, file.read_attribute("/evaluation/" + name, "mean"));
  if (file.has("/test/loss")) {
    row.results.emplace_back("test_loss", file.read_scalar("/test/loss"));
    for (const auto& name : members(path, "/test"))
      if (name != "loss" && name != "per_sample")
        row.results.emplace_back("test_" + name, file.read_scalar("/test/" + name));
  }
  return row;
}

Row simulation_row(const io::Hdf5File& file) {
  Row row;
  for (const char* name : {"steps", "rejected_steps", "rhs_evaluations"})
    row.results.emplace_back(name, attribute_or_missing(file, "/solver", name));
  return row;
}

Row read_row(const ScanSpec& spec, const PointStore& store, std::size_t index) {
  const std::string done = store.done_file(index);
  std::error_code error;
  const bool failed = !std::filesystem::exists(done, error);
  const std::string path = failed ? store.failed_file(index) : done;
  try {
    const io::Hdf5File file(path, io::Hdf5File::Mode::read);
    Row row;
    if (failed) {
      row.status = "failed";
      row.message = file.read_string_attribute("/", "message");
    } else {
      row = spec.kind == BaseKind::training ? training_row(file, path) : simulation_row(file);
      row.status = "done";
    }
    row.wall_time_s = attribute_or_missing(file, "/", kWallTimeAttribute);
    if (std::isnan(row.wall_time_s) && !failed && spec.kind == BaseKind::simulation)
      row.wall_time_s = attribute_or_missing(file, "/solver", "wall_time_s");
    return row;
  } catch (const io::Hdf5Error& e) {
    throw io::Hdf5Error("the scan's point " + std::to_string(index) + ": " + e.what());
  }
}

Column& column(ScanTable& table, const std::string& name, bool numeric) {
  for (auto& c : table.columns)
    if (c.name == name) return c;
  Column c;
  c.name = name;
  c.numeric = numeric;
  if (numeric)
    c.numbers.assign(table.rows, kMissing);
  else
    c.texts.assign(table.rows, "");
  table.columns.push_back(std::move(c));
  return table.columns.back();
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

ScanTable build_table(const ScanSpec& spec, const PointStore& store, std::size_t points) {
  ScanTable table;
  table.rows = points;
  Column& index = column(table, "point", true);
  for (std::size_t p = 0; p < points; ++p) index.numbers[p] = static_cast<double>(p);
  for (const auto& axis : spec.axes) column(table, axis.key, axis.numeric);
  column(table, "status", false);
  column(table, "message", false);
  column(table, "wall_time_s", true);
  for (std::size_t p = 0; p < points; ++p) {
    const Point point = make_point(spec, p);
    for (std::size_t a = 0; a < spec.axes.size(); ++a) {
      const Axis& axis = spec.axes[a];
      Column& c = column(table, axis.key, axis.numeric);
      if (axis.numeric)
        c.numbers[p] = axis.numbers[point.choice[a]];
      else
        c.texts[p] = axis.labels[point.choice[a]];
    }
    const Row row = read_row(spec, store, p);
    column(table, "status", false).texts[p] = row.status;
    column(table, "message", false).texts[p] = row.message;
    column(table, "wall_time_s", true).numbers[p] = row.wall_time_s;
    for (const auto& [name, value] : row.results) column(table, name, true).numbers[p] = value;
  }
  return table;
}

std::string csv_text(const ScanTable& table) {
  std::string text;
  for (std::size_t c = 0; c < table.columns.size(); ++c)
    text.append(c ? "," : "")
        .append(csv_field(table.columns[c].name));  // (not "," + ...: GCC 12's false -Wrestrict)
  text += '\n';
  char buffer[40];
  for (std::size_t r = 0; r < table.rows; ++r) {
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      const Column& column = table.columns[c];
      if (c) text += ',';
      if (!column.numeric) {
        text += csv_field(column.texts[r]);
      } else if (!std::isnan(column.numbers[r])) {
        std::snprintf(buffer, sizeof buffer, "%.17g", column.numbers[r]);
        text += buffer;
      }
    }
    text += '\n';
  }
  return text;
}

}  // namespace neurode::scan
