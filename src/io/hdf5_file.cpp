#include "io/hdf5_file.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

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

Hdf5File::Hdf5File(const std::string& path, Mode mode) : path_(path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions with our own messages
  if (mode == Mode::read) {
    if (!std::filesystem::exists(path)) throw Hdf5Error(path + ": no such file");
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  } else {
    file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  }
  if (file_ < 0) throw Hdf5Error(path + ": cannot " + (mode == Mode::read ? "open" : "create") + " as HDF5");
}

Hdf5File::~Hdf5File() {
  if (file_ >= 0) H5Fclose(file_);
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

Array Hdf5File::read(const std::string& dataset) const {
  if (!has(dataset)) throw Hdf5Error(path_ + ": no dataset '" + dataset + "'");
  Dataset d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  if (d.id < 0) throw Hdf5Error(path_ + ": cannot open dataset '" + dataset + "'");
  Space space(H5Dget_space(d.id));
  const int rank = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  Array out;
  std::size_t count = 1;
  for (hsize_t dim : dims) {
    out.shape.push_back(static_cast<std::size_t>(dim));
    count *= static_cast<std::size_t>(dim);
  }
  out.values.resize(count);
  if (count > 0 && H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) < 0)
    throw Hdf5Error(path_ + ": dataset '" + dataset + "' is not numeric");
  return out;
}

double Hdf5File::read_scalar(const std::string& dataset) const {
  const Array a = read(dataset);
  if (a.values.size() != 1) throw Hdf5Error(path_ + ": dataset '" + dataset + "' is not a scalar");
  return a.values[0];
}

std::string Hdf5File::read_text(const std::string& dataset) const {
  if (!has(dataset)) throw Hdf5Error(path_ + ": no dataset '" + dataset + "'");
  Dataset d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  Type memory(H5Tcopy(H5T_C_S1));
  H5Tset_size(memory.id, H5T_VARIABLE);
  H5Tset_cset(memory.id, H5T_CSET_UTF8);
  char* text = nullptr;
  if (H5Dread(d.id, memory.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0)
    throw Hdf5Error(path_ + ": dataset '" + dataset + "' is not a string");
  std::string out = text ? text : "";
  H5free_memory(text);
  return out;
}

double Hdf5File::read_attribute(const std::string& object_path, const std::string& name) const {
  Attribute a(H5Aopen_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  if (a.id < 0) throw Hdf5Error(path_ + ": no attribute '" + name + "' on '" + object_path + "'");
  double value = 0;
  if (H5Aread(a.id, H5T_NATIVE_DOUBLE, &value) < 0)
    throw Hdf5Error(path_ + ": attribute '" + name + "' is not numeric");
  return value;
}

std::string Hdf5File::read_string_attribute(const std::string& object_path, const std::string& name) const {
  Attribute a(H5Aopen_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  if (a.id < 0) throw Hdf5Error(path_ + ": no attribute '" + name + "' on '" + object_path + "'");
  Type type(H5Aget_type(a.id));
  if (H5Tget_class(type.id) != H5T_STRING)
    throw Hdf5Error(path_ + ": attribute '" + name + "' is not a string");
  if (H5Tis_variable_str(type.id) > 0) {
    Type memory(H5Tcopy(H5T_C_S1));
    H5Tset_size(memory.id, H5T_VARIABLE);
    char* text = nullptr;
    H5Aread(a.id, memory.id, &text);
    std::string out = text ? text : "";
    H5free_memory(text);
    return out;
  }
  std::string out(H5Tget_size(type.id), '\0');
  H5Aread(a.id, type.id, out.data());
  out.erase(out.find_last_not_of('\0') + 1);
  return out;
}

void Hdf5File::create_group(const std::string& group) {
  if (has(group)) return;
  hid_t g = H5Gcreate2(file_, group.c_str(), intermediate_groups(), H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) throw Hdf5Error(path_ + ": cannot create group '" + group + "'");
  H5Gclose(g);
}

void Hdf5File::write(const std::string& dataset, const std::vector<std::size_t>& shape,
                     const double* values) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Space space(shape.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Dataset d(H5Dcreate2(file_, dataset.c_str(), H5T_IEEE_F64LE, space.id, intermediate_groups(), H5P_DEFAULT,
                       H5P_DEFAULT));
  if (d.id < 0) throw Hdf5Error(path_ + ": cannot create dataset '" + dataset + "'");
  std::size_t count = 1;
  for (auto s : shape) count *= s;
  if (count > 0 && H5Dwrite(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0)
    throw Hdf5Error(path_ + ": cannot write dataset '" + dataset + "'");
}

void Hdf5File::write_integers(const std::string& dataset, const std::vector<std::size_t>& shape,
                              const std::vector<std::int64_t>& values) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Space space(shape.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Dataset d(H5Dcreate2(file_, dataset.c_str(), H5T_STD_I64LE, space.id, intermediate_groups(), H5P_DEFAULT,
                       H5P_DEFAULT));
  if (d.id < 0) throw Hdf5Error(path_ + ": cannot create dataset '" + dataset + "'");
  if (!values.empty() && H5Dwrite(d.id, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw Hdf5Error(path_ + ": cannot write dataset '" + dataset + "'");
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
  Dataset d(
      H5Dcreate2(file_, dataset.c_str(), type.id, space.id, intermediate_groups(), H5P_DEFAULT, H5P_DEFAULT));
  if (d.id < 0) throw Hdf5Error(path_ + ": cannot create dataset '" + dataset + "'");
  std::vector<const char*> pointers;
  for (const auto& t : texts) pointers.push_back(t.c_str());
  if (!pointers.empty() && H5Dwrite(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
    throw Hdf5Error(path_ + ": cannot write dataset '" + dataset + "'");
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
  if (a.id < 0) throw Hdf5Error(path_ + ": cannot set attribute '" + name + "' on '" + object_path + "'");
  const char* text = value.c_str();
  H5Awrite(a.id, type.id, &text);
}

void Hdf5File::set_attribute(const std::string& object_path, const std::string& name, double value) {
  Space space(H5Screate(H5S_SCALAR));
  if (H5Aexists_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(file_, object_path.c_str(), name.c_str(), H5P_DEFAULT);
  Attribute a(H5Acreate_by_name(file_, object_path.c_str(), name.c_str(), H5T_IEEE_F64LE, space.id,
                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (a.id < 0) throw Hdf5Error(path_ + ": cannot set attribute '" + name + "' on '" + object_path + "'");
  H5Awrite(a.id, H5T_NATIVE_DOUBLE, &value);
}

AtomicOutput::AtomicOutput(std::string final_path) : final_path_(std::move(final_path)) {
  temporary_path_ = final_path_ + ".tmp" + std::to_string(::getpid());
  file_ = std::make_unique<Hdf5File>(temporary_path_, Hdf5File::Mode::create);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    file_.reset();
    std::remove(temporary_path_.c_str());
  }
}

void AtomicOutput::commit() {
  file_.reset();  // flushes and closes
  std::error_code error;
  std::filesystem::rename(temporary_path_, final_path_, error);
  if (error)
    throw Hdf5Error("cannot move " + temporary_path_ + " to " + final_path_ + ": " + error.message());
  committed_ = true;
}

}  // namespace neurode::io
