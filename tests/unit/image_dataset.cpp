// The image-data layer (spec/vision-models.md, "Data"): IDX pairs, raw or gzip, and CIFAR-10
// binary files written here are read back exactly; every damaged file fails with one line naming
// it; the statistics match a hand computation; the split is a seeded, platform-independent
// permutation. The real Fashion-MNIST is read when installed (package dataset-fashion-mnist).
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "io/image_dataset.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

fs::path fresh_directory(const std::string& name) {
  const fs::path d = testing::temporary_path("image_dataset-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write_file(const fs::path& path, const Bytes& bytes, bool gzip = false) {
  if (gzip) {
    const gzFile file = gzopen(path.c_str(), "wb");
    ASSERT_NE(file, nullptr) << path;
    if (!bytes.empty()) {
      ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())), int(bytes.size()));
    }
    ASSERT_EQ(gzclose(file), Z_OK);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void append_u32(Bytes& bytes, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(value >> shift));
}

Bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, const Bytes& pixels) {
  Bytes bytes;
  append_u32(bytes, 0x00000803);
  for (std::uint32_t d : {count, rows, cols}) append_u32(bytes, d);
  bytes.insert(bytes.end(), pixels.begin(), pixels.end());
  return bytes;
}

Bytes idx_labels(const Bytes& labels, std::uint32_t count) {
  Bytes bytes;
  append_u32(bytes, 0x00000801);
  append_u32(bytes, count);
  bytes.insert(bytes.end(), labels.begin(), labels.end());
  return bytes;
}
Bytes idx_labels(const Bytes& labels) {
  return idx_labels(labels, static_cast<std::uint32_t>(labels.size()));
}

// 3 images of 2x4 pixels, every byte distinct, and their labels.
const Bytes kPixels = [] {
  Bytes p(3 * 2 * 4);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(7 * i + 3);
  return p;
}();
const Bytes kLabels = {2, 0, 5};

// A CIFAR-10 record: the label, then R, G and B planes whose bytes encode (image, channel, pixel).
Bytes cifar_record(std::uint8_t label, std::uint8_t image) {
  Bytes record{label};
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 1024; ++p) record.push_back(static_cast<std::uint8_t>(image * 31 + c * 80 + p));
  return record;
}
Bytes cifar_file(const std::vector<std::pair<std::uint8_t, std::uint8_t>>& records) {
  Bytes bytes;
  for (auto [label, image] : records) {
    const Bytes r = cifar_record(label, image);
    bytes.insert(bytes.end(), r.begin(), r.end());
  }
  return bytes;
}

// The DataError message of `action`, checked to be one line that contains each of `parts`.
::testing::AssertionResult fails_with(const std::function<void()>& action,
                                      std::initializer_list<std::string> parts) {
  std::string message;
  try {
    action();
    return ::testing::AssertionFailure() << "no DataError";
  } catch (const io::DataError& e) {
    message = e.what();
  }
  if (message.find('\n') != std::string::npos)
    return ::testing::AssertionFailure() << "not one line: " << message;
  for (const std::string& part : parts)
    if (message.find(part) == std::string::npos)
      return ::testing::AssertionFailure() << "\"" << message << "\" lacks \"" << part << "\"";
  return ::testing::AssertionSuccess() << message;
}

// ---- IDX ---------------------------------------------------------------------------------------

TEST(ReadIdx, RawFilesReadBackExactly) {
  const fs::path d = fresh_directory("raw");
  write_file(d / "images", idx_images(3, 2, 4, kPixels));
  write_file(d / "labels", idx_labels(kLabels));
  const io::ImageSet set = io::read_idx(d / "images", d / "labels");
  EXPECT_EQ(set.count, 3u);
  EXPECT_EQ(set.channels, 1u);
  EXPECT_EQ(set.height, 2u);
  EXPECT_EQ(set.width, 4u);
  EXPECT_EQ(set.image_size(), 8u);
  EXPECT_EQ(set.pixels, kPixels);
  EXPECT_EQ(set.labels, kLabels);
  EXPECT_EQ(set.classes, 6u);
  EXPECT_NE(set.source.find((d / "images").string()), std::string::npos) << set.source;
}

