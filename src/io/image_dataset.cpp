#include "io/image_dataset.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <numeric>

#include "io/memory_limit.hpp"

namespace neurode::io {
namespace {

// No data set the vision models use comes near this (CIFAR-10's training set is 150 MB): a header
// declaring more is damaged, and is refused before anything is allocated.
constexpr std::uint64_t kMaxDataBytes = std::uint64_t{1} << 34;

constexpr std::uint32_t kIdxImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension

constexpr std::size_t kCifarSide = 32, kCifarChannels = 3, kCifarClasses = 10;
constexpr std::size_t kCifarImage = kCifarChannels * kCifarSide * kCifarSide;
constexpr std::size_t kCifarRecord = 1 + kCifarImage;

std::string hex32(std::uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

std::uint32_t big_endian32(const unsigned char* bytes) {
  return std::uint32_t{bytes[0]} << 24 | std::uint32_t{bytes[1]} << 16 | std::uint32_t{bytes[2]} << 8 |
         std::uint32_t{bytes[3]};
}

// Refuses `bytes` of pixels (for `what`) that no data set has or this process cannot hold.
void check_size(const std::string& path, double bytes, const std::string& what) {
  if (bytes > static_cast<double>(kMaxDataBytes))
    throw DataError(path + ": " + what + " (" + format_bytes(bytes) + "), more than the " +
                    format_bytes(static_cast<double>(kMaxDataBytes)) + " a data set may have (damaged?)");
  if (bytes > static_cast<double>(memory_limit_bytes()))
    throw DataError(path + ": " + what + " (" + format_bytes(bytes) + "), more than the " +
                    describe_memory_limit() + " this process may use");
}

// A file read through zlib, which inflates gzip data and passes any other file through unchanged:
// it looks at the magic bytes 1f 8b, so a file's name does not matter.
class GzipReader {
 public:
  explicit GzipReader(std::string path) : path_(std::move(path)) {
    errno = 0;
    file_ = gzopen(path_.c_str(), "rb");
    if (!file_) fail(std::string("cannot open: ") + (errno ? std::strerror(errno) : "out of memory"));
    gzbuffer(file_, 1 << 18);  // larger reads than the 8 KiB default
  }
  ~GzipReader() { gzclose_r(file_); }
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& what) const { throw DataError(path_ + ": " + what); }

  // Up to `size` bytes; fewer only at the end of the data.
  std::size_t read(void* data, std::size_t size) {
    constexpr std::size_t kSlice = 1 << 20;  // in slices, since gzread counts in int
    auto* bytes = static_cast<unsigned char*>(data);
    std::size_t done = 0;
    while (done < size) {
      const auto want = static_cast<unsigned>(std::min(kSlice, size - done));
      const int got = gzread(file_, bytes + done, want);
      int code = Z_OK;
      const char* message = gzerror(file_, &code);
      // Z_BUF_ERROR is a gzip stream that ends early: the short count says "truncated".
      if (got < 0 || (code != Z_OK && code != Z_BUF_ERROR)) {
        std::string reason = message;
        if (reason.rfind(path_ + ": ", 0) == 0) reason.erase(0, path_.size() + 2);  // zlib adds the path
        fail(std::string("cannot read") + (code == Z_ERRNO ? ": " : " (damaged gzip data): ") + reason);
      }
      done += static_cast<std::size_t>(got);
      if (static_cast<unsigned>(got) < want) break;
    }
    return done;
  }
  // Exactly `size` bytes of `what`, or a "truncated" error.
  void read_exact(void* data, std::size_t size, const std::string& what) {
    const std::size_t got = read(data, size);
    if (got < size)
      fail("truncated: expected " + std::to_string(size) + " bytes of " + what + ", got " +
           std::to_string(got));
  }
  // Refuses data after the `expected` bytes: a header that disagrees with its file.
  void expect_end(std::size_t expected, const std::string& what) {
    unsigned char extra;
    if (read(&extra, 1) != 0)
      fail("expected " + std::to_string(expected) + " bytes of " + what +
           " after the header, the file holds more");
    // All the data is there, but a gzip stream cut before its checksum cannot be trusted.
    int code = Z_OK;
    gzerror(file_, &code);
    if (code == Z_BUF_ERROR) fail("truncated: the gzip stream ends before its checksum");
  }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

// Reads an IDX header of `dimensions` big-endian uint32 after the magic, which must be `magic`.
std::vector<std::uint32_t> read_idx_header(GzipReader& file, std::uint32_t magic, std::size_t dimensions,
                                           const char* kind) {
  std::array<unsigned char, 16> header{};
  const std::size_t size = 4 * (1 + dimensions);
  const std::size_t got = file.read(header.data(), size);
  // The magic first, so that a labels file given for the images is named as such, not "truncated".
  if (got >= 4 && big_endian32(header.data()) != magic) {
    const std::uint32_t found = big_endian32(header.data());
    std::string hint;
    if (found == kIdxImagesMagic) hint = " (an images file)";
    if (found == kIdxLabelsMagic) hint = " (a labels file)";
    file.fail("expected IDX magic " + hex32(magic) + " (" + kind + "), got " + hex32(found) + hint);
  }
  if (got < size)
    file.fail("truncated: expected a " + std::to_string(size) + "-byte IDX header, got " +
              std::to_string(got) + " bytes");
  std::vector<std::uint32_t> dims(dimensions);
  for (std::size_t d = 0; d < dimensions; ++d) dims[d] = big_endian32(header.data() + 4 * (1 + d));
  return dims;
}

std::size_t classes_of(const std::vector<std::uint8_t>& labels) {
  const auto largest = std::max_element(labels.begin(), labels.end());
  return largest == labels.end() ? 0 : std::size_t{*largest} + 1;
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

ImageSet read_idx(const std::string& images_path, const std::string& labels_path, std::size_t limit) {
  GzipReader images(images_path);
  const auto dims = read_idx_header(images, kIdxImagesMagic, 3, "images");
  const std::uint64_t count = dims[0], rows = dims[1], cols = dims[2];
  if (count == 0) images.fail("empty: the header declares 0 images");
  if (rows == 0 || cols == 0)
    images.fail("expected images of at least 1x1 pixels, the header declares " + std::to_string(rows) + "x" +
                std::to_string(cols));
  // rows * cols < 2^64 (two uint32); the product with count is checked as a double, which cannot
  // overflow.
  const std::uint64_t pixels_per_image = rows * cols;
  const std::string shape = std::to_string(rows) + "x" + std::to_string(cols);
  check_size(images_path, static_cast<double>(count) * static_cast<double>(pixels_per_image),
             "the header declares " + std::to_string(count) + " images of " + shape + " pixels");

  // Both headers before any data, so that a mismatched pair fails at once.
  GzipReader labels(labels_path);
  const std::uint64_t label_count = read_idx_header(labels, kIdxLabelsMagic, 1, "labels")[0];
  if (label_count != count)
    labels.fail("holds " + std::to_string(label_count) + " labels, but " + images_path + " holds " +
                std::to_string(count) + " images");

  const std::size_t kept = limit > 0 ? std::min<std::size_t>(limit, count) : count;
  ImageSet set;
  set.count = kept;
  set.channels = 1;
  set.height = rows;
  set.width = cols;
  set.pixels.resize(kept * pixels_per_image);
  set.labels.resize(kept);
  images.read_exact(set.pixels.data(), set.pixels.size(), "pixels");
  labels.read_exact(set.labels.data(), set.labels.size(), "labels");
  if (kept == count) {
    images.expect_end(set.pixels.size(), "pixels");
    labels.expect_end(set.labels.size(), "labels");
  }
  set.classes = classes_of(set.labels);
  set.source = "IDX " + images_path + " (labels " + labels_path + ")";
  if (kept < count)
    set.source += ", first " + std::to_string(kept) + " of " + std::to_string(count) + " images";
  return set;
}

ImageSet read_cifar10(const std::vector<std::string>& files, std::size_t limit) {
  if (files.empty()) throw DataError("CIFAR-10: no files given");
  // Every file is checked (it exists, it holds whole records) before any is read, so that a damaged
  // last batch fails at once, whatever the limit.
  std::vector<std::size_t> records(files.size());
  std::uint64_t total = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    std::error_code error;
    const std::uintmax_t size = std::filesystem::file_size(files[f], error);
    if (error) throw DataError(files[f] + ": cannot open: " + error.message());
    if (size == 0) throw DataError(files[f] + ": empty: expected CIFAR-10 records of 3073 bytes");
    if (size % kCifarRecord != 0)
      throw DataError(files[f] + ": expected a whole number of 3073-byte CIFAR-10 records, the file has " +
                      std::to_string(size) + " bytes (" + std::to_string(size / kCifarRecord) +
                      " records and " + std::to_string(size % kCifarRecord) + " bytes over)");
    records[f] = size / kCifarRecord;
    total += records[f];
  }
  check_size(files.front(), static_cast<double>(total) * kCifarImage,
             "the files hold " + std::to_string(total) + " images");

  const std::size_t kept = limit > 0 ? std::min<std::size_t>(limit, total) : total;
  ImageSet set;
  set.count = kept;
  set.channels = kCifarChannels;
  set.height = set.width = kCifarSide;
  set.pixels.resize(kept * kCifarImage);
  set.labels.resize(kept);
  // A record is the label then the R, G and B planes: the planes are already [channel][row][col].
  constexpr std::size_t kBlock = 1000;
  std::vector<unsigned char> buffer(kBlock * kCifarRecord);
  std::size_t image = 0;
  for (std::size_t f = 0; f < files.size() && image < kept; ++f) {
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(files[f].c_str(), "rb"));
    if (!file) throw DataError(files[f] + ": cannot open: " + std::strerror(errno));
    const std::size_t wanted = std::min(records[f], kept - image);
    for (std::size_t first = 0; first < wanted; first += kBlock) {
      const std::size_t block = std::min(kBlock, wanted - first);
      const std::size_t got = std::fread(buffer.data(), 1, block * kCifarRecord, file.get());
      if (got < block * kCifarRecord)  // the file shrank since its size was checked
        throw DataError(files[f] + ": truncated: expected " + std::to_string(records[f] * kCifarRecord) +
                        " bytes, got " + std::to_string(first * kCifarRecord + got));
      for (std::size_t r = 0; r < block; ++r, ++image) {
        const unsigned char* record = buffer.data() + r * kCifarRecord;
        if (record[0] >= kCifarClasses)
          throw DataError(files[f] + ": record " + std::to_string(first + r) +
                          ": expected a label 0..9, got " + std::to_string(record[0]));
        set.labels[image] = record[0];
        std::memcpy(set.pixels.data() + image * kCifarImage, record + 1, kCifarImage);
      }
    }
  }
  set.classes = classes_of(set.labels);
  set.source = "CIFAR-10";
  for (std::size_t f = 0; f < files.size(); ++f) set.source += (f == 0 ? " " : ", ") + files[f];
  if (kept < total)
    set.source += ", first " + std::to_string(kept) + " of " + std::to_string(total) + " images";
  return set;
}

ImageSet read_image_directory(const std::string& format, const std::string& directory, bool training,
                              std::size_t limit) {
  namespace fs = std::filesystem;
  const fs::path dir(directory);
  if (format == "idx") {
    const std::string prefix = training ? "train" : "t10k";
    const auto find = [&](const std::string& name) {
      std::error_code error;
      for (const std::string& candidate : {name + ".gz", name})
        if (fs::is_regular_file(dir / candidate, error)) return (dir / candidate).string();
      const std::string where = fs::is_directory(dir, error) ? "" : " (no such directory)";
      throw DataError(directory + ": missing " + name + ".gz (or " + name + ")" + where);
    };
    const std::string images = find(prefix + "-images-idx3-ubyte");
    const std::string labels = find(prefix + "-labels-idx1-ubyte");
    return read_idx(images, labels, limit);
  }
  if (format == "cifar10") {
    std::vector<std::string> names;
    if (training)
      for (int b = 1; b <= 5; ++b) names.push_back("data_batch_" + std::to_string(b) + ".bin");
    else
      names.push_back("test_batch.bin");
    std::vector<std::string> files;
    for (const std::string& name : names) {
      std::error_code error;
      if (!fs::is_regular_file(dir / name, error))
        throw DataError(directory + ": missing " + name +
                        (fs::is_directory(dir, error) ? "" : " (no such directory)"));
      files.push_back((dir / name).string());
    }
    return read_cifar10(files, limit);
  }
  throw DataError(directory + ": unknown data format \"" + format + "\": expected idx or cifar10");
}

ChannelStatistics channel_statistics(const ImageSet& set, const std::vector<std::size_t>& indices) {
  if (indices.empty()) throw DataError(set.source + ": channel statistics of no images");
  // Histograms of the byte values: integer counts, so the result cannot depend on the order of the
  // images, and the variance is a two-pass sum over 256 values (no cancellation).
  const std::size_t plane = set.height * set.width;
  std::vector<std::array<std::uint64_t, 256>> histogram(set.channels);
  for (auto& h : histogram) h.fill(0);
  for (std::size_t index : indices) {
    if (index >= set.count)
      throw std::out_of_range("channel_statistics: image " + std::to_string(index) + " of " +
                              std::to_string(set.count));
    const std::uint8_t* image = set.pixels.data() + index * set.image_size();
    for (std::size_t c = 0; c < set.channels; ++c)
      for (std::size_t p = 0; p < plane; ++p) ++histogram[c][image[c * plane + p]];
  }
  ChannelStatistics stats;
  const double n = static_cast<double>(indices.size()) * static_cast<double>(plane);
  for (const auto& h : histogram) {
    std::uint64_t sum = 0;  // exact: at most 255 * 2^34
    for (std::size_t v = 0; v < 256; ++v) sum += v * h[v];
    const double mean = static_cast<double>(sum) / n;  // in byte units
    double squares = 0;
    for (std::size_t v = 0; v < 256; ++v) {
      const double d = static_cast<double>(v) - mean;
      squares += static_cast<double>(h[v]) * d * d;
    }
    const double stddev = std::sqrt(squares / n) / 255.0;
    stats.mean.push_back(mean / 255.0);
    stats.stddev.push_back(stddev > 0 ? stddev : 1.0);  // a constant channel is only centred
  }
  return stats;
}

void image_as_doubles(const ImageSet& set, std::size_t index, const ChannelStatistics* stats, double* out) {
  if (index >= set.count)
    throw std::out_of_range("image_as_doubles: image " + std::to_string(index) + " of " +
                            std::to_string(set.count));
  if (stats && (stats->mean.size() != set.channels || stats->stddev.size() != set.channels))
    throw std::invalid_argument("image_as_doubles: statistics of " + std::to_string(stats->mean.size()) +
                                " channels for images of " + std::to_string(set.channels));
  const std::size_t plane = set.height * set.width;
  const std::uint8_t* image = set.pixels.data() + index * set.image_size();
  for (std::size_t c = 0; c < set.channels; ++c) {
    const double mean = stats ? stats->mean[c] : 0.0, stddev = stats ? stats->stddev[c] : 1.0;
    for (std::size_t p = 0; p < plane; ++p) {
      const double x = image[c * plane + p] / 255.0;
      out[c * plane + p] = stats ? (x - mean) / stddev : x;
    }
  }
}

namespace {

// SplitMix64 (Steele, Lea and Flood 2014): the same stream on every platform and compiler.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound), unbiased: draws below 2^64 mod bound are rejected, so the accepted range
  // is a whole number of copies of [0, bound).
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % bound;
    }
  }

 private:
  std::uint64_t state_;
};

}  // namespace

Split split_indices(std::size_t n, std::size_t validation, std::uint64_t seed) {
  if (validation > n)
    throw std::invalid_argument("split_indices: cannot hold out " + std::to_string(validation) + " of " +
                                std::to_string(n) + " images for validation");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Forward Fisher-Yates, stopped after the validation positions: later steps never touch earlier
  // positions, so this prefix is that of the full shuffle.
  SplitMix64 generator(seed);
  for (std::size_t i = 0; i < validation; ++i) std::swap(order[i], order[i + generator.below(n - i)]);
  Split split;
  split.validation.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(validation));
  split.training.assign(order.begin() + static_cast<std::ptrdiff_t>(validation), order.end());
  std::sort(split.validation.begin(), split.validation.end());
  std::sort(split.training.begin(), split.training.end());
  return split;
}

}  // namespace neurode::io
