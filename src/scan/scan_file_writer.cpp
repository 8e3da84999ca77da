#include "scan/scan_file_writer.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "io/hdf5_file.hpp"
#include "mpi/world.hpp"

namespace neurode::scan {
namespace {

// HDF5 identifiers closed on scope exit.
struct Id {
  hid_t id;
  herr_t (*close)(hid_t);
  Id(hid_t value, herr_t (*closer)(hid_t)) : id(value), close(closer) {}
  ~Id() {
    if (id >= 0) close(id);
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
};

// A write that failed on this rank; the ranks agree on failures before the file is put in place.
struct WriteFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(herr_t status, const std::string& what) {
  if (status < 0) throw WriteFailure(what);
}
hid_t check_id(hid_t id, const std::string& what) {
  if (id < 0) throw WriteFailure(what);
  return id;
}

class Writer {
 public:
  Writer(hid_t file, int rank, int ranks) : file_(file), rank_(rank), ranks_(ranks) {
    // No modification times in object headers: the same scan gives the same bytes.
    gcpl_ = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(gcpl_, 0);
    dcpl_ = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl_, 0);
  }
  ~Writer() {
    H5Pclose(gcpl_);
    H5Pclose(dcpl_);
  }

  hid_t group(hid_t parent, const std::string& name) {
    return check_id(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl_, H5P_DEFAULT),
                    "cannot create group " + name);
  }