TEST(ReadIdx, GzipIsToldByItsMagicBytesNotItsName) {
  const fs::path d = fresh_directory("gzip");
  write_file(d / "images.idx", idx_images(3, 2, 4, kPixels), /*gzip=*/true);  // gzip without .gz
  write_file(d / "labels.gz", idx_labels(kLabels));                           // raw despite .gz
  ASSERT_EQ(read_file(d / "images.idx").at(0), 0x1f);
  ASSERT_EQ(read_file(d / "images.idx").at(1), 0x8b);
  const io::ImageSet set = io::read_idx(d / "images.idx", d / "labels.gz");
  EXPECT_EQ(set.pixels, kPixels);
  EXPECT_EQ(set.labels, kLabels);
}

TEST(ReadIdx, LimitKeepsTheFirstImagesAndReadsNoFurther) {
  const fs::path d = fresh_directory("limit");
  // The header declares 3 images, the files hold 2: with limit 2 the missing rest is never read.
  const Bytes two_images(kPixels.begin(), kPixels.begin() + 16);
  write_file(d / "images.gz", idx_images(3, 2, 4, two_images), true);
  write_file(d / "labels", idx_labels({2, 0}, 3));
  const io::ImageSet set = io::read_idx(d / "images.gz", d / "labels", 2);
  EXPECT_EQ(set.count, 2u);
  EXPECT_EQ(set.pixels, two_images);
  EXPECT_EQ(set.labels, (Bytes{2, 0}));
  EXPECT_EQ(set.classes, 3u);
  EXPECT_TRUE(fails_with([&] { io::read_idx(d / "images.gz", d / "labels", 3); },
                         {(d / "images.gz").string(), "truncated: expected 24 bytes of pixels, got 16"}));

  write_file(d / "all", idx_images(3, 2, 4, kPixels));
  write_file(d / "all-labels", idx_labels(kLabels));
  EXPECT_EQ(io::read_idx(d / "all", d / "all-labels", 100).count, 3u);  // a limit above the count
}

