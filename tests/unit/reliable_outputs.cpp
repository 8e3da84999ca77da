// The output side of docs/reliability.md: outputs appear complete or not at all, a write that
// cannot be done is an OutputError naming the user's file, no result holds a non-finite value,
// abandoned temporary files are cleaned up, a checkpoint that cannot be resumed says why, and a
// signal stops a solve after its current step.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>

#include "io/hdf5_file.hpp"
#include "models/column/column_network.hpp"
#include "models/column/network_file.hpp"
#include "mpi/interruption.hpp"
#include "setup/training_output.hpp"
#include "solvers/integrator.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> directory_entries(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(directory)) names.push_back(e.path().filename().string());
  return names;
}

fs::path fresh_directory(const std::string& name) {
  const fs::path d = testing::temporary_path(name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(AtomicOutput, NothingAtTheFinalNameUntilCommit) {
  const fs::path d = fresh_directory("atomic_commit");
  const std::string out = (d / "result.h5").string();
  {
    io::AtomicOutput output(out);
    output.file().write("/x", std::vector<double>{1, 2, 3});
    EXPECT_FALSE(fs::exists(out));
    EXPECT_TRUE(directory_entries(d).empty()) << "built in memory: nothing on disk before commit";
    output.commit();
  }
  EXPECT_EQ(directory_entries(d), std::vector<std::string>{"result.h5"});
  const io::Hdf5File f(out, io::Hdf5File::Mode::read);
  EXPECT_EQ(f.read("/x").values, (std::vector<double>{1, 2, 3}));
}

TEST(AtomicOutput, AbandonedOutputLeavesNoFile) {
  const fs::path d = fresh_directory("atomic_abandon");
  {
    io::AtomicOutput output((d / "result.h5").string());
    output.file().write("/x", std::vector<double>{1});
  }
  EXPECT_TRUE(directory_entries(d).empty());
}

TEST(AtomicOutput, MissingDirectoryIsAnOutputErrorNamingTheFile) {
  const std::string out = (fresh_directory("atomic_missing") / "no" / "such" / "result.h5").string();
  try {
    io::AtomicOutput output(out);
    FAIL() << "created an output in a missing directory";
  } catch (const io::OutputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(out + ": ", 0), 0u) << message;
    EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
    EXPECT_EQ(message.find(".tmp"), std::string::npos) << "names the user's file: " << message;
  }
}

TEST(AtomicOutput, RemovesTemporariesOfDeadProcessesOnly) {
  const fs::path d = fresh_directory("atomic_stale");
  // A PID above the kernel's pid_max runs nowhere; our own PID runs.
  std::ofstream(d / "result.h5.tmp99999999") << "left by a killed run";
  std::ofstream(d / ("result.h5.tmp" + std::to_string(::getpid()))) << "ours";
  std::ofstream(d / "other.h5.tmp99999999") << "another output's";
  io::AtomicOutput output((d / "result.h5").string());
  EXPECT_FALSE(fs::exists(d / "result.h5.tmp99999999"));
  EXPECT_TRUE(fs::exists(d / "other.h5.tmp99999999"));
}

TEST(Hdf5Output, RefusesNonFiniteValuesUnlessNanIsDocumented) {
  const fs::path d = fresh_directory("nonfinite");
  io::AtomicOutput output((d / "result.h5").string());
  auto& f = output.file();
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(f.write("/a", std::vector<double>{1, nan}), io::NonFiniteResult);
  EXPECT_THROW(f.write("/b", std::vector<double>{inf}), io::NonFiniteResult);
  EXPECT_THROW(f.write_scalar("/c", -inf), io::NonFiniteResult);
  EXPECT_THROW(f.set_attribute("/", "d", nan), io::NonFiniteResult);
  const double with_nan[2] = {1, nan};
  EXPECT_NO_THROW(f.write("/history", {2}, with_nan, io::FiniteCheck::nan_allowed));
  const double with_inf[2] = {1, inf};
  EXPECT_THROW(f.write("/history2", {2}, with_inf, io::FiniteCheck::nan_allowed), io::NonFiniteResult);
}

// A checkpoint of a tiny training: 2 parameters, an optimiser state of 3, 1 metric.
train::TrainingState small_state(int epochs) {
  train::TrainingState s;
  s.parameters = {0.5, -1.0};
  s.optimizer_state = {1, 2, 3};
  for (int e = 1; e <= epochs; ++e) {
    train::EpochRecord r;
    r.epoch = e;
    r.loss = 1.0 / e;
    r.evaluated = e % 2 == 0;
    r.evaluation_loss = r.evaluated ? 0.5 / e : 0.0;
    if (r.evaluated) r.metrics = {0.25 * e};
    r.forward_rhs_evaluations = 100.0 * e;
    r.backward_rhs_evaluations = 10.0 * e;
    r.backward_products = 50.0 * e;
    s.history.push_back(r);
  }
  s.epoch = epochs;
  s.snapshot_epochs = {epochs};
  s.snapshots = s.parameters;
  return s;
}

setup::CheckpointExpectation small_expectation() { return {"config text", 2, 3, 1, 10}; }

TEST(Checkpoint, RoundTripsIncludingEpochsWithoutEvaluation) {
  const std::string path = (fresh_directory("checkpoint_ok") / "c.h5").string();
  setup::write_checkpoint(path, "config text", small_state(3), 1);
  const auto back = setup::read_checkpoint(path, small_expectation());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->epoch, 3);
  EXPECT_EQ(back->parameters, (std::vector<double>{0.5, -1.0}));
  ASSERT_EQ(back->history.size(), 3u);
  EXPECT_FALSE(back->history[0].evaluated);
  EXPECT_EQ(back->history[1].metrics, std::vector<double>{0.5});
  EXPECT_EQ(back->history[2].forward_rhs_evaluations, 300.0);
  EXPECT_EQ(back->history[2].backward_rhs_evaluations, 30.0);
  EXPECT_EQ(back->history[2].backward_products, 150.0);
  EXPECT_FALSE(setup::read_checkpoint(path + ".absent", small_expectation()));
}