  // A string type of `size` bytes (at least 1), null-padded, UTF-8.
  static hid_t fixed_string(std::size_t size) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, size == 0 ? 1 : size);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
  }

  static std::vector<char> packed(const std::vector<std::string>& texts, std::size_t& width) {
    width = 1;
    for (const auto& t : texts) width = std::max(width, t.size());
    std::vector<char> bytes(texts.size() * width, '\0');
    for (std::size_t i = 0; i < texts.size(); ++i)
      std::copy(texts[i].begin(), texts[i].end(), &bytes[i * width]);
    return bytes;
  }

  // A dataset of strings (scalar when `scalar`) written by `writer`.
  void strings(hid_t parent, const std::string& name, const std::vector<std::string>& texts, bool scalar,
               int writer) {
    std::size_t width = 0;
    const auto bytes = packed(texts, width);
    Id type(fixed_string(width), H5Tclose);
    const hsize_t n = texts.size();
    Id space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
    Id d(check_id(H5Dcreate2(parent, name.c_str(), type.id, space.id, H5P_DEFAULT, dcpl_, H5P_DEFAULT),
                  "cannot create dataset " + name),
         H5Dclose);
    if (rank_ == writer && n > 0)
      raw(H5Dwrite(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), "cannot write " + name);
  }

  void numbers(hid_t parent, const std::string& name, const std::vector<double>& values, int writer) {
    const hsize_t n = values.size();
    Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Id d(check_id(H5Dcreate2(parent, name.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT, dcpl_, H5P_DEFAULT),
                  "cannot create dataset " + name),
         H5Dclose);
    if (rank_ == writer && n > 0)
      raw(H5Dwrite(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "cannot write " + name);
  }

  void string_attribute(hid_t object, const std::string& name, const std::string& text) {
    Id type(fixed_string(text.size()), H5Tclose);
    Id space(H5Screate(H5S_SCALAR), H5Sclose);
    Id a(check_id(H5Acreate2(object, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT),
                  "cannot create attribute " + name),
         H5Aclose);
    std::vector<char> bytes(std::max<std::size_t>(1, text.size()), '\0');
    std::copy(text.begin(), text.end(), bytes.begin());
    check(H5Awrite(a.id, type.id, bytes.data()), "cannot write attribute " + name);
  }

  void number_attribute(hid_t object, const std::string& name, double value) {
    Id space(H5Screate(H5S_SCALAR), H5Sclose);
    Id a(check_id(H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT),
                  "cannot create attribute " + name),
         H5Aclose);
    check(H5Awrite(a.id, H5T_NATIVE_DOUBLE, &value), "cannot write attribute " + name);
  }

  // --- Copying a point's file below a group.

  // Every rank reads the attributes (they are metadata, written collectively with equal values).
  void copy_attributes(hid_t source, hid_t target) {
    struct Context {
      Writer* self;
      hid_t target;
    } context{this, target};
    check(H5Aiterate2(
              source, H5_INDEX_NAME, H5_ITER_INC, nullptr,
              [](hid_t object, const char* name, const H5A_info_t*, void* data) -> herr_t {
                auto& c = *static_cast<Context*>(data);
                try {
                  c.self->copy_attribute(object, name, c.target);
                } catch (const WriteFailure&) {
                  return -1;
                }
                return 0;
              },
              &context),
          "cannot copy attributes");
  }

  void copy_attribute(hid_t object, const char* name, hid_t target) {
    Id a(check_id(H5Aopen(object, name, H5P_DEFAULT), std::string("cannot read attribute ") + name),
         H5Aclose);
    Id type(H5Aget_type(a.id), H5Tclose);
    Id space(H5Aget_space(a.id), H5Sclose);
    if (H5Tget_class(type.id) == H5T_STRING) {
      if (H5Sget_simple_extent_npoints(space.id) != 1)
        throw WriteFailure(std::string("attribute ") + name + " holds several strings");
      std::string text;
      if (H5Tis_variable_str(type.id) > 0) {
        Id memory(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(memory.id, H5T_VARIABLE);
        H5Tset_cset(memory.id, H5Tget_cset(type.id));  // HDF5 does not convert between character sets
        char* value = nullptr;
        check(H5Aread(a.id, memory.id, &value), std::string("cannot read attribute ") + name);
        if (value) text = value;
        H5free_memory(value);
      } else {
        std::vector<char> bytes(H5Tget_size(type.id));
        check(H5Aread(a.id, type.id, bytes.data()), std::string("cannot read attribute ") + name);
        text.assign(bytes.data(), strnlen(bytes.data(), bytes.size()));
      }
      string_attribute(target, name, text);
      return;
    }
    std::vector<unsigned char> bytes(H5Tget_size(type.id) *
                                     static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id)));
    check(H5Aread(a.id, type.id, bytes.data()), std::string("cannot read attribute ") + name);
    Id copy(check_id(H5Acreate2(target, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT),
                     std::string("cannot create attribute ") + name),
            H5Aclose);
    check(H5Awrite(copy.id, type.id, bytes.data()), std::string("cannot write attribute ") + name);
  }

  void copy_dataset(hid_t source_parent, const std::string& name, hid_t target_parent, int writer) {
    Id d(check_id(H5Dopen2(source_parent, name.c_str(), H5P_DEFAULT), "cannot read dataset " + name),
         H5Dclose);
    Id type(H5Dget_type(d.id), H5Tclose);
    Id space(H5Dget_space(d.id), H5Sclose);
    const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id));
    if (H5Tget_class(type.id) == H5T_STRING) {
      // Every rank reads the strings: the fixed length is metadata that all must agree on.
      std::vector<std::string> texts(count);
      if (H5Tis_variable_str(type.id) > 0) {
        Id memory(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(memory.id, H5T_VARIABLE);
        H5Tset_cset(memory.id, H5Tget_cset(type.id));  // HDF5 does not convert between character sets
        std::vector<char*> values(count, nullptr);
        if (count > 0)
          check(H5Dread(d.id, memory.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                "cannot read " + name);
        for (std::size_t i = 0; i < count; ++i) texts[i] = values[i] ? values[i] : "";
        if (count > 0) H5Dvlen_reclaim(memory.id, space.id, H5P_DEFAULT, values.data());
      } else {
        const std::size_t width = H5Tget_size(type.id);
        std::vector<char> bytes(width * count);
        if (count > 0)
          check(H5Dread(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), "cannot read " + name);
        for (std::size_t i = 0; i < count; ++i)
          texts[i].assign(&bytes[i * width], strnlen(&bytes[i * width], width));
      }
      const bool scalar = H5Sget_simple_extent_type(space.id) == H5S_SCALAR;
      strings(target_parent, name, texts, scalar, writer);
      Id copy(H5Dopen2(target_parent, name.c_str(), H5P_DEFAULT), H5Dclose);
      copy_attributes(d.id, copy.id);
      return;
    }
    const H5T_class_t type_class = H5Tget_class(type.id);
    if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
      throw WriteFailure("dataset " + name + " holds a type a scan does not copy");
    Id copy(
        check_id(H5Dcreate2(target_parent, name.c_str(), type.id, space.id, H5P_DEFAULT, dcpl_, H5P_DEFAULT),
                 "cannot create dataset " + name),
        H5Dclose);
    if (rank_ == writer && count > 0) {
      // The one rank that writes this point's data reads it: nothing travels between ranks.
      std::vector<unsigned char> bytes(H5Tget_size(type.id) * count);
      if (raw(H5Dread(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), "cannot read " + name))
        raw(H5Dwrite(copy.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), "cannot write " + name);
    }
    copy_attributes(d.id, copy.id);
  }

  void copy_group(hid_t source, hid_t target, int writer) {
    copy_attributes(source, target);
    std::vector<std::string> names;
    H5Literate(
        source, H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5L_info_t* info, void* data) -> herr_t {
          if (info->type == H5L_TYPE_HARD) static_cast<std::vector<std::string>*>(data)->emplace_back(name);
          return 0;
        },
        &names);
    for (const auto& name : names) {
      H5O_info_t info;
      check(H5Oget_info_by_name2(source, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
            "cannot read " + name);
      if (info.type == H5O_TYPE_GROUP) {
        Id from(H5Gopen2(source, name.c_str(), H5P_DEFAULT), H5Gclose);
        Id to(group(target, name), H5Gclose);
        copy_group(from.id, to.id, writer);
      } else if (info.type == H5O_TYPE_DATASET) {
        copy_dataset(source, name, target, writer);
      }
    }
  }

  /// What went wrong with this rank's own data, if anything.
  const std::string& raw_failure() const { return raw_failure_; }

  int owner(std::size_t point) const { return static_cast<int>(point % static_cast<std::size_t>(ranks_)); }
  int rank() const { return rank_; }

 private:
  // A write of data that one rank makes alone: a failure is kept, not thrown, so that this rank
  // goes on making the collective metadata calls the others make.
  bool raw(herr_t status, const std::string& what) {
    if (status >= 0) return true;
    if (raw_failure_.empty()) raw_failure_ = what;
    return false;
  }

  hid_t file_;
  int rank_, ranks_;
  hid_t gcpl_, dcpl_;
  std::string raw_failure_;
};

