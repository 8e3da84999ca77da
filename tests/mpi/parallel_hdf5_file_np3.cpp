// io::ParallelHdf5File on 3 ranks: a file made collectively (groups, a chunked and a contiguous
// dataset, attributes), each rank then writing its own rows independently and in its own order;
// what rank 0 reads back afterwards; no modification times; and writes of raw data that leave the
// file's structure (every byte outside the datasets' storage) exactly as it was made, which is why
// a killed writer leaves a readable file.
//
// Every rank takes every collective step whatever its expectations found (EXPECT, never ASSERT,
// before a collective), so that a failed check cannot leave the other ranks waiting.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <mpi.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"
#include "io/metadata_journal.hpp"
#include "io/parallel_hdf5_file.hpp"
#include "mpi/world.hpp"

namespace neurode {
namespace {

using io::ParallelHdf5File;
constexpr std::size_t kRuns = 7, kTimes = 4, kWidth = 3;  // rows of (times x width), chunks of 2 rows

double value(std::size_t run, std::size_t k, std::size_t i) {
  return 1000.0 * static_cast<double>(run) + 10.0 * static_cast<double>(k) + static_cast<double>(i) + 0.25;
}

// One name for all ranks: rank 0's PID, broadcast.
std::string shared_path(const std::string& stem) {
  int pid = static_cast<int>(::getpid());
  MPI_Bcast(&pid, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return (std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(pid) + ".h5")).string();
}

void make(const std::string& path) {
  ParallelHdf5File f(path, ParallelHdf5File::Mode::create, MPI_COMM_WORLD);
  f.create_group("/trajectory");
  f.create_group("/a/b");
  f.create_dataset("/trajectory/V", ParallelHdf5File::Element::float64, {kRuns, kTimes, kWidth},
                   {2, kTimes, kWidth});
  f.create_dataset("/trajectory/done", ParallelHdf5File::Element::uint8, {kRuns});
  f.set_attribute("/trajectory/V", "units", "mV");
  f.set_attribute("/a/b", "count", 3.5);
  f.close();
}

// Each rank writes the runs r with r % 3 == rank, last first, then flags them.
void write_own_rows(const std::string& path) {
  ParallelHdf5File f(path, ParallelHdf5File::Mode::update, MPI_COMM_WORLD);
  f.open_dataset("/trajectory/V");
  f.open_dataset("/trajectory/done");
  for (std::size_t run = kRuns; run-- > 0;) {
    if (run % 3 != static_cast<std::size_t>(mpi::rank())) continue;
    std::vector<double> rows;
    for (std::size_t k = 0; k < kTimes; ++k)
      for (std::size_t i = 0; i < kWidth; ++i) rows.push_back(value(run, k, i));
    f.write("/trajectory/V", {run, 0, 0}, {1, kTimes, kWidth}, rows.data());
    const unsigned char flag = 1;
    f.write("/trajectory/done", {run}, {1}, &flag);
  }
  f.close();
}

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ParallelHdf5File, RanksWriteTheirOwnRowsIntoOneFile) {
  EXPECT_EQ(mpi::size(), 3);
  const std::string path = shared_path("neurode-parallel");
  make(path);
  write_own_rows(path);
  if (mpi::is_root()) {
    io::Hdf5File f(path, io::Hdf5File::Mode::read);
    const io::Array V = f.read("/trajectory/V");
    EXPECT_EQ(V.shape, (std::vector<std::size_t>{kRuns, kTimes, kWidth}));
    for (std::size_t run = 0; run < kRuns; ++run)
      for (std::size_t k = 0; k < kTimes; ++k)
        for (std::size_t i = 0; i < kWidth; ++i)
          EXPECT_EQ(V.values[(run * kTimes + k) * kWidth + i], value(run, k, i));
    EXPECT_EQ(f.read("/trajectory/done").values, std::vector<double>(kRuns, 1.0));
    EXPECT_EQ(f.read_string_attribute("/trajectory/V", "units"), "mV");
    EXPECT_EQ(f.read_attribute("/a/b", "count"), 3.5);
    // No modification times, on datasets and groups alike.
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    for (const char* object : {"/trajectory/V", "/trajectory", "/a/b"}) {
      H5O_info_t info;
      EXPECT_GE(H5Oget_info_by_name2(file, object, &info, H5O_INFO_TIME, H5P_DEFAULT), 0);
      EXPECT_EQ(info.ctime, 0) << object;
      EXPECT_EQ(info.mtime, 0) << object;
    }
    H5Fclose(file);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (mpi::is_root()) std::filesystem::remove(path);
}

TEST(ParallelHdf5File, WritingRowsChangesNoByteOutsideTheirStorage) {
  const std::string path = shared_path("neurode-parallel-structure");
  make(path);
  // The bytes outside the datasets' storage, as made and after every rank has written its rows.
  if (mpi::is_root()) io::save_metadata_journal(path, {"/trajectory/V", "/trajectory/done"}, path + ".made");
  MPI_Barrier(MPI_COMM_WORLD);
  write_own_rows(path);
  if (mpi::is_root()) {
    io::save_metadata_journal(path, {"/trajectory/V", "/trajectory/done"}, path + ".written");
    const auto made = bytes_of(path + ".made"), written = bytes_of(path + ".written");
    EXPECT_FALSE(made.empty());
    EXPECT_TRUE(made == written) << "the structure changed while rows were written";
    std::filesystem::remove(path + ".made");
    std::filesystem::remove(path + ".written");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (mpi::is_root()) std::filesystem::remove(path);
}

TEST(ParallelHdf5File, FailsOnEveryRankWhereNoFileCanBeMade) {
  EXPECT_THROW(
      ParallelHdf5File("/nonexistent-directory/x.h5", ParallelHdf5File::Mode::create, MPI_COMM_WORLD),
      io::OutputError);
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
}  // namespace neurode
