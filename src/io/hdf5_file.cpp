#include "io/hdf5_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>

#include "io/memory_limit.hpp"

namespace neurode::io {
namespace {

struct Space {
  hid_t id;
  explicit Space(hid_t value) : id(value) {}
  ~Space() {
    if (id >= 0) H5Sclose(id);
  }
};
struct Type {
  hid_t id;
  explicit Type(hid_t value) : id(value) {}
  ~Type() {
    if (id >= 0) H5Tclose(id);
  }
};
struct Attribute {
  hid_t id;
  explicit Attribute(hid_t value) : id(value) {}
  ~Attribute() {
    if (id >= 0) H5Aclose(id);
  }
};
struct Dataset {
  hid_t id;
  explicit Dataset(hid_t value) : id(value) {}
  ~Dataset() {
    if (id >= 0) H5Dclose(id);
  }
};
// Link-creation property list that makes intermediate groups.
hid_t intermediate_groups() {
  static hid_t plist = [] {
    hid_t p = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(p, 1);
    return p;
  }();
  return plist;
}

}  // namespace

Hdf5File::Hdf5File(const std::string& path, Mode mode, std::string display_name)
    : path_(path), name_(display_name.empty() ? path : std::move(display_name)), mode_(mode) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions with our own messages
  if (mode == Mode::read) {
    if (!std::filesystem::exists(path)) throw Hdf5Error(path + ": no such file");
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file_ < 0) throw Hdf5Error(path + ": cannot open as HDF5");
    return;
  }
  if (mode == Mode::update) {
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (file_ < 0) fail_write("cannot open the file for writing");
    // No modification times, so that the completed file does not depend on when it was written.
    group_creation_ = H5Pcreate(H5P_GROUP_CREATE);
    dataset_creation_ = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(group_creation_, 0);
    H5Pset_obj_track_times(dataset_creation_, 0);
    return;
  }
  hid_t access = H5P_DEFAULT;
  if (mode == Mode::in_memory) {
    // The core driver without a backing store: HDF5 never touches the disk, so a full disk cannot
    // leave its metadata cache half-flushed (after which HDF5 crashes at exit).
    access = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(access, 1 << 20, 0);
  }
  file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access);
  if (access != H5P_DEFAULT) H5Pclose(access);
  if (file_ < 0) {
    if (mode == Mode::create) std::remove(path.c_str());  // HDF5 may have made an empty file
    fail_write("cannot create the file");
  }
}

std::vector<unsigned char> Hdf5File::image() const {
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) fail_write("cannot flush the file");
  const ssize_t size = H5Fget_file_image(file_, nullptr, 0);
  if (size < 0) fail_write("cannot form the file image");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  if (H5Fget_file_image(file_, bytes.data(), bytes.size()) != size) fail_write("cannot form the file image");
  return bytes;
}

Hdf5File::~Hdf5File() {
  if (file_ >= 0) H5Fclose(file_);
  if (group_creation_ != H5P_DEFAULT) H5Pclose(group_creation_);
  if (dataset_creation_ != H5P_DEFAULT) H5Pclose(dataset_creation_);
}

void Hdf5File::close() {
  if (file_ < 0) return;
  const hid_t file = file_;
  file_ = -1;
  // H5Fclose writes the metadata still cached: this is where a full disk shows for small files.
  if (H5Fclose(file) < 0) fail_write("cannot write the file (is the file system full?)");
}

std::string write_failure_reason(const std::string& path) {
  // HDF5 does not keep errno: tell the likely causes apart by looking at the directory.
  const std::filesystem::path directory = std::filesystem::absolute(path).parent_path();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error))
    return ": the directory " + directory.string() + " does not exist";
  if (::access(directory.c_str(), W_OK) != 0) return ": no permission to write in " + directory.string();
  if (const auto space = std::filesystem::space(directory, error); !error && space.available < (1u << 20))
    return ": the file system is full (" + std::to_string(space.available / 1024) + " KiB free)";
  return " (an I/O error)";
}

