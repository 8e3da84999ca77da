#pragma once
/// Training results and checkpoints in HDF5 (layout in docs/output-format.md). Both are written
/// atomically by rank 0; a checkpoint holds everything needed to continue bit for bit.
#include <optional>
#include <string>

#include "io/hdf5_file.hpp"
#include "train/task.hpp"
#include "train/trainer.hpp"

namespace neurode::setup {

/// History, weights (initial, final, snapshots), the held-out evaluation with its trajectories.
void write_training(io::Hdf5File& file, const train::Task& task, const train::TrainingState& state,
                    const std::vector<double>& initial_parameters, const train::Evaluation& evaluation);

/// The test evaluation (tasks with a test split): /test/loss, /test/<metric> (means) and
/// /test/per_sample/<metric>.
void write_test(io::Hdf5File& file, const train::Task& task, const train::Evaluation& test);

/// `metrics`: the task's metric count (the history's columns after the fixed ones).
void write_checkpoint(const std::string& path, const std::string& config_text,
                      const train::TrainingState& state, std::size_t metrics);

/// What a checkpoint of this training must hold to be resumed.
struct CheckpointExpectation {
  std::string config_text;  ///< the config it was written for, exactly
  std::size_t parameters = 0;
  std::size_t optimizer_state = 0;
  std::size_t metrics = 0;
  int epochs = 0;  ///< the config's epochs: a checkpoint cannot be beyond them
};

/// A checkpoint that exists but cannot be resumed: unreadable, of another config, or holding
/// values that do not fit this training (sizes, an epoch out of range, non-finite numbers).
class UnusableCheckpoint : public std::runtime_error {
 public:
  UnusableCheckpoint(const std::string& reason, bool other_config)
      : std::runtime_error(reason), other_config_(other_config) {}
  bool other_config() const { return other_config_; }  ///< readable, but written for another config

 private:
  bool other_config_;
};

/// The state in `path`, checked against `expected`; nullopt when there is no file. Throws
/// UnusableCheckpoint (never Hdf5Error) for a file that is there but cannot be resumed.
std::optional<train::TrainingState> read_checkpoint(const std::string& path,
                                                    const CheckpointExpectation& expected);

}  // namespace neurode::setup