TEST(ReadIdx, DamagedFilesNameTheFileAndWhatWasExpected) {
  const fs::path d = fresh_directory("damaged");
  const std::string images = d / "images", labels = d / "labels", other = d / "other";
  write_file(labels, idx_labels(kLabels));
  const auto read = [&] { io::read_idx(images, labels); };

  write_file(images, Bytes{0, 0, 8, 3, 0, 0, 0});
  EXPECT_TRUE(fails_with(read, {images, "truncated: expected a 16-byte IDX header, got 7 bytes"}));

  Bytes short_data = idx_images(3, 2, 4, kPixels);
  short_data.resize(short_data.size() - 5);
  write_file(images, short_data);
  EXPECT_TRUE(fails_with(read, {images, "truncated: expected 24 bytes of pixels, got 19"}));
  write_file(images, short_data, true);
  EXPECT_TRUE(fails_with(read, {images, "truncated: expected 24 bytes of pixels, got 19"}));

  // A gzip stream cut short (its end and checksum missing) is truncated too.
  write_file(other, idx_images(3, 2, 4, kPixels), true);
  Bytes cut = read_file(other);
  cut.resize(cut.size() - 12);
  write_file(images, cut);
  EXPECT_TRUE(fails_with(read, {images, "truncated: expected 24 bytes of pixels, got"}));
  // All the data but not the whole trailer (CRC-32, then the length): the data cannot be trusted.
  cut = read_file(other);
  cut.resize(cut.size() - 2);
  write_file(images, cut);
  EXPECT_TRUE(fails_with(read, {images, "truncated: the gzip stream ends before its checksum"}));
  cut = read_file(other);
  cut[cut.size() - 8] ^= 1;  // a wrong CRC-32
  write_file(images, cut);
  EXPECT_TRUE(fails_with(read, {images, "cannot read (damaged gzip data): incorrect data check"}));

  write_file(images, idx_labels(kLabels));  // the labels file given for the images
  EXPECT_TRUE(fails_with(read, {images, "expected IDX magic 0x00000803 (images), got 0x00000801"}));
  write_file(images, idx_images(3, 2, 4, kPixels));
  EXPECT_TRUE(fails_with([&] { io::read_idx(images, images); },
                         {images, "expected IDX magic 0x00000801 (labels), got 0x00000803"}));

  write_file(other, idx_labels({1, 2}));
  EXPECT_TRUE(fails_with([&] { io::read_idx(images, other); }, {other, images, "2 labels", "3 images"}));

  Bytes long_data = idx_images(3, 2, 4, kPixels);
  long_data.push_back(0);
  write_file(images, long_data);
  EXPECT_TRUE(
      fails_with(read, {images, "expected 24 bytes of pixels after the header, the file holds more"}));

  write_file(images, idx_images(0, 2, 4, {}));
  EXPECT_TRUE(fails_with(read, {images, "empty"}));
  write_file(images, idx_images(3, 0, 4, {}));
  EXPECT_TRUE(fails_with(read, {images, "1x1"}));

  // Absurd dimensions are refused from the header alone, before anything is allocated.
  write_file(images, idx_images(0xffffffff, 0xffffffff, 0xffffffff, {}));
  EXPECT_TRUE(fails_with(read, {images, "4294967295 images of 4294967295x4294967295 pixels"}));
  write_file(images, idx_images(1 << 20, 1 << 8, 1 << 7, {}));  // exactly 2^35 bytes
  EXPECT_TRUE(fails_with(read, {images, "1048576 images of 256x128 pixels"}));

  EXPECT_TRUE(fails_with([&] { io::read_idx(d / "absent", labels); },
                         {(d / "absent").string(), "cannot open: No such file or directory"}));
  write_file(images, idx_images(3, 2, 4, kPixels));
  EXPECT_TRUE(fails_with([&] { io::read_idx(images, d / "absent"); },
                         {(d / "absent").string(), "cannot open: No such file or directory"}));
}

// ---- CIFAR-10 ----------------------------------------------------------------------------------

TEST(ReadCifar10, RecordsReadBackAsRgbPlanesInFileOrder) {
  const fs::path d = fresh_directory("cifar");
  write_file(d / "a.bin", cifar_file({{3, 0}, {9, 1}}));
  write_file(d / "b.bin", cifar_file({{0, 2}}));
  const io::ImageSet set = io::read_cifar10({d / "a.bin", d / "b.bin"});
  ASSERT_EQ(set.count, 3u);
  EXPECT_EQ(set.channels, 3u);
  EXPECT_EQ(set.height, 32u);
  EXPECT_EQ(set.width, 32u);
  EXPECT_EQ(set.labels, (Bytes{3, 9, 0}));
  EXPECT_EQ(set.classes, 10u);
  ASSERT_EQ(set.pixels.size(), 3u * 3072);
  for (std::size_t i = 0; i < 3; ++i) {
    const Bytes record = cifar_record(set.labels[i], static_cast<std::uint8_t>(i));
    EXPECT_TRUE(std::equal(record.begin() + 1, record.end(), set.pixels.begin() + i * 3072)) << "image " << i;
  }
  // Channel 0 is red: image 1, channel c, row r, column k holds 31 + 80 c + 32 r + k (mod 256).
  EXPECT_EQ(set.pixels[3072 + 0 * 1024 + 2 * 32 + 5], static_cast<std::uint8_t>(31 + 0 + 69));
  EXPECT_EQ(set.pixels[3072 + 1 * 1024 + 2 * 32 + 5], static_cast<std::uint8_t>(31 + 80 + 69));
  EXPECT_EQ(set.pixels[3072 + 2 * 1024 + 2 * 32 + 5], static_cast<std::uint8_t>(31 + 160 + 69));

  const io::ImageSet first = io::read_cifar10({d / "a.bin", d / "b.bin"}, 2);
  EXPECT_EQ(first.count, 2u);
  EXPECT_EQ(first.labels, (Bytes{3, 9}));
  EXPECT_TRUE(std::equal(first.pixels.begin(), first.pixels.end(), set.pixels.begin()));
}