void Hdf5File::fail_write(const std::string& what) const {
  throw OutputError(name_ + ": " + what + write_failure_reason(name_));
}

bool Hdf5File::has(const std::string& object_path) const {
  // Check each level, since H5Lexists fails on a missing intermediate group.
  std::string partial;
  std::size_t start = object_path[0] == '/' ? 1 : 0;
  while (start <= object_path.size()) {
    const std::size_t end = object_path.find('/', start);
    partial = object_path.substr(0, end);
    if (H5Lexists(file_, partial.c_str(), H5P_DEFAULT) <= 0) return false;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return true;
}

namespace {

// What a dataset or attribute holds, for messages ("strings", "compound records").
std::string type_description(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return "integers";
    case H5T_FLOAT:
      return "floating-point numbers";
    case H5T_STRING:
      return "strings";
    case H5T_COMPOUND:
      return "compound records";
    case H5T_ENUM:
      return "enumerated values (such as booleans)";
    case H5T_ARRAY:
      return "fixed-size arrays";
    case H5T_VLEN:
      return "variable-length sequences";
    case H5T_REFERENCE:
      return "object references";
    case H5T_OPAQUE:
      return "opaque data";
    case H5T_BITFIELD:
      return "bit fields";
    default:
      return "data of an unknown type";
  }
}

bool is_number_type(hid_t type) {
  const H5T_class_t type_class = H5Tget_class(type);
  return type_class == H5T_INTEGER || type_class == H5T_FLOAT;
}

// The dimensions of a dataspace ({} for a scalar); `what` names the object in messages.
std::vector<std::size_t> dimensions(hid_t space, const std::string& what) {
  const H5S_class_t space_class = H5Sget_simple_extent_type(space);
  if (space_class == H5S_SCALAR) return {};
  if (space_class != H5S_SIMPLE) throw Hdf5Error(what + " has no values (a null dataspace)");
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > H5S_MAX_RANK) throw Hdf5Error(what + " has an unreadable shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0)
    throw Hdf5Error(what + " has an unreadable shape");
  return {dims.begin(), dims.end()};
}

// "a scalar" or "of shape [4 x 2]", to follow "is".
std::string shape_text(const std::vector<std::size_t>& shape) {
  if (shape.empty()) return "a scalar";
  std::string text;
  for (std::size_t d : shape) text += (text.empty() ? "" : " x ") + std::to_string(d);
  return "of shape [" + text + "]";
}

// The number of elements, or nullopt when it does not fit 64 bits (a declared size no file holds).
std::optional<std::uint64_t> element_count(const std::vector<std::size_t>& shape) {
  std::uint64_t count = 1;
  for (std::size_t d : shape) {
    if (d != 0 && count > std::numeric_limits<std::uint64_t>::max() / d) return std::nullopt;
    count *= d;
  }
  return count;
}

}  // namespace

std::vector<std::size_t> Hdf5File::shape(const std::string& dataset) const {
  if (!has(dataset)) throw Hdf5Error(path_ + ": no dataset '" + dataset + "'");
  // A group, a dangling soft link or an external link to a missing file all fail to open here.
  Dataset d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  if (d.id < 0) throw Hdf5Error(path_ + ": '" + dataset + "' is not a readable dataset");
  Space space(H5Dget_space(d.id));
  return dimensions(space.id, path_ + ": dataset '" + dataset + "'");
}