void write_table(Writer& w, hid_t scan, const ScanTable& table) {
  std::vector<std::string> names;
  for (const auto& c : table.columns) names.push_back(c.name);
  w.strings(scan, "columns", names, false, 0);
  Id group(w.group(scan, "table"), H5Gclose);
  for (const auto& c : table.columns) {
    if (c.numeric)
      w.numbers(group.id, c.name, c.numbers, 0);
    else
      w.strings(group.id, c.name, c.texts, false, 0);
  }
}

void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io::OutputError(path + ": cannot reopen the written file to sync it");
  const int status = ::fsync(fd);
  ::close(fd);
  if (status != 0) throw io::OutputError(path + ": cannot sync the file to the disk");
}

}  // namespace

void write_scan_file(const std::string& path, const ScanSpec& spec, const ScanTable& table,
                     const PointStore& store, MPI_Comm comm) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const std::string temporary = path + ".tmp";
  Id access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_mpio(access.id, comm, MPI_INFO_NULL);
  // Metadata reads and writes collective: every rank makes the same calls, in the same order.
  H5Pset_all_coll_metadata_ops(access.id, 1);
  H5Pset_coll_metadata_write(access.id, 1);
  const hid_t file = H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.id);
  int failed = file < 0;
  std::string message = file < 0 ? "cannot create the file" : "";
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, comm);
  if (failed) throw io::OutputError(path + ": " + mpi::first_message(message.empty() ? "" : message, comm));
  {
    Writer w(file, mpi::rank(comm), mpi::size(comm));
    try {
      Id scan(w.group(file, "scan"), H5Gclose);
      w.number_attribute(scan.id, "points", static_cast<double>(table.rows));
      w.string_attribute(scan.id, "combine", spec.combine == Combine::grid ? "grid" : "zip");
      w.string_attribute(scan.id, "kind", spec.kind == BaseKind::training ? "train" : "simulate");
      {
        Id config(w.group(scan.id, "config"), H5Gclose);
        w.strings(config.id, "text", {spec.text}, true, 0);
      }
      std::vector<std::string> axes;
      for (const auto& axis : spec.axes) axes.push_back(axis.key);
      w.strings(scan.id, "axes", axes, false, 0);
      write_table(w, scan.id, table);
      Id points(w.group(file, "points"), H5Gclose);
      for (std::size_t p = 0; p < table.rows; ++p) {
        std::error_code error;
        const std::string source_path =
            std::filesystem::exists(store.done_file(p), error) ? store.done_file(p) : store.failed_file(p);
        Id source(H5Fopen(source_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
        if (source.id < 0) throw WriteFailure("cannot read " + source_path);
        Id target(w.group(points.id, store.name(p)), H5Gclose);
        w.copy_group(source.id, target.id, w.owner(p));
      }
    } catch (const WriteFailure& e) {
      failed = 1;
      message = e.what();
    }
    if (!failed && !w.raw_failure().empty()) {
      failed = 1;
      message = w.raw_failure() + " (is the file system full?)";
    }
  }
  // Every rank closes (collective) before the ranks agree, so none is left inside HDF5.
  if (H5Fclose(file) < 0 && !failed) {
    failed = 1;
    message = "cannot write the file (is the file system full?)";
  }
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, comm);
  message = mpi::first_message(message, comm);
  if (failed) {
    if (mpi::is_root(comm)) std::remove(temporary.c_str());
    throw io::OutputError(path + ": " + message);
  }
  if (mpi::is_root(comm)) {
    try {
      sync_file(temporary);
      std::error_code error;
      std::filesystem::rename(temporary, path, error);
      if (error)
        throw io::OutputError(path + ": cannot move the finished file into place: " + error.message());
    } catch (const io::OutputError& e) {
      message = e.what();
    }
  }
  message = mpi::first_message(message, comm);
  if (!message.empty()) throw io::OutputError(message);
}

}  // namespace neurode::scan
