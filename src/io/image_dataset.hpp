#pragma once
/// Labelled 8-bit image sets read from the two formats the vision models use (spec/vision-models.md,
/// "Data"): IDX pairs (MNIST, Fashion-MNIST; gzip-compressed or raw) and the binary version of
/// CIFAR-10; plus the per-channel statistics, the scaling to doubles and the seeded
/// training/validation split that the tasks build on. Knows no model.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace neurode::io {

/// A labelled set of 8-bit images, [count][channels][height][width] row-major.
struct ImageSet {
  std::size_t count = 0, channels = 0, height = 0, width = 0;
  std::vector<std::uint8_t> pixels;  // count*channels*height*width
  std::vector<std::uint8_t> labels;  // count
  std::size_t classes = 0;           // 1 + max label (10 for Fashion-MNIST/CIFAR-10)
  std::string source;                // what was read, for messages and provenance
  std::size_t image_size() const { return channels * height * width; }
};

/// A data file that cannot be read as expected (missing, wrong magic, truncated, inconsistent): bad
/// input, exit code 2. The message is one line naming the file and what was expected.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// IDX pair (MNIST format): images magic 0x00000803 (dims count, rows, cols as big-endian uint32),
/// labels magic 0x00000801 (count). Each file may be gzip-compressed or raw, told apart by the gzip
/// magic bytes 1f 8b, not by the name. `limit` > 0 keeps only the first `limit` images and reads
/// no further.
ImageSet read_idx(const std::string& images_path, const std::string& labels_path, std::size_t limit = 0);

/// CIFAR-10 binary version: each file is records of 3073 bytes (1 label byte 0..9, then 1024 R,
/// 1024 G, 1024 B bytes, each plane 32x32 row-major); the files are concatenated in order. `limit`
/// as for read_idx (every file is still checked to exist and to hold whole records).
ImageSet read_cifar10(const std::vector<std::string>& files, std::size_t limit = 0);

/// The standard file names of a data-set directory. Format "idx": train-images-idx3-ubyte[.gz] and
/// train-labels-idx1-ubyte[.gz] for training, t10k-... for test (the .gz name is tried first).
/// Format "cifar10": data_batch_1.bin ... data_batch_5.bin for training, test_batch.bin for test.
/// Throws DataError naming the directory and the missing file.
ImageSet read_image_directory(const std::string& format, const std::string& directory, bool training,
                              std::size_t limit = 0);

/// Per-channel mean and (population) standard deviation of the pixels scaled to [0, 1].
struct ChannelStatistics {
  std::vector<double> mean, stddev;
};
/// The statistics over the images `indices` of `set`. Bitwise reproducible: they depend only on the
/// multiset of pixel values, not on the order of `indices`. A channel with std 0 gets std 1.
ChannelStatistics channel_statistics(const ImageSet& set, const std::vector<std::size_t>& indices);

/// Image `index` scaled to [0, 1] (pixel / 255) and, when `stats` is non-null, standardised
/// ((x - mean_c) / std_c), into out[0 .. image_size()).
void image_as_doubles(const ImageSet& set, std::size_t index, const ChannelStatistics* stats, double* out);

/// A split of [0, n) into training and validation indices, both sorted ascending.
struct Split {
  std::vector<std::size_t> training, validation;
};
/// The first `validation` entries of a seeded permutation of [0, n) are validation, the rest
/// training. Keyed only by (n, validation, seed) on every platform: the generator is SplitMix64
/// with unbiased bounded draws, not a standard-library distribution (whose results differ between
/// implementations). For one seed, the validation set of v images is part of that of v + 1.
Split split_indices(std::size_t n, std::size_t validation, std::uint64_t seed);

}  // namespace neurode::io
