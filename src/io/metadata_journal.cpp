#include "io/metadata_journal.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "io/hdf5_file.hpp"

namespace neurode::io {
namespace {

// The journal: this line, the file's size, where the raw data it leaves out ends, the number of
// ranges, then each range as its offset, its length and its bytes (integers as 8 bytes in the
// machine's order: a journal never leaves the machine that wrote it).
constexpr char kMagic[] = "neurode metadata journal 2\n";
constexpr std::size_t kMagicBytes = sizeof kMagic - 1;

using Range = std::pair<std::uint64_t, std::uint64_t>;  // offset, length

// Where the raw data of `dataset` lies in the file: one range (contiguous) or one per chunk.
std::vector<Range> storage_of(hid_t file, const std::string& path, const std::string& dataset) {
  const hid_t d = H5Dopen2(file, dataset.c_str(), H5P_DEFAULT);
  if (d < 0) throw Hdf5Error(path + ": no dataset '" + dataset + "'");
  std::vector<Range> ranges;
  const hid_t creation = H5Dget_create_plist(d);
  const H5D_layout_t layout = H5Pget_layout(creation);
  H5Pclose(creation);
  bool ok = true;
  if (layout == H5D_CONTIGUOUS) {
    const haddr_t address = H5Dget_offset(d);
    if (address != HADDR_UNDEF) ranges.emplace_back(address, H5Dget_storage_size(d));
  } else if (layout == H5D_CHUNKED) {
    const hid_t space = H5Dget_space(d);
    hsize_t chunks = 0;
    ok = H5Dget_num_chunks(d, space, &chunks) >= 0;
    for (hsize_t i = 0; ok && i < chunks; ++i) {
      haddr_t address = HADDR_UNDEF;
      hsize_t size = 0;
      ok = H5Dget_chunk_info(d, space, i, nullptr, nullptr, &address, &size) >= 0;
      if (ok && address != HADDR_UNDEF) ranges.emplace_back(address, size);
    }
    H5Sclose(space);
  }  // compact: the data is in the object header, which is metadata
  H5Dclose(d);
  if (!ok) throw Hdf5Error(path + ": cannot locate the chunks of '" + dataset + "'");
  return ranges;
}

// The parts of [0, size) outside `raw`.
std::vector<Range> complement(std::vector<Range> raw, std::uint64_t size) {
  std::sort(raw.begin(), raw.end());
  std::vector<Range> out;
  std::uint64_t at = 0;
  for (const auto& [offset, length] : raw) {
    if (offset > at) out.emplace_back(at, std::min(offset, size) - at);
    at = std::max(at, offset + length);
    if (at >= size) break;
  }
  if (at < size) out.emplace_back(at, size - at);
  return out;
}

[[noreturn]] void fail_output(const std::string& path, const std::string& what) {
  throw OutputError(path + ": " + what + ": " + std::strerror(errno));
}

void write_all(int fd, const void* data, std::size_t bytes, std::uint64_t offset, const std::string& path) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd, p, bytes, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_output(path, "cannot write");
    p += n;
    bytes -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

bool read_all(int fd, void* data, std::size_t bytes, std::uint64_t offset) {
  auto* p = static_cast<unsigned char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pread(fd, p, bytes, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

// Closes a descriptor when it goes out of scope.
struct Descriptor {
  int fd;
  explicit Descriptor(int value) : fd(value) {}
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void save_metadata_journal(const std::string& file, const std::vector<std::string>& raw_datasets,
                           const std::string& journal) {
  std::vector<Range> raw;
  {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) throw Hdf5Error(file + ": cannot open as HDF5");
    try {
      for (const auto& dataset : raw_datasets) {
        const auto ranges = storage_of(f, file, dataset);
        raw.insert(raw.end(), ranges.begin(), ranges.end());
      }
    } catch (...) {
      H5Fclose(f);
      throw;
    }
    H5Fclose(f);
  }
  const Descriptor source(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (source.fd < 0) fail_output(file, "cannot read");
  const off_t end = ::lseek(source.fd, 0, SEEK_END);
  if (end < 0) fail_output(file, "cannot read");
  const auto size = static_cast<std::uint64_t>(end);
  const std::vector<Range> kept = complement(raw, size);
  std::uint64_t raw_end = 0;
  for (const auto& [offset, length] : raw) raw_end = std::max(raw_end, std::min(size, offset + length));

  const std::string temporary = journal + ".tmp" + std::to_string(::getpid());
  {
    const Descriptor out(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
    if (out.fd < 0) fail_output(journal, "cannot create");
    try {
      std::uint64_t at = 0;
      const auto put = [&](const void* data, std::size_t bytes) {
        write_all(out.fd, data, bytes, at, journal);
        at += bytes;
      };
      const std::uint64_t count = kept.size();
      put(kMagic, kMagicBytes);
      put(&size, sizeof size);
      put(&raw_end, sizeof raw_end);
      put(&count, sizeof count);
      std::vector<unsigned char> bytes;
      for (const auto& [offset, length] : kept) {
        bytes.resize(length);
        if (!read_all(source.fd, bytes.data(), length, offset)) fail_output(file, "cannot read");
        put(&offset, sizeof offset);
        put(&length, sizeof length);
        put(bytes.data(), bytes.size());
      }
      // On disk before it counts: after a crash of the node a journal with holes would be worse
      // than none.
      if (::fsync(out.fd) != 0) fail_output(journal, "cannot sync");
    } catch (...) {
      std::remove(temporary.c_str());
      throw;
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, journal, error);
  if (error) {
    std::remove(temporary.c_str());
    throw OutputError(journal + ": cannot move into place: " + error.message());
  }
}

void restore_metadata_journal(const std::string& file, const std::string& journal) {
  const Descriptor in(::open(journal.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) throw Hdf5Error(journal + ": cannot read: " + std::strerror(errno));
  std::uint64_t at = 0;
  const auto get = [&](void* data, std::size_t bytes) {
    if (!read_all(in.fd, data, bytes, at)) throw Hdf5Error(journal + ": truncated, not a complete journal");
    at += bytes;
  };
  char magic[kMagicBytes];
  get(magic, kMagicBytes);
  if (std::memcmp(magic, kMagic, kMagicBytes) != 0) throw Hdf5Error(journal + ": not a metadata journal");
  std::uint64_t size = 0, raw_end = 0, count = 0;
  get(&size, sizeof size);
  get(&raw_end, sizeof raw_end);
  get(&count, sizeof count);
  const Descriptor out(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (out.fd < 0) fail_output(file, "cannot open for writing");
  // The change may have shortened the file (HDF5 truncates space it freed at the end), but never
  // into the raw data it left alone: a file without all of it is not the one the journal is of.
  const off_t now = ::lseek(out.fd, 0, SEEK_END);
  if (now < 0 || static_cast<std::uint64_t>(now) < raw_end)
    throw Hdf5Error(journal + ": not a journal of " + file + " (whose raw data ended at byte " +
                    std::to_string(raw_end) + ", and it has " + std::to_string(now) + " bytes)");
  std::vector<unsigned char> bytes;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t offset = 0, length = 0;
    get(&offset, sizeof offset);
    get(&length, sizeof length);
    if (offset > size || length > size - offset) throw Hdf5Error(journal + ": a range beyond the file");
    bytes.resize(length);
    get(bytes.data(), bytes.size());
    write_all(out.fd, bytes.data(), bytes.size(), offset, file);
  }
  if (::ftruncate(out.fd, static_cast<off_t>(size)) != 0) fail_output(file, "cannot truncate");
  if (::fsync(out.fd) != 0) fail_output(file, "cannot sync");
}

}  // namespace neurode::io
