#pragma once
/// Training results and checkpoints in HDF5 (layout in docs/output-format.md). Both are written
/// atomically by rank 0; a checkpoint holds everything needed to continue bit for bit.
#include <optional>
#include <string>

#include "io/hdf5_file.hpp"
#include "train/task.hpp"
#include "train/trainer.hpp"

namespace neurode::io {

/// History, weights (initial, final, snapshots), the held-out evaluation with its trajectories.
void write_training(Hdf5File& file, const train::Task& task, const train::TrainingState& state,
                    const std::vector<double>& initial_parameters, const train::Evaluation& evaluation);

void write_checkpoint(const std::string& path, const std::string& config_text,
                      const train::TrainingState& state);
/// The state in `path` if it exists and was written for the same config text; nullopt otherwise.
std::optional<train::TrainingState> read_checkpoint(const std::string& path, const std::string& config_text,
                                                    std::size_t metrics);

}  // namespace neurode::io