TEST(ReadCifar10, DamagedFilesNameTheFileAndWhatWasExpected) {
  const fs::path d = fresh_directory("cifar-damaged");
  const std::string good = d / "good.bin", bad = d / "bad.bin";
  write_file(good, cifar_file({{1, 0}}));

  write_file(bad, cifar_file({{1, 0}, {10, 1}}));
  EXPECT_TRUE(fails_with(
      [&] {
        io::read_cifar10({good, bad});
      },
      {bad, "record 1: expected a label 0..9, got 10"}));

  Bytes odd = cifar_file({{1, 0}, {2, 1}});
  odd.resize(odd.size() + 5);
  write_file(bad, odd);
  // Every file is checked first, whatever the limit.
  EXPECT_TRUE(fails_with(
      [&] {
        io::read_cifar10({good, bad}, 1);
      },
      {bad, "whole number of 3073-byte", "6151 bytes (2 records and 5 bytes over)"}));

  write_file(bad, {});
  EXPECT_TRUE(fails_with([&] { io::read_cifar10({bad}); }, {bad, "empty"}));

  EXPECT_TRUE(fails_with(
      [&] {
        io::read_cifar10({good, d / "absent.bin"});
      },
      {(d / "absent.bin").string(), "cannot open: No such file or directory"}));
  EXPECT_TRUE(fails_with([&] { io::read_cifar10({}); }, {"no files"}));
}

// ---- Directories -------------------------------------------------------------------------------

TEST(ReadImageDirectory, FindsTheStandardNames) {
  const fs::path d = fresh_directory("directory");
  write_file(d / "train-images-idx3-ubyte.gz", idx_images(3, 2, 4, kPixels), true);
  write_file(d / "train-labels-idx1-ubyte", idx_labels(kLabels));             // the raw name when no .gz
  write_file(d / "train-labels-idx1-ubyte.gz", idx_labels({1, 1, 1}), true);  // .gz comes first
  write_file(d / "t10k-images-idx3-ubyte", idx_images(1, 2, 4, Bytes(8, 4)));
  write_file(d / "t10k-labels-idx1-ubyte", idx_labels({7}));
  const io::ImageSet training = io::read_image_directory("idx", d, true);
  EXPECT_EQ(training.pixels, kPixels);
  EXPECT_EQ(training.labels, (Bytes{1, 1, 1}));
  const io::ImageSet test = io::read_image_directory("idx", d, false);
  EXPECT_EQ(test.labels, (Bytes{7}));
  EXPECT_EQ(io::read_image_directory("idx", d, true, 1).count, 1u);

  for (int b = 1; b <= 5; ++b)
    write_file(d / ("data_batch_" + std::to_string(b) + ".bin"),
               cifar_file({{std::uint8_t(b), std::uint8_t(b)}}));
  write_file(d / "test_batch.bin", cifar_file({{0, 9}, {8, 9}}));
  EXPECT_EQ(io::read_image_directory("cifar10", d, true).labels, (Bytes{1, 2, 3, 4, 5}));
  EXPECT_EQ(io::read_image_directory("cifar10", d, false).labels, (Bytes{0, 8}));
}