Array Hdf5File::read(const std::string& dataset) const {
  Array out;
  out.shape = shape(dataset);
  Dataset d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  Type type(H5Dget_type(d.id));
  if (type.id < 0 || !is_number_type(type.id))
    throw Hdf5Error(path_ + ": dataset '" + dataset + "' holds " +
                    (type.id < 0 ? std::string("data of an unreadable type") : type_description(type.id)) +
                    ", expected numbers");
  // The declared size is checked before anything is allocated: a small file may declare a huge
  // dataset (chunks that were never written read as fill values).
  const auto count = element_count(out.shape);
  const double bytes = count ? static_cast<double>(*count) * sizeof(double) : HUGE_VAL;
  if (!count || bytes > static_cast<double>(memory_limit_bytes()))
    throw Hdf5Error(path_ + ": dataset '" + dataset + "' is " + shape_text(out.shape) + " (" +
                    (count ? format_bytes(bytes) : std::string("more than 2^64 values")) +
                    " as doubles), more than the " + describe_memory_limit() + " this process may use");
  out.values.resize(static_cast<std::size_t>(*count));
  if (*count > 0 && H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) < 0)
    throw Hdf5Error(path_ + ": dataset '" + dataset + "' cannot be read as numbers (damaged?)");
  return out;
}

double Hdf5File::read_scalar(const std::string& dataset) const {
  const auto dims = shape(dataset);
  if (element_count(dims) != std::uint64_t{1})
    throw Hdf5Error(path_ + ": dataset '" + dataset + "' is " + shape_text(dims) + ", expected one number");
  return read(dataset).values[0];
}