void expect_unusable(const std::string& path, const setup::CheckpointExpectation& expected,
                     const std::string& reason, bool other_config = false) {
  try {
    (void)setup::read_checkpoint(path, expected);
    FAIL() << "resumed an unusable checkpoint; expected: " << reason;
  } catch (const setup::UnusableCheckpoint& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    EXPECT_EQ(e.other_config(), other_config);
  }
}

TEST(Checkpoint, UnusableOnesSayWhy) {
  const fs::path d = fresh_directory("checkpoint_bad");
  const std::string good = (d / "good.h5").string();
  setup::write_checkpoint(good, "config text", small_state(3), 1);
  auto expected = small_expectation();
  expected.config_text = "another config";
  expect_unusable(good, expected, "different config", true);
  expected = small_expectation();
  expected.parameters = 5;
  expect_unusable(good, expected, "'/parameters' has 2 values, this training needs 5");

  // The config's comments and layout may change between the runs; its values may not.
  const std::string yaml = (d / "yaml.h5").string();
  setup::write_checkpoint(yaml, "seed: 1\ntraining: {epochs: 4}\n", small_state(3), 1);
  expected = small_expectation();
  expected.config_text = "# edited\nseed: 1  # same seed\ntraining:\n  epochs: 4\n";
  EXPECT_TRUE(setup::read_checkpoint(yaml, expected));
  expected.config_text = "seed: 2\ntraining: {epochs: 4}\n";
  expect_unusable(yaml, expected, "different config", true);
  expected = small_expectation();
  expected.epochs = 2;
  expect_unusable(good, expected, "epoch (3) is not a whole number in [0, 2]");

  const std::string garbage = (d / "garbage.h5").string();
  std::ofstream(garbage) << "not an HDF5 file";
  expect_unusable(garbage, small_expectation(), "cannot open as HDF5");

  const std::string truncated = (d / "truncated.h5").string();
  fs::copy_file(good, truncated);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  EXPECT_THROW((void)setup::read_checkpoint(truncated, small_expectation()), setup::UnusableCheckpoint);

  const std::string nan_parameters = (d / "nan.h5").string();
  auto state = small_state(3);
  state.parameters[1] = std::numeric_limits<double>::quiet_NaN();
  state.snapshots[0] = 0;
  // Written past the writer's check, as a damaged or hand-made file would be.
  const auto write_raw = [&](const std::string& path, double epoch) {
    io::AtomicOutput out(path);
    auto& f = out.file();
    f.write_string("/config_text", "config text");
    f.write_scalar("/epoch", epoch);
    f.write("/parameters", {2}, state.parameters.data(), io::FiniteCheck::nan_allowed);
    out.commit();
  };
  write_raw(nan_parameters, 1);
  expect_unusable(nan_parameters, small_expectation(), "'/parameters' holds a non-finite value");
  const std::string far_epoch = (d / "far.h5").string();
  write_raw(far_epoch, 1e12);
  expect_unusable(far_epoch, small_expectation(), "epoch (1e+12)");
}