TEST(ReadImageDirectory, AMissingFileNamesTheDirectoryAndTheFile) {
  const fs::path d = fresh_directory("directory-missing");
  write_file(d / "train-images-idx3-ubyte", idx_images(3, 2, 4, kPixels));
  EXPECT_TRUE(fails_with([&] { io::read_image_directory("idx", d, true); },
                         {d.string() + ": missing train-labels-idx1-ubyte.gz (or train-labels-idx1-ubyte)"}));
  EXPECT_TRUE(fails_with([&] { io::read_image_directory("idx", d, false); },
                         {d.string() + ": missing t10k-images-idx3-ubyte.gz"}));
  for (int b : {1, 2, 4, 5})
    write_file(d / ("data_batch_" + std::to_string(b) + ".bin"), cifar_file({{0, 0}}));
  EXPECT_TRUE(fails_with([&] { io::read_image_directory("cifar10", d, true); },
                         {d.string() + ": missing data_batch_3.bin"}));
  EXPECT_TRUE(fails_with([&] { io::read_image_directory("cifar10", d / "nowhere", false); },
                         {(d / "nowhere").string(), "missing test_batch.bin", "no such directory"}));
  EXPECT_TRUE(fails_with([&] { io::read_image_directory("png", d, true); },
                         {d.string(), "\"png\"", "idx or cifar10"}));
}

// ---- Statistics and scaling --------------------------------------------------------------------

// 3 images of 2 channels of 1x2 pixels.
io::ImageSet small_colour_set() {
  io::ImageSet set;
  set.count = 3;
  set.channels = 2;
  set.height = 1;
  set.width = 2;
  set.pixels = {0,   255, 51, 51,  //
                9,   9,   9,  9,   // left out of the statistics below
                255, 255, 51, 51};
  set.labels = {0, 1, 0};
  set.classes = 2;
  return set;
}

TEST(ChannelStatistics, MatchAHandComputation) {
  const io::ImageSet set = small_colour_set();
  const io::ChannelStatistics stats = io::channel_statistics(set, {0, 2});
  // Channel 0: values 0, 1, 1, 1 -> mean 3/4, variance 3/4 - 9/16 = 3/16 (population).
  // Channel 1: 0.2 everywhere -> std 0, replaced by 1.
  ASSERT_EQ(stats.mean.size(), 2u);
  ASSERT_EQ(stats.stddev.size(), 2u);
  EXPECT_DOUBLE_EQ(stats.mean[0], 0.75);
  EXPECT_DOUBLE_EQ(stats.stddev[0], std::sqrt(3.0 / 16.0));
  EXPECT_DOUBLE_EQ(stats.mean[1], 0.2);
  EXPECT_EQ(stats.stddev[1], 1.0);
  // The order of the images does not change a bit.
  const io::ChannelStatistics reversed = io::channel_statistics(set, {2, 0});
  EXPECT_EQ(reversed.mean, stats.mean);
  EXPECT_EQ(reversed.stddev, stats.stddev);
  EXPECT_THROW(io::channel_statistics(set, {}), io::DataError);
  EXPECT_THROW(io::channel_statistics(set, {3}), std::out_of_range);
}

TEST(ImageAsDoubles, ScalesAndStandardisesPerChannel) {
  const io::ImageSet set = small_colour_set();
  std::array<double, 4> out{};
  io::image_as_doubles(set, 0, nullptr, out.data());
  EXPECT_EQ(out, (std::array<double, 4>{0.0, 1.0, 51 / 255.0, 51 / 255.0}));
  const io::ChannelStatistics stats{{0.5, 0.1}, {0.25, 2.0}};
  io::image_as_doubles(set, 2, &stats, out.data());
  EXPECT_DOUBLE_EQ(out[0], 2.0);
  EXPECT_DOUBLE_EQ(out[1], 2.0);
  EXPECT_DOUBLE_EQ(out[2], 0.05);
  EXPECT_DOUBLE_EQ(out[3], 0.05);
  EXPECT_THROW(io::image_as_doubles(set, 3, nullptr, out.data()), std::out_of_range);
}

