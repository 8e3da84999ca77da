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

class Hdf5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Hdf5File {
 public:
  enum class Mode { read, create };
  Hdf5File(const std::string& path, Mode mode);
  ~Hdf5File();
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  const std::string& path() const { return path_; }
  bool has(const std::string& object_path) const;
  Array read(const std::string& dataset) const;  ///< any numeric type, converted to double
  double read_scalar(const std::string& dataset) const;
  /// A scalar string dataset (as written by write_string).
  std::string read_text(const std::string& dataset) const;
  double read_attribute(const std::string& object_path, const std::string& name) const;
  std::string read_string_attribute(const std::string& object_path, const std::string& name) const;

  /// Creates intermediate groups as needed. shape {} writes a scalar.
  void write(const std::string& dataset, const std::vector<std::size_t>& shape, const double* values);
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

 private:
  std::string path_;
  hid_t file_ = -1;
};

/// A file written under a temporary name in the same directory and renamed over the final name by
/// commit(), so that a killed run never leaves a half-written result. Without commit() the
/// temporary file is removed.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::string final_path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  Hdf5File& file() { return *file_; }
  const std::string& temporary_path() const { return temporary_path_; }
  /// Closes and renames into place; throws on failure.
  void commit();

 private:
  std::string final_path_, temporary_path_;
  std::unique_ptr<Hdf5File> file_;
  bool committed_ = false;
};

}  // namespace neurode::io