std::string Hdf5File::read_text(const std::string& dataset) const {
  const auto dims = shape(dataset);
  Dataset d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  Type type(H5Dget_type(d.id));
  if (type.id < 0 || H5Tget_class(type.id) != H5T_STRING)
    throw Hdf5Error(path_ + ": dataset '" + dataset + "' holds " +
                    (type.id < 0 ? std::string("data of an unreadable type") : type_description(type.id)) +
                    ", expected a string");
  // One string: reading an array of strings into one would write past the buffer.
  if (element_count(dims) != std::uint64_t{1})
    throw Hdf5Error(path_ + ": dataset '" + dataset + "' is " + shape_text(dims) + ", expected one string");
  if (H5Tis_variable_str(type.id) <= 0) {
    std::string out(H5Tget_size(type.id), '\0');
    if (H5Dread(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
      throw Hdf5Error(path_ + ": dataset '" + dataset + "' cannot be read as a string (damaged?)");
    out.erase(out.find_last_not_of('\0') + 1);
    return out;
  }
  Type memory(H5Tcopy(H5T_C_S1));
  H5Tset_size(memory.id, H5T_VARIABLE);
  H5Tset_cset(memory.id, H5T_CSET_UTF8);
  char* text = nullptr;
  if (H5Dread(d.id, memory.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0)
    throw Hdf5Error(path_ + ": dataset '" + dataset + "' cannot be read as a string (damaged?)");
  std::string out = text ? text : "";
  H5free_memory(text);
  return out;
}

bool Hdf5File::has_attribute(const std::string& object_path, const std::string& name) const {
  return has(object_path) && H5Aexists_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

double Hdf5File::read_attribute(const std::string& object_path, const std::string& name) const {
  Attribute a(H5Aopen_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  if (a.id < 0) throw Hdf5Error(path_ + ": no attribute '" + name + "' on '" + object_path + "'");
  const std::string what = path_ + ": attribute '" + name + "' of '" + object_path + "'";
  Type type(H5Aget_type(a.id));
  if (type.id < 0 || !is_number_type(type.id))
    throw Hdf5Error(what + " holds " +
                    (type.id < 0 ? std::string("data of an unreadable type") : type_description(type.id)) +
                    ", expected a number");
  // One value: H5Aread writes every element it holds into the buffer given.
  Space space(H5Aget_space(a.id));
  const auto dims = dimensions(space.id, what);
  if (element_count(dims) != std::uint64_t{1})
    throw Hdf5Error(what + " is " + shape_text(dims) + ", expected one number");
  double value = 0;
  if (H5Aread(a.id, H5T_NATIVE_DOUBLE, &value) < 0) throw Hdf5Error(what + " cannot be read as a number");
  return value;
}

std::string Hdf5File::read_string_attribute(const std::string& object_path, const std::string& name) const {
  Attribute a(H5Aopen_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  if (a.id < 0) throw Hdf5Error(path_ + ": no attribute '" + name + "' on '" + object_path + "'");
  const std::string what = path_ + ": attribute '" + name + "' of '" + object_path + "'";
  Type type(H5Aget_type(a.id));
  if (type.id < 0 || H5Tget_class(type.id) != H5T_STRING) throw Hdf5Error(what + " is not a string");
  Space space(H5Aget_space(a.id));
  const auto dims = dimensions(space.id, what);
  if (element_count(dims) != std::uint64_t{1})
    throw Hdf5Error(what + " is " + shape_text(dims) + ", expected one string");
  if (H5Tis_variable_str(type.id) > 0) {
    Type memory(H5Tcopy(H5T_C_S1));
    H5Tset_size(memory.id, H5T_VARIABLE);
    H5Tset_cset(memory.id, H5Tget_cset(type.id));  // ASCII and UTF-8 strings do not convert
    char* text = nullptr;
    if (H5Aread(a.id, memory.id, &text) < 0) throw Hdf5Error(what + " cannot be read as a string");
    std::string out = text ? text : "";
    H5free_memory(text);
    return out;
  }
  std::string out(H5Tget_size(type.id), '\0');
  if (H5Aread(a.id, type.id, out.data()) < 0) throw Hdf5Error(what + " cannot be read as a string");
  out.erase(out.find_last_not_of('\0') + 1);
  return out;
}

void Hdf5File::create_group(const std::string& group) {
  if (has(group)) return;
  hid_t g = H5Gcreate2(file_, group.c_str(), intermediate_groups(), group_creation_, H5P_DEFAULT);
  if (g < 0) fail_write("cannot create group '" + group + "'");
  H5Gclose(g);
}

void Hdf5File::remove(const std::string& object_path) {
  if (H5Ldelete(file_, object_path.c_str(), H5P_DEFAULT) < 0)
    fail_write("cannot remove '" + object_path + "'");
}

void Hdf5File::write(const std::string& dataset, const std::vector<std::size_t>& shape, const double* values,
                     FiniteCheck check) {
  std::size_t count = 1;
  for (auto s : shape) count *= s;
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i]) && !(check == FiniteCheck::nan_allowed && std::isnan(values[i])))
      throw NonFiniteResult(name_ + ": dataset '" + dataset + "' would hold a non-finite value (" +
                            std::to_string(values[i]) + " at element " + std::to_string(i) +
                            "); nothing was written");
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Space space(shape.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Dataset d(H5Dcreate2(file_, dataset.c_str(), H5T_IEEE_F64LE, space.id, intermediate_groups(),
                       dataset_creation_, H5P_DEFAULT));
  if (d.id < 0) fail_write("cannot create dataset '" + dataset + "'");
  if (count > 0 && H5Dwrite(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0)
    fail_write("cannot write dataset '" + dataset + "'");
}

void Hdf5File::write_integers(const std::string& dataset, const std::vector<std::size_t>& shape,
                              const std::vector<std::int64_t>& values) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Space space(shape.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Dataset d(H5Dcreate2(file_, dataset.c_str(), H5T_STD_I64LE, space.id, intermediate_groups(),
                       dataset_creation_, H5P_DEFAULT));
  if (d.id < 0) fail_write("cannot create dataset '" + dataset + "'");
  if (!values.empty() && H5Dwrite(d.id, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    fail_write("cannot write dataset '" + dataset + "'");
}

void Hdf5File::write_string(const std::string& dataset, const std::string& text) {
  write_strings(dataset, {text});
}

void Hdf5File::write_strings(const std::string& dataset, const std::vector<std::string>& texts) {
  Type type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  const bool scalar = texts.size() == 1;
  hsize_t count = texts.size();
  Space space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr));
  Dataset d(H5Dcreate2(file_, dataset.c_str(), type.id, space.id, intermediate_groups(), dataset_creation_,
                       H5P_DEFAULT));
  if (d.id < 0) fail_write("cannot create dataset '" + dataset + "'");
  std::vector<const char*> pointers;
  for (const auto& t : texts) pointers.push_back(t.c_str());
  if (!pointers.empty() && H5Dwrite(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
    fail_write("cannot write dataset '" + dataset + "'");
}

void Hdf5File::set_attribute(const std::string& object_path, const std::string& name,
                             const std::string& value) {
  Type type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  Space space(H5Screate(H5S_SCALAR));
  if (H5Aexists_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT);
  Attribute a(H5Acreate_by_name(file_, object_path.c_str(), name.c_str(), type.id, space.id, H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT));
  if (a.id < 0) fail_write("cannot set attribute '" + name + "' on '" + object_path + "'");
  const char* text = value.c_str();
  if (H5Awrite(a.id, type.id, &text) < 0) fail_write("cannot write attribute '" + name + "'");
}

void Hdf5File::set_attribute(const std::string& object_path, const std::string& name, double value) {
  if (!std::isfinite(value))
    throw NonFiniteResult(name_ + ": attribute '" + name + "' of '" + object_path +
                          "' would hold a non-finite value; nothing was written");
  Space space(H5Screate(H5S_SCALAR));
  if (H5Aexists_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT);
  Attribute a(H5Acreate_by_name(file_, object_path.c_str(), name.c_str(), H5T_IEEE_F64LE, space.id,
                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (a.id < 0) fail_write("cannot set attribute '" + name + "' on '" + object_path + "'");
  if (H5Awrite(a.id, H5T_NATIVE_DOUBLE, &value) < 0) fail_write("cannot write attribute '" + name + "'");
}

AtomicOutput::AtomicOutput(std::string final_path) : final_path_(std::move(final_path)) {
  require_writable_directory(final_path_);
  remove_abandoned_temporaries(final_path_);
  temporary_path_ = final_path_ + ".tmp" + std::to_string(::getpid());
  file_ = std::make_unique<Hdf5File>(temporary_path_, Hdf5File::Mode::in_memory, final_path_);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_ && wrote_temporary_) std::remove(temporary_path_.c_str());
}

namespace {

// Writes all of `bytes` to a new file at `path` and syncs it; returns errno's text on failure.
std::string write_and_sync(const std::string& path, const std::vector<unsigned char>& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return std::strerror(errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = n < 0 ? std::strerror(errno) : "nothing written";
      ::close(fd);
      return reason;
    }
    done += static_cast<std::size_t>(n);
  }
  // The data must be on disk before the rename makes it the result: after a crash of the node the
  // name would otherwise point at a file with holes.
  if (::fsync(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    return reason;
  }
  if (::close(fd) != 0) return std::strerror(errno);
  return {};
}

}  // namespace

void AtomicOutput::commit() {
  const std::vector<unsigned char> bytes = file_->image();
  file_->close();
  wrote_temporary_ = true;
  if (const std::string reason = write_and_sync(temporary_path_, bytes); !reason.empty()) {
    std::remove(temporary_path_.c_str());
    wrote_temporary_ = false;
    throw OutputError(final_path_ + ": cannot write the file: " + reason);
  }
  std::error_code error;
  std::filesystem::rename(temporary_path_, final_path_, error);
  if (error)
    throw OutputError(final_path_ + ": cannot move the finished file into place: " + error.message());
  committed_ = true;
}

void require_writable_directory(const std::string& path) {
  const std::filesystem::path directory = std::filesystem::absolute(path).parent_path();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error))
    throw OutputError(path + ": cannot write: the directory " + directory.string() + " does not exist");
  if (::access(directory.c_str(), W_OK) != 0)
    throw OutputError(path + ": cannot write: no permission to write in " + directory.string());
}

void remove_abandoned_temporaries(const std::string& final_path) {
  const std::filesystem::path final_name(final_path);
  const std::filesystem::path directory = final_name.has_parent_path() ? final_name.parent_path() : ".";
  const std::string prefix = final_name.filename().string() + ".tmp";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    // ESRCH: no such process, so nobody will finish or remove this file.
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH)
      std::filesystem::remove(entry.path(), error);
  }
}

}  // namespace neurode::io