// ---- Split -------------------------------------------------------------------------------------

TEST(SplitIndices, DeterministicDisjointAndComplete) {
  const io::Split split = io::split_indices(1000, 100, 7);
  ASSERT_EQ(split.validation.size(), 100u);
  ASSERT_EQ(split.training.size(), 900u);
  EXPECT_TRUE(std::is_sorted(split.validation.begin(), split.validation.end()));
  EXPECT_TRUE(std::is_sorted(split.training.begin(), split.training.end()));
  std::set<std::size_t> all(split.validation.begin(), split.validation.end());
  all.insert(split.training.begin(), split.training.end());
  EXPECT_EQ(all.size(), 1000u);  // disjoint and covering [0, 1000)
  EXPECT_EQ(*all.rbegin(), 999u);

  const io::Split again = io::split_indices(1000, 100, 7);
  EXPECT_EQ(again.validation, split.validation);
  EXPECT_EQ(again.training, split.training);
  EXPECT_NE(io::split_indices(1000, 100, 8).validation, split.validation);
  // The validation set of one image fewer is part of this one.
  const io::Split smaller = io::split_indices(1000, 99, 7);
  EXPECT_TRUE(std::includes(split.validation.begin(), split.validation.end(), smaller.validation.begin(),
                            smaller.validation.end()));

  EXPECT_EQ(io::split_indices(5, 0, 1).training, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(io::split_indices(5, 5, 1).validation, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  EXPECT_THROW(io::split_indices(5, 6, 1), std::invalid_argument);
}

TEST(SplitIndices, TheSameOnEveryPlatform) {
  // Pinned: SplitMix64 and the rejection sampling are fully specified, so these never change (the
  // values were computed by an independent Python implementation of the same algorithm).
  EXPECT_EQ(io::split_indices(20, 5, 42).validation, (std::vector<std::size_t>{2, 6, 8, 13, 16}));
  EXPECT_EQ(io::split_indices(60000, 4, 0).validation, (std::vector<std::size_t>{9481, 27535, 48727, 59827}));
}

// ---- Fashion-MNIST -----------------------------------------------------------------------------

TEST(FashionMnist, TheInstalledDataSetReads) {
  const std::string directory = "/usr/share/datasets/fashion-mnist";
  if (!fs::is_directory(directory)) GTEST_SKIP() << directory << " absent (package dataset-fashion-mnist)";
  const auto start = std::chrono::steady_clock::now();
  const io::ImageSet training = io::read_image_directory("idx", directory, true);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("read the 60000 Fashion-MNIST training images in %.2f s\n", seconds);
  EXPECT_EQ(training.count, 60000u);
  EXPECT_EQ(training.channels, 1u);
  EXPECT_EQ(training.height, 28u);
  EXPECT_EQ(training.width, 28u);
  EXPECT_EQ(training.classes, 10u);
  EXPECT_EQ(training.labels.at(0), 9);  // an ankle boot
  std::array<std::size_t, 10> per_class{};
  for (std::uint8_t label : training.labels) ++per_class.at(label);
  for (std::size_t c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 6000u) << "class " << c;

  // The well-known normalisation constants of Fashion-MNIST's training set.
  std::vector<std::size_t> all(training.count);
  std::iota(all.begin(), all.end(), std::size_t{0});
  const io::ChannelStatistics stats = io::channel_statistics(training, all);
  EXPECT_NEAR(stats.mean[0], 0.2860, 1e-4);
  EXPECT_NEAR(stats.stddev[0], 0.3530, 1e-4);

  const io::ImageSet test = io::read_image_directory("idx", directory, false);
  EXPECT_EQ(test.count, 10000u);
  EXPECT_EQ(test.height, 28u);
  EXPECT_EQ(test.width, 28u);
  EXPECT_EQ(test.classes, 10u);
}

}  // namespace
}  // namespace neurode
