// io::save_metadata_journal / restore_metadata_journal: a change to an HDF5 file's structure
// (attributes, groups, a string dataset, an unlinked group: what completing a partial ensemble
// does) leaves the raw data of its large datasets alone, and restoring the journal gives back the
// file as it was, byte for byte, however much of the change had reached the disk, and whether the
// change made the file longer or shorter.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"
#include "io/metadata_journal.hpp"

namespace neurode {
namespace {

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void put_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class MetadataJournal : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("neurode-journal-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
    file_ = (directory_ / "partial.h5").string();
    journal_ = file_ + ".journal";
    io::Hdf5File f(file_, io::Hdf5File::Mode::create);
    std::vector<double> big(20000), small{1, 2, 3};
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = 0.5 * static_cast<double>(i);
    f.write("/trajectory/V", {100, 200}, big.data());
    f.write("/trajectory/t", small);
    f.set_attribute("/trajectory/V", "units", "mV");
    f.write("/progress/done", small);
    f.close();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  // What completing the file does: attributes, a string dataset, groups, an unlinked group.
  void change_structure() {
    io::Hdf5File f(file_, io::Hdf5File::Mode::update);
    f.remove("/progress");
    f.create_group("/solver");
    for (int k = 0; k < 40; ++k) {  // (appended, not "a" + to_string: GCC 12's false -Wrestrict)
      const std::string index = std::to_string(k);
      f.set_attribute("/solver", std::string("a").append(index), std::string("value ").append(index));
    }
    f.set_attribute("/solver", "steps", 1234.0);
    f.write_string("/config/text", std::string(5000, 'x'));
    f.close();
  }

  std::filesystem::path directory_;
  std::string file_, journal_;
};

TEST_F(MetadataJournal, TheChangeLeavesTheRawDataAloneAndRestoringUndoesIt) {
  const auto before = bytes_of(file_);
  io::save_metadata_journal(file_, {"/trajectory/V"}, journal_);
  change_structure();
  const auto after = bytes_of(file_);
  ASSERT_GT(after.size(), before.size());
  ASSERT_NE(after, before);
  {  // the storage of /trajectory/V is where it was, with the same bytes
    io::Hdf5File f(file_, io::Hdf5File::Mode::read);
    EXPECT_EQ(f.read("/trajectory/V").values[19999], 0.5 * 19999);
    EXPECT_FALSE(f.has("/progress"));
  }
  io::restore_metadata_journal(file_, journal_);
  EXPECT_EQ(bytes_of(file_), before);
  io::Hdf5File f(file_, io::Hdf5File::Mode::read);
  EXPECT_TRUE(f.has("/progress/done"));
}

TEST_F(MetadataJournal, RestoresAFileTornAnywhereOutsideTheRawData) {
  const auto before = bytes_of(file_);
  io::save_metadata_journal(file_, {"/trajectory/V"}, journal_);
  change_structure();
  const auto after = bytes_of(file_);
  // A kill part-way through the change: any mix of old and new bytes, cut anywhere after the old end.
  std::mt19937 random(5);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<char> torn = after;
    torn.resize(before.size() + random() % (after.size() - before.size() + 1));
    for (std::size_t i = 0; i < before.size(); ++i)
      if (random() % 2) torn[i] = before[i];
    put_bytes(file_, torn);
    io::restore_metadata_journal(file_, journal_);
    ASSERT_EQ(bytes_of(file_), before) << "trial " << trial;
  }
}

TEST_F(MetadataJournal, RestoresAFileTheChangeShortened) {
  // Unlinking what lies at the end frees it, and HDF5 cuts the file there when it closes.
  const auto before = bytes_of(file_);
  io::save_metadata_journal(file_, {"/trajectory/V"}, journal_);
  {
    io::Hdf5File f(file_, io::Hdf5File::Mode::update);
    f.remove("/progress");
    f.close();
  }
  EXPECT_LT(bytes_of(file_).size(), before.size());
  io::restore_metadata_journal(file_, journal_);
  EXPECT_EQ(bytes_of(file_), before);
}

TEST_F(MetadataJournal, IsAtomicAndRefusesWhatIsNotAJournalOfTheFile) {
  io::save_metadata_journal(file_, {"/trajectory/V"}, journal_);
  // Written under a temporary name, then renamed: nothing else is left in the directory.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory_)) ++entries;
  EXPECT_EQ(entries, 2u);
  // A shorter file is not the one the journal was saved from.
  const auto bytes = bytes_of(file_);
  put_bytes(file_, std::vector<char>(bytes.begin(), bytes.begin() + 100));
  EXPECT_THROW(io::restore_metadata_journal(file_, journal_), io::Hdf5Error);
  put_bytes(journal_, {'n', 'o', 't'});
  EXPECT_THROW(io::restore_metadata_journal(file_, journal_), io::Hdf5Error);
  EXPECT_THROW(io::save_metadata_journal(file_ + ".none", {}, journal_), io::Hdf5Error);
}

}  // namespace
}  // namespace neurode