TEST(Interruption, StopsASolveAfterItsCurrentStep) {
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  models::ColumnNetwork model(net.weights, net.constants, {net.drive});
  solvers::SolverSettings s;
  s.method = "rk4";
  s.adaptive = false;
  s.dt = 1e-4;
  solvers::Integrator integrator(model, s);
  mpi::request_interruption_for_testing(SIGTERM);
  const auto solution = integrator.solve(0.0, net.initial_state, net.times);
  mpi::request_interruption_for_testing(0);
  EXPECT_EQ(solution.status, solvers::SolveStatus::interrupted);
  EXPECT_EQ(solution.statistics.steps, 1);
  EXPECT_NE(solution.message.find("interrupted by SIGTERM"), std::string::npos) << solution.message;
  EXPECT_FALSE(mpi::interrupted_anywhere(MPI_COMM_WORLD));
  const auto again = integrator.solve(0.0, net.initial_state, net.times);
  EXPECT_TRUE(again.ok()) << "the flag, once lowered, stops nothing";
}

// A checkpoint written before the history held evaluation counts (7 fixed columns) resumes, its
// counts read as zero; one with neither width is refused.
TEST(Checkpoint, OneWithoutEvaluationCountsResumes) {
  const fs::path d = fresh_directory("checkpoint_old");
  const auto write = [&](const std::string& name, std::size_t columns) {
    const std::string path = (d / name).string();
    io::AtomicOutput out(path);
    auto& f = out.file();
    f.write_string("/config_text", "config text");
    f.write_scalar("/epoch", 2);
    f.write("/parameters", std::vector<double>{0.5, -1.0});
    f.write("/optimizer_state", std::vector<double>{1, 2, 3});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> history = {1, 1.0, 0.1, 0.01, 2.0, 0, nan, nan, 2, 0.5, 0.1, 0.01, 2.0, 1, 0.25, 0.5};
    if (columns != 7) history.resize(2 * (columns + 1), 0.0);
    f.write("/history", {2, columns + 1}, history.data(), io::FiniteCheck::nan_allowed);
    f.write("/snapshot_epochs", std::vector<double>{2});
    f.write("/snapshots", std::vector<double>{0.5, -1.0});
    out.commit();
    return path;
  };
  auto expected = small_expectation();
  expected.epochs = 10;
  const auto back = setup::read_checkpoint(write("old.h5", 7), expected);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->history.size(), 2u);
  EXPECT_EQ(back->history[1].metrics, std::vector<double>{0.5});
  EXPECT_EQ(back->history[1].forward_rhs_evaluations, 0.0);
  expect_unusable(write("odd.h5", 8), expected, "does not hold 2 epochs of 11 columns");
}

}  // namespace
}  // namespace neurode
