// setup::EnsembleOutput on 2 ranks, with made-up block solutions (5 runs in blocks of 2, each rank
// writing the blocks mpi::BlockParallel deals it): the completed file; a partial file kept after
// some blocks and resumed with only the others; one of another config set aside; and a completion
// cut short (the structure half changed) restored from its journal and completed again. Every way
// ends with the same file content.
//
// Every rank takes every collective step whatever its expectations found (EXPECT, never ASSERT,
// before a collective), so that a failed check cannot leave the other ranks waiting.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"
#include "io/metadata_journal.hpp"
#include "mpi/block_parallel.hpp"
#include "mpi/world.hpp"
#include "setup/ensemble_output.hpp"

namespace neurode {
namespace {

setup::EnsembleShape shape(const std::string& config_text = "config: 1") {
  setup::EnsembleShape s;
  s.layout.components = {{"x", {3}, "mV", "population", "i"}, {"y", {2}, "", "channel", "j"}};
  s.variables = {"y", "x"};
  s.times = {0.0, 0.5, 1.0};
  s.runs = 5;
  s.realisations = 5;
  s.block_size = 2;
  s.config_text = config_text;
  s.method = "rk/4, fixed step 0.1 s";
  return s;
}

// Block b's solution: run r, output k, state i holds 100 r + 10 k + i; block b took b + 1 steps.
solvers::Solution block_solution(const setup::EnsembleShape& s, std::size_t b) {
  const auto [first, end] = s.runs_of(b);
  const std::size_t width = s.layout.trial_size();
  solvers::Solution out;
  out.times = s.times;
  out.state_size = (end - first) * width;
  out.valid_rows = s.times.size();
  for (std::size_t k = 0; k < s.times.size(); ++k)
    for (std::size_t r = first; r < end; ++r)
      for (std::size_t i = 0; i < width; ++i) out.states.push_back(100.0 * r + 10.0 * k + i);
  out.statistics.steps = static_cast<long>(b) + 1;
  out.statistics.rhs_evaluations = 4 * (static_cast<long>(b) + 1);
  return out;
}

// Writes this rank's blocks that `wanted` selects and are not done yet.
void write_blocks(setup::EnsembleOutput& out, const std::function<bool(std::size_t)>& wanted) {
  const mpi::BlockParallel blocks(out.shape().runs, out.shape().block_size, MPI_COMM_WORLD);
  for (std::size_t b = blocks.first_block(); b < blocks.end_block(); ++b)
    if (wanted(b) && !out.block_done(b)) out.write_block(b, block_solution(out.shape(), b));
}

// One name for all ranks: rank 0's PID, broadcast.
std::string shared_directory(const std::string& stem) {
  int pid = static_cast<int>(::getpid());
  MPI_Bcast(&pid, 1, MPI_INT, 0, MPI_COMM_WORLD);
  const auto directory = std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(pid));
  if (mpi::is_root()) std::filesystem::create_directories(directory);
  MPI_Barrier(MPI_COMM_WORLD);
  return directory.string();
}

// The completed file as rank 0 reads it (checked against what was written).
void expect_complete(const std::string& output) {
  if (!mpi::is_root()) return;
  EXPECT_TRUE(std::filesystem::exists(output));
  EXPECT_FALSE(std::filesystem::exists(output + ".partial"));
  EXPECT_FALSE(std::filesystem::exists(output + ".partial.journal"));
  io::Hdf5File f(output, io::Hdf5File::Mode::read);
  EXPECT_FALSE(f.has("/progress"));
  const io::Array x = f.read("/trajectory/x"), y = f.read("/trajectory/y");
  EXPECT_EQ(x.shape, (std::vector<std::size_t>{5, 3, 3}));
  EXPECT_EQ(y.shape, (std::vector<std::size_t>{5, 3, 2}));
  for (std::size_t r = 0; r < 5; ++r)
    for (std::size_t k = 0; k < 3; ++k) {
      for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(x.values[(r * 3 + k) * 3 + i], 100.0 * r + 10.0 * k + i);
      for (std::size_t j = 0; j < 2; ++j)
        EXPECT_EQ(y.values[(r * 3 + k) * 2 + j], 100.0 * r + 10.0 * k + 3 + j);
    }
  EXPECT_EQ(f.read("/trajectory/t").values, (std::vector<double>{0.0, 0.5, 1.0}));
  EXPECT_EQ(f.read("/trajectory/realisation").values, (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(f.read("/trajectory/trial").values, (std::vector<double>{0, 0, 0, 0, 0}));
  EXPECT_EQ(f.read_string_attribute("/trajectory/x", "units"), "mV");
  EXPECT_FALSE(f.has_attribute("/trajectory/y", "units"));
  EXPECT_EQ(f.read_string_attribute("/trajectory/y", "layout"), "trial x time x channel");
  EXPECT_EQ(f.read_string_attribute("/trajectory/x", "index"), "population = i");
  EXPECT_EQ(f.read_attribute("/solver", "steps"), 1.0 + 2.0 + 3.0);
  EXPECT_EQ(f.read_attribute("/solver", "rhs_evaluations"), 4.0 * 6.0);
  EXPECT_EQ(f.read_string_attribute("/solver", "method"), "rk/4, fixed step 0.1 s");
  EXPECT_EQ(f.read_text("/config/text"), "config: 1");
  EXPECT_EQ(f.read_attribute("/provenance", "mpi_ranks"), 2.0);
  EXPECT_EQ(f.read_string_attribute("/provenance", "command_line"), "the test");
}

TEST(EnsembleOutput, EveryRankWritesItsBlocksIntoTheCompletedFile) {
  const std::string directory = shared_directory("neurode-ensemble-complete");
  const std::string output = directory + "/out.h5";
  {
    setup::EnsembleOutput out(output, shape(), MPI_COMM_WORLD);
    EXPECT_EQ(out.blocks_done_at_start(), 0u);
    EXPECT_EQ(out.notice(), "");
    write_blocks(out, [](std::size_t) { return true; });
    const auto statistics = out.commit("the test");
    EXPECT_EQ(statistics.steps, 6);  // on every rank
  }
  expect_complete(output);
  MPI_Barrier(MPI_COMM_WORLD);
  if (mpi::is_root()) std::filesystem::remove_all(directory);
}

TEST(EnsembleOutput, AKeptPartialFileResumesWithTheBlocksNotDone) {
  const std::string directory = shared_directory("neurode-ensemble-resume");
  const std::string output = directory + "/out.h5";
  {
    setup::EnsembleOutput out(output, shape(), MPI_COMM_WORLD);
    write_blocks(out, [](std::size_t b) { return b != 1; });  // blocks 0 and 2: one per rank
    out.keep();
  }
  if (mpi::is_root()) {
    EXPECT_TRUE(std::filesystem::exists(output + ".partial"));
    EXPECT_FALSE(std::filesystem::exists(output));
    io::Hdf5File f(output + ".partial", io::Hdf5File::Mode::read);
    EXPECT_EQ(f.read("/progress/done").values, (std::vector<double>{1, 1, 0, 0, 1}));
  }
  {
    setup::EnsembleOutput out(output, shape(), MPI_COMM_WORLD);
    EXPECT_TRUE(out.block_done(0) && !out.block_done(1) && out.block_done(2));
    if (mpi::is_root()) {
      EXPECT_EQ(out.notice(), "resuming " + output + ".partial: 2 of 3 blocks done");
    }
    write_blocks(out, [](std::size_t) { return true; });
    out.commit("the test");
  }
  expect_complete(output);
  MPI_Barrier(MPI_COMM_WORLD);
  if (mpi::is_root()) std::filesystem::remove_all(directory);
}

TEST(EnsembleOutput, APartialFileOfAnotherConfigIsSetAside) {
  const std::string directory = shared_directory("neurode-ensemble-other");
  const std::string output = directory + "/out.h5";
  {
    setup::EnsembleOutput out(output, shape("config: 2"), MPI_COMM_WORLD);
    write_blocks(out, [](std::size_t b) { return b == 0; });
    out.keep();
  }
  {
    setup::EnsembleOutput out(output, shape(), MPI_COMM_WORLD);
    EXPECT_EQ(out.blocks_done_at_start(), 0u);
    if (mpi::is_root()) {
      EXPECT_NE(out.notice().find("set aside as " + output + ".partial.other-config"), std::string::npos);
    }
    write_blocks(out, [](std::size_t) { return true; });
    out.commit("the test");
  }
  expect_complete(output);
  if (mpi::is_root()) {
    EXPECT_TRUE(std::filesystem::exists(output + ".partial.other-config"));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (mpi::is_root()) std::filesystem::remove_all(directory);
}

TEST(EnsembleOutput, ACompletionCutShortIsUndoneAndDoneAgain) {
  const std::string directory = shared_directory("neurode-ensemble-journal");
  const std::string output = directory + "/out.h5";
  const std::string partial = output + ".partial";
  {
    setup::EnsembleOutput out(output, shape(), MPI_COMM_WORLD);
    write_blocks(out, [](std::size_t) { return true; });
    out.keep();
  }
  // What a process killed in the middle of commit() leaves: the journal, and the structure half
  // changed (here /progress already unlinked, attributes added, and the first bytes scribbled on).
  if (mpi::is_root()) {
    io::save_metadata_journal(partial, {"/trajectory/x", "/trajectory/y"}, partial + ".journal");
    {
      io::Hdf5File f(partial, io::Hdf5File::Mode::update);
      f.remove("/progress");
      f.set_attribute("/solver", "steps", 99.0);
      f.close();
    }
    std::FILE* file = std::fopen(partial.c_str(), "r+b");
    std::fputs("scribbled", file);
    std::fclose(file);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  {
    setup::EnsembleOutput out(output, shape(), MPI_COMM_WORLD);
    EXPECT_EQ(out.blocks_done_at_start(), 3u) << out.notice();
    out.commit("the test");
  }
  expect_complete(output);
  MPI_Barrier(MPI_COMM_WORLD);
  if (mpi::is_root()) std::filesystem::remove_all(directory);
}

TEST(EnsembleOutput, AMissingDirectoryFailsOnEveryRank) {
  EXPECT_THROW(setup::EnsembleOutput("/nonexistent-directory/out.h5", shape(), MPI_COMM_WORLD),
               io::OutputError);
}

}  // namespace
}  // namespace neurode
