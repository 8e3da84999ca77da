#pragma once
/// Where a scan keeps its finished points until they are merged into the one result file: the
/// directory OUT.h5.points/, one file per point (NNNNN.h5 when it ran to its result, NNNNN.failed.h5
/// when it failed), each written atomically by the ranks that computed the point. A point counts as
/// finished only when its file holds that very point's config, so a changed scan never reuses a
/// point that is not the same.
#include <cstddef>
#include <string>

namespace neurode::scan {

enum class PointState { missing, done, failed };

class PointStore {
 public:
  PointStore(const std::string& scan_output, std::size_t points);

  const std::string& directory() const { return directory_; }
  std::string done_file(std::size_t index) const;
  std::string failed_file(std::size_t index) const;
  /// "00042" (at least 5 digits, more for scans of 100000 points and more).
  std::string name(std::size_t index) const;
  /// Whether point `index` is finished with this config text (reads its file's /config/text).
  PointState state(std::size_t index, const std::string& config_text) const;
  /// Finished points in the directory now, over every rank and array task that writes there.
  void count(std::size_t& done, std::size_t& failed) const;
  /// Makes the directory (throws io::OutputError when it cannot).
  void create() const;
  /// Removes the directory and everything in it (after the merged file is in place).
  void remove() const;

 private:
  std::string directory_;
  std::size_t width_;
};

}  // namespace neurode::scan
