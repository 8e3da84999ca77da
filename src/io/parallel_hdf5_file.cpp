#include "io/parallel_hdf5_file.hpp"

#include <stdexcept>

#include "io/hdf5_file.hpp"

namespace neurode::io {
namespace {

// Owns a property list or a dataspace for the length of one call.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  Handle(hid_t value, herr_t (*closer)(hid_t)) : id(value), close(closer) {}
  ~Handle() {
    if (id >= 0) close(id);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

// Object-creation properties without modification times: the same work gives the same bytes.
hid_t untimed(hid_t plist_class) {
  const hid_t plist = H5Pcreate(plist_class);
  H5Pset_obj_track_times(plist, 0);
  return plist;
}

std::vector<hsize_t> dimensions(const std::vector<std::size_t>& extents) {
  return {extents.begin(), extents.end()};
}

}  // namespace

ParallelHdf5File::ParallelHdf5File(const std::string& path, Mode mode, MPI_Comm comm,
                                   std::string display_name)
    : path_(path), name_(display_name.empty() ? path : std::move(display_name)), comm_(comm) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions with our own messages
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_mpio(access.id, comm, MPI_INFO_NULL);
  file_ = mode == Mode::create ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.id)
                               : H5Fopen(path.c_str(), H5F_ACC_RDWR, access.id);
  if (file_ < 0) fail(mode == Mode::create ? "cannot create the file" : "cannot open the file for writing");
}

ParallelHdf5File::~ParallelHdf5File() {
  for (const auto& [name, id] : datasets_) H5Dclose(id);
  if (file_ >= 0) H5Fclose(file_);
}

void ParallelHdf5File::close() {
  if (file_ < 0) return;
  bool ok = true;
  for (const auto& [name, id] : datasets_) ok = H5Dclose(id) >= 0 && ok;
  datasets_.clear();
  const hid_t file = file_;
  file_ = -1;
  // H5Fclose writes the metadata still cached: this is where a full disk shows for the structure.
  ok = H5Fclose(file) >= 0 && ok;
  if (!ok) fail("cannot write the file (is the file system full?)");
}

void ParallelHdf5File::create_group(const std::string& group) {
  Handle links(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(links.id, 1);
  const Handle creation(untimed(H5P_GROUP_CREATE), H5Pclose);
  const hid_t g = H5Gcreate2(file_, group.c_str(), links.id, creation.id, H5P_DEFAULT);
  if (g < 0) fail("cannot create group '" + group + "'");
  H5Gclose(g);
}

void ParallelHdf5File::create_dataset(const std::string& dataset, Element element,
                                      const std::vector<std::size_t>& shape,
                                      const std::vector<std::size_t>& chunk) {
  if (datasets_.count(dataset)) throw std::logic_error("ParallelHdf5File: '" + dataset + "' created twice");
  if (!chunk.empty() && chunk.size() != shape.size())
    throw std::logic_error("ParallelHdf5File: chunk of '" + dataset + "' has the wrong rank");
  const Handle creation(untimed(H5P_DATASET_CREATE), H5Pclose);
  if (!chunk.empty()) {
    const auto extents = dimensions(chunk);
    H5Pset_chunk(creation.id, static_cast<int>(extents.size()), extents.data());
  }
  // All of it allocated now (so that writes never change the metadata), none of it written: every
  // element is written by its owner before the file counts as complete.
  H5Pset_alloc_time(creation.id, H5D_ALLOC_TIME_EARLY);
  H5Pset_fill_time(creation.id, H5D_FILL_TIME_NEVER);
  const auto dims = dimensions(shape);
  Handle space(shape.empty() ? H5Screate(H5S_SCALAR)
                             : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  const hid_t type = element == Element::float64 ? H5T_IEEE_F64LE : H5T_STD_U8LE;
  const hid_t d = H5Dcreate2(file_, dataset.c_str(), type, space.id, H5P_DEFAULT, creation.id, H5P_DEFAULT);
  if (d < 0) fail("cannot create dataset '" + dataset + "'");
  datasets_[dataset] = d;
}

void ParallelHdf5File::open_dataset(const std::string& dataset) {
  if (datasets_.count(dataset)) return;
  const hid_t d = H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT);
  if (d < 0) fail("cannot open dataset '" + dataset + "'");
  datasets_[dataset] = d;
}

void ParallelHdf5File::set_attribute(const std::string& object, const std::string& name,
                                     const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT);
  Handle a(H5Acreate_by_name(file_, object.c_str(), name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT),
           H5Aclose);
  if (a.id < 0) fail("cannot set attribute '" + name + "' on '" + object + "'");
  const char* text = value.c_str();
  if (H5Awrite(a.id, type.id, &text) < 0) fail("cannot write attribute '" + name + "'");
}

void ParallelHdf5File::set_attribute(const std::string& object, const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT);
  Handle a(H5Acreate_by_name(file_, object.c_str(), name.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  if (a.id < 0) fail("cannot set attribute '" + name + "' on '" + object + "'");
  if (H5Awrite(a.id, H5T_NATIVE_DOUBLE, &value) < 0) fail("cannot write attribute '" + name + "'");
}

void ParallelHdf5File::write(const std::string& dataset, const std::vector<std::size_t>& start,
                             const std::vector<std::size_t>& count, const double* values) {
  write_hyperslab(dataset, start, count, H5T_NATIVE_DOUBLE, values);
}

void ParallelHdf5File::write(const std::string& dataset, const std::vector<std::size_t>& start,
                             const std::vector<std::size_t>& count, const unsigned char* values) {
  write_hyperslab(dataset, start, count, H5T_NATIVE_UCHAR, values);
}

void ParallelHdf5File::write_hyperslab(const std::string& dataset, const std::vector<std::size_t>& start,
                                       const std::vector<std::size_t>& count, hid_t memory_type,
                                       const void* values) {
  const auto found = datasets_.find(dataset);
  if (found == datasets_.end())
    throw std::logic_error("ParallelHdf5File: write to '" + dataset + "', which is not open");
  std::size_t elements = 1;
  for (std::size_t c : count) elements *= c;
  if (elements == 0) return;
  const auto offsets = dimensions(start), extents = dimensions(count);
  Handle file_space(H5Dget_space(found->second), H5Sclose);
  if (H5Sget_simple_extent_ndims(file_space.id) != static_cast<int>(extents.size()))
    throw std::logic_error("ParallelHdf5File: hyperslab of '" + dataset + "' has the wrong rank");
  if (!extents.empty() && H5Sselect_hyperslab(file_space.id, H5S_SELECT_SET, offsets.data(), nullptr,
                                              extents.data(), nullptr) < 0)
    fail("cannot select a hyperslab of '" + dataset + "'");
  Handle memory_space(extents.empty()
                          ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(extents.size()), extents.data(), nullptr),
                      H5Sclose);
  // Independent: a rank writes its blocks when they are done, whatever the others are doing.
  Handle transfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_dxpl_mpio(transfer.id, H5FD_MPIO_INDEPENDENT);
  if (H5Dwrite(found->second, memory_type, memory_space.id, file_space.id, transfer.id, values) < 0)
    fail("cannot write dataset '" + dataset + "'");
}

void ParallelHdf5File::fail(const std::string& what) const {
  throw OutputError(name_ + ": " + what + write_failure_reason(name_));
}

}  // namespace neurode::io
