#pragma once
/// An HDF5 file opened by every rank of a communicator through MPI-IO (H5Pset_fapl_mpio), for
/// results too large to gather on one rank: the ranks create its structure together, then each
/// writes its own parts (hyperslabs) of the datasets, independently, whenever they are ready.
///
/// Parallel HDF5's rules, which this class keeps:
/// - What changes the file's structure is collective: opening and closing the file, creating (or
///   opening) groups, datasets and attributes. Every rank of the communicator makes these calls,
///   with the same arguments and in the same order.
/// - Raw data is written independently (H5FD_MPIO_INDEPENDENT), by any rank, into datasets whose
///   whole storage was allocated when they were created (H5D_ALLOC_TIME_EARLY, never filled), so
///   that a write changes no metadata: once the file has been created and closed, its structure is
///   on disk for good, and a process killed while writing leaves a file HDF5 still opens, holding
///   every hyperslab whose write had returned.
/// - Variable-length data (string datasets) cannot be written in parallel (HDF5 1.10 refuses it);
///   string attributes can. Write string datasets with a serial Hdf5File once this one is closed.
/// Objects are created without modification times (H5Pset_obj_track_times 0), so that files
/// written by the same work differ in nothing but what they hold.
#include <hdf5.h>
#include <mpi.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace neurode::io {

class ParallelHdf5File {
 public:
  /// create: a new file (replacing one at `path`); update: an existing file, read-write.
  enum class Mode { create, update };
  /// What a dataset holds: float64 (little-endian IEEE, as Hdf5File writes) or uint8 (flags).
  enum class Element { float64, uint8 };

  /// Collective over `comm`. `display_name` is the name messages use (default: `path`). Throws
  /// OutputError (on every rank: MPI-IO opens collectively) when the file cannot be opened.
  ParallelHdf5File(const std::string& path, Mode mode, MPI_Comm comm, std::string display_name = {});
  /// Collective: closes without checking (an error path; every rank must get here together).
  ~ParallelHdf5File();
  ParallelHdf5File(const ParallelHdf5File&) = delete;
  ParallelHdf5File& operator=(const ParallelHdf5File&) = delete;

  const std::string& path() const { return path_; }
  MPI_Comm comm() const { return comm_; }

  // ---- Collective: every rank, the same arguments, the same order.
  /// Closes the datasets and the file, writing the metadata still cached; throws OutputError when
  /// HDF5 cannot (a full file system shows here).
  void close();
  /// Creates `group` and any missing groups above it.
  void create_group(const std::string& group);
  /// Creates `dataset` (its groups must exist) of `shape` with its storage allocated in full; a
  /// non-empty `chunk` (one extent per dimension) makes it chunked, else it is contiguous. It stays
  /// open for write() until close().
  void create_dataset(const std::string& dataset, Element element, const std::vector<std::size_t>& shape,
                      const std::vector<std::size_t>& chunk = {});
  /// Opens an existing dataset for write() (Mode::update).
  void open_dataset(const std::string& dataset);
  /// A scalar attribute (a UTF-8 variable-length string, or a float64), replacing one of that name.
  void set_attribute(const std::string& object, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object, const std::string& name, double value);

  // ---- Independent: any rank, any time, on a dataset created or opened above.
  /// Writes the hyperslab [start, start + count) of `dataset` (one entry per dimension) from
  /// row-major `values` of shape `count`. Throws OutputError when the write fails.
  void write(const std::string& dataset, const std::vector<std::size_t>& start,
             const std::vector<std::size_t>& count, const double* values);
  void write(const std::string& dataset, const std::vector<std::size_t>& start,
             const std::vector<std::size_t>& count, const unsigned char* values);

 private:
  void write_hyperslab(const std::string& dataset, const std::vector<std::size_t>& start,
                       const std::vector<std::size_t>& count, hid_t memory_type, const void* values);
  /// Throws OutputError naming the file (its display name) and `what`.
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_, name_;
  MPI_Comm comm_;
  hid_t file_ = -1;
  std::map<std::string, hid_t> datasets_;  ///< open datasets, closed in this (the same) order on every rank
};

}  // namespace neurode::io
