#include "scan/point_store.hpp"

#include <filesystem>

#include "io/config_identity.hpp"
#include "io/hdf5_file.hpp"

namespace neurode::scan {
namespace fs = std::filesystem;

PointStore::PointStore(const std::string& scan_output, std::size_t points)
    : directory_(scan_output + ".points"), width_(5) {
  while (points > 1 && std::to_string(points - 1).size() > width_) ++width_;
}

std::string PointStore::name(std::size_t index) const {
  std::string digits = std::to_string(index);
  if (digits.size() < width_) digits.insert(0, width_ - digits.size(), '0');
  return digits;
}

std::string PointStore::done_file(std::size_t index) const { return directory_ + "/" + name(index) + ".h5"; }
std::string PointStore::failed_file(std::size_t index) const {
  return directory_ + "/" + name(index) + ".failed.h5";
}

namespace {

bool holds_config(const std::string& file, const std::string& config_text) {
  std::error_code error;
  if (!fs::exists(file, error)) return false;
  try {
    return io::same_config(io::Hdf5File(file, io::Hdf5File::Mode::read).read_text("/config/text"),
                           config_text);
  } catch (const std::exception&) {
    return false;  // damaged or not a point's file: computed again, replacing it
  }
}

}  // namespace

PointState PointStore::state(std::size_t index, const std::string& config_text) const {
  if (holds_config(done_file(index), config_text)) return PointState::done;
  if (holds_config(failed_file(index), config_text)) return PointState::failed;
  return PointState::missing;
}

void PointStore::count(std::size_t& done, std::size_t& failed) const {
  done = failed = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory_, error)) {
    const std::string file = entry.path().filename().string();
    if (file.size() != width_ + 3 && file.size() != width_ + 10) continue;
    if (file.find_first_not_of("0123456789") != width_) continue;
    const std::string rest = file.substr(width_);
    if (rest == ".h5") ++done;
    if (rest == ".failed.h5") ++failed;
  }
}

void PointStore::create() const {
  std::error_code error;
  fs::create_directories(directory_, error);
  if (error || !fs::is_directory(directory_))
    throw io::OutputError(directory_ +
                          ": cannot make the directory of the scan's points: " + error.message());
}

void PointStore::remove() const {
  std::error_code error;
  fs::remove_all(directory_, error);
}

}  // namespace neurode::scan
