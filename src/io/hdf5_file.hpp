#pragma once
/// Thin RAII layer over the HDF5 C API: read and write float64 datasets, integer datasets and
/// attributes by path. Files written by neurode are serial (rank 0) unless stated otherwise.
#include <hdf5.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace neurode::io {

/// Dimensions and row-major values of a dataset.
struct Array {
  std::vector<std::size_t> shape;
  std::vector<double> values;
  std::size_t rows() const { return shape.empty() ? 1 : shape[0]; }
  std::size_t cols() const { return shape.size() < 2 ? 1 : shape[1]; }
  double at(std::size_t r, std::size_t c) const { return values[r * cols() + c]; }
};

/// A file that cannot be read as expected (missing, not HDF5, a dataset of the wrong type or shape):
/// bad input, exit code 2.
class Hdf5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An output that cannot be written (full disk, missing directory, no permission): exit code 4.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A non-finite number about to be written as a result: the computation failed (exit code 3). No
/// output holds NaN or infinity unless a dataset documents it (FiniteCheck::nan_allowed).
class NonFiniteResult : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FiniteCheck { required, nan_allowed };

class Hdf5File {
 public:
  /// create: a new file on disk; in_memory: a file held in memory until image() is taken; update:
  /// an existing file opened for writing, whose new objects carry no modification times (as in a
  /// ParallelHdf5File, which it completes: io/parallel_hdf5_file.hpp).
  enum class Mode { read, create, in_memory, update };
  /// `display_name` is the name messages use (default: `path`): an output written under a
  /// temporary name is reported under the name the user gave.
  Hdf5File(const std::string& path, Mode mode, std::string display_name = {});
  /// Closes without checking (an error path); call close() to know that the data reached the disk.
  ~Hdf5File();
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  const std::string& path() const { return path_; }
  /// Flushes and closes; throws OutputError when HDF5 cannot (e.g. the file system is full).
  void close();
  /// The bytes of the whole file as it stands (Mode::in_memory).
  std::vector<unsigned char> image() const;
  bool has(const std::string& object_path) const;
  bool has_attribute(const std::string& object_path, const std::string& name) const;
  /// The dimensions of a dataset ({} for a scalar), without reading it.
  std::vector<std::size_t> shape(const std::string& dataset) const;
  /// Integers or floating-point numbers, converted to double. Any other type, and a declared size
  /// beyond the memory this process may use (io/memory_limit.hpp), throw Hdf5Error before anything
  /// is allocated.
  Array read(const std::string& dataset) const;
  double read_scalar(const std::string& dataset) const;  ///< one number (a scalar or one element)
  /// A string dataset holding one string (as written by write_string).
  std::string read_text(const std::string& dataset) const;
  /// One number; an attribute holding several, or a string, throws Hdf5Error.
  double read_attribute(const std::string& object_path, const std::string& name) const;
  std::string read_string_attribute(const std::string& object_path, const std::string& name) const;

  /// Creates intermediate groups as needed. shape {} writes a scalar. Throws NonFiniteResult for a
  /// non-finite value unless `check` allows NaN, and OutputError when the write fails.
  void write(const std::string& dataset, const std::vector<std::size_t>& shape, const double* values,
             FiniteCheck check = FiniteCheck::required);
  void write(const std::string& dataset, const std::vector<double>& values) {
    write(dataset, {values.size()}, values.data());
  }
  void write_scalar(const std::string& dataset, double value) { write(dataset, {}, &value); }
  void write_integers(const std::string& dataset, const std::vector<std::size_t>& shape,
                      const std::vector<std::int64_t>& values);
  void write_string(const std::string& dataset, const std::string& text);
  void write_strings(const std::string& dataset, const std::vector<std::string>& texts);
  void set_attribute(const std::string& object_path, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object_path, const std::string& name, double value);
  void create_group(const std::string& group);
  /// Unlinks a dataset or group (and all below it); its space is not reclaimed.
  void remove(const std::string& object_path);

 private:
  /// Throws OutputError naming the file and `what` ("cannot write dataset '/x'").
  [[noreturn]] void fail_write(const std::string& what) const;

  std::string path_, name_;
  hid_t file_ = -1;
  Mode mode_;
  hid_t group_creation_ = H5P_DEFAULT, dataset_creation_ = H5P_DEFAULT;  ///< untimed in Mode::update
};

/// Why writing `path` probably failed, as HDF5 does not keep errno: ": the directory ... does not
/// exist", ": no permission to write in ...", ": the file system is full (...)" or " (an I/O error)".
std::string write_failure_reason(const std::string& path);

/// An output built in memory and, by commit(), written under a temporary name in the same directory
/// (FINAL.tmpPID), synced, and renamed over the final name, so that a killed run or a full disk
/// never leaves a half-written result, and a write error is reported with the system's reason. The
/// directory is checked when the output is made, so a bad path fails before the work. Temporary
/// files of the same output left by processes that no longer run (SIGKILL) are removed then too.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::string final_path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  Hdf5File& file() { return *file_; }
  const std::string& temporary_path() const { return temporary_path_; }
  /// Closes, syncs and renames into place; throws OutputError on any failure, leaving the final
  /// name as it was.
  void commit();

 private:
  std::string final_path_, temporary_path_;
  std::unique_ptr<Hdf5File> file_;
  bool committed_ = false;
  bool wrote_temporary_ = false;
};

/// Removes FINAL.tmpPID files whose process no longer runs (a run killed while writing FINAL).
void remove_abandoned_temporaries(const std::string& final_path);
/// Throws OutputError unless the directory of `path` exists and may be written: commands call it
/// before their work, so that a training does not find out at its end.
void require_writable_directory(const std::string& path);

}  // namespace neurode::io
