#include "setup/training_output.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "io/config_identity.hpp"

namespace neurode::setup {

using io::Array;
using io::AtomicOutput;
using io::FiniteCheck;
using io::Hdf5Error;
using io::Hdf5File;

namespace {

// The per-epoch history as columns: epoch, loss, gradient norm, learning rate, seconds, evaluated,
// evaluation loss, forward and backward vector-field evaluations, backward vector-Jacobian
// products, then the metrics (NaN where not evaluated). Checkpoints written before the counts (7
// fixed columns) still resume.
constexpr std::size_t kFixedColumns = 10;
constexpr std::size_t kFixedColumnsWithoutCounts = 7;

std::vector<double> history_table(const train::TrainingState& state, std::size_t metrics) {
  std::vector<double> table;
  for (const auto& r : state.history) {
    constexpr double none = std::numeric_limits<double>::quiet_NaN();
    const double fixed[kFixedColumns] = {static_cast<double>(r.epoch),
                                         r.loss,
                                         r.gradient_norm,
                                         r.learning_rate,
                                         r.seconds,
                                         r.evaluated ? 1.0 : 0.0,
                                         r.evaluated ? r.evaluation_loss : none,
                                         r.forward_rhs_evaluations,
                                         r.backward_rhs_evaluations,
                                         r.backward_products};
    table.insert(table.end(), fixed, fixed + kFixedColumns);
    for (std::size_t m = 0; m < metrics; ++m) table.push_back(r.evaluated ? r.metrics[m] : none);
  }
  return table;
}

}  // namespace

void write_test(Hdf5File& file, const train::Task& task, const train::Evaluation& test) {
  const auto names = task.metric_names();
  const std::size_t M = names.size();
  const std::size_t S = test.per_sample.size() / std::max<std::size_t>(M, 1);
  file.write_scalar("/test/loss", test.loss);
  file.set_attribute("/test", "samples", static_cast<double>(S));
  for (std::size_t m = 0; m < M; ++m) {
    file.write_scalar("/test/" + names[m], test.metrics[m]);
    std::vector<double> per(S);
    for (std::size_t s = 0; s < S; ++s) per[s] = test.per_sample[s * M + m];
    file.write("/test/per_sample/" + names[m], per);
  }
}

void write_training(Hdf5File& file, const train::Task& task, const train::TrainingState& state,
                    const std::vector<double>& initial_parameters, const train::Evaluation& evaluation) {
  const auto metric_names = task.metric_names();
  const std::size_t M = metric_names.size(), P = state.parameters.size();
  file.create_group("/training");
  file.set_attribute("/training", "task", task.name());
  std::vector<double> epoch, loss, norm, rate, seconds, forward_rhs, backward_rhs, backward_products;
  std::vector<double> eval_epoch, eval_loss;
  std::vector<std::vector<double>> metric(M);
  for (const auto& r : state.history) {
    epoch.push_back(r.epoch);
    loss.push_back(r.loss);
    norm.push_back(r.gradient_norm);
    rate.push_back(r.learning_rate);
    seconds.push_back(r.seconds);
    forward_rhs.push_back(r.forward_rhs_evaluations);
    backward_rhs.push_back(r.backward_rhs_evaluations);
    backward_products.push_back(r.backward_products);
    if (r.evaluated) {
      eval_epoch.push_back(r.epoch);
      eval_loss.push_back(r.evaluation_loss);
      for (std::size_t m = 0; m < M; ++m) metric[m].push_back(r.metrics[m]);
    }
  }
  file.write("/training/epoch", epoch);
  file.write("/training/loss", loss);
  file.write("/training/gradient_norm", norm);
  file.write("/training/learning_rate", rate);
  file.write("/training/seconds_per_epoch", seconds);
  file.write("/training/forward_rhs_evaluations", forward_rhs);
  file.write("/training/backward_rhs_evaluations", backward_rhs);
  file.write("/training/backward_products", backward_products);
  file.write("/training/evaluation/epoch", eval_epoch);
  file.write("/training/evaluation/loss", eval_loss);
  for (std::size_t m = 0; m < M; ++m) file.write("/training/evaluation/" + metric_names[m], metric[m]);
  file.write("/parameters/initial", initial_parameters);
  file.write("/parameters/final", state.parameters);
  file.write_strings("/parameters/labels", task.parameter_labels());
  std::vector<double> snapshot_epochs(state.snapshot_epochs.begin(), state.snapshot_epochs.end());
  file.write("/parameters/snapshot_epochs", snapshot_epochs);
  file.write("/parameters/snapshots", {state.snapshot_epochs.size(), P}, state.snapshots.data());
  // The final held-out evaluation: per-sample metrics and the recorded trajectories.
  const std::size_t S = evaluation.per_sample.size() / std::max<std::size_t>(M, 1);
  file.write_scalar("/evaluation/loss", evaluation.loss);
  for (std::size_t m = 0; m < M; ++m) {
    std::vector<double> per(S);
    for (std::size_t s = 0; s < S; ++s) per[s] = evaluation.per_sample[s * M + m];
    file.write("/evaluation/" + metric_names[m], per);
    file.set_attribute("/evaluation/" + metric_names[m], "mean", evaluation.metrics[m]);
  }
  file.write("/evaluation/times", evaluation.times);
  const std::size_t R = task.recorded_names().size(), T = evaluation.times.size();
  if (!evaluation.trajectories.empty()) {
    file.write("/evaluation/trajectories", {S, T, R}, evaluation.trajectories.data());
    file.set_attribute("/evaluation/trajectories", "layout", "sample x time x component");
  }
  file.write_strings("/evaluation/components", task.recorded_names());
  std::vector<double> targets;
  for (std::size_t s = 0; s < S; ++s) {
    const auto t = task.recorded_targets(train::Split::evaluation, s);
    if (t.size() != T * R) break;
    targets.insert(targets.end(), t.begin(), t.end());
  }
  if (targets.size() == S * T * R && !targets.empty())
    file.write("/evaluation/targets", {S, T, R}, targets.data());
}

void write_checkpoint(const std::string& path, const std::string& config_text,
                      const train::TrainingState& state, std::size_t metrics) {
  AtomicOutput out(path);
  auto& f = out.file();
  f.write_string("/config_text", config_text);
  f.write_scalar("/epoch", state.epoch);
  f.write("/parameters", state.parameters);
  f.write("/optimizer_state", state.optimizer_state);
  const auto table = history_table(state, metrics);
  // NaN marks the held-out columns of epochs without an evaluation.
  f.write("/history", {state.history.size(), kFixedColumns + metrics}, table.data(),
          FiniteCheck::nan_allowed);
  std::vector<double> epochs(state.snapshot_epochs.begin(), state.snapshot_epochs.end());
  f.write("/snapshot_epochs", epochs);
  f.write("/snapshots", state.snapshots);
  out.commit();
}

namespace {

void require(bool condition, const std::string& reason) {
  if (!condition) throw UnusableCheckpoint(reason, false);
}

std::vector<double> finite_values(const Hdf5File& f, const std::string& dataset, std::size_t count) {
  const Array a = f.read(dataset);
  require(a.values.size() == count, "'" + dataset + "' has " + std::to_string(a.values.size()) +
                                        " values, this training needs " + std::to_string(count));
  for (double x : a.values) require(std::isfinite(x), "'" + dataset + "' holds a non-finite value");
  return a.values;
}

train::TrainingState read_checked(const Hdf5File& f, const CheckpointExpectation& expected) {
  if (!io::same_config(f.read_text("/config_text"), expected.config_text))
    throw UnusableCheckpoint("it was written for a different config", true);
  train::TrainingState state;
  const double epoch = f.read_scalar("/epoch");
  require(epoch == std::floor(epoch) && epoch >= 0 && epoch <= expected.epochs,
          "its epoch (" + (std::ostringstream() << epoch).str() + ") is not a whole number in [0, " +
              std::to_string(expected.epochs) + "]");
  state.epoch = static_cast<int>(epoch);
  state.parameters = finite_values(f, "/parameters", expected.parameters);
  state.optimizer_state = finite_values(f, "/optimizer_state", expected.optimizer_state);
  const std::size_t width = kFixedColumns + expected.metrics;
  const Array history = f.read("/history");
  const std::size_t epochs = static_cast<std::size_t>(state.epoch);
  const bool with_counts = history.values.size() == epochs * width;
  const std::size_t fixed = with_counts ? kFixedColumns : kFixedColumnsWithoutCounts;
  require(with_counts || history.values.size() == epochs * (fixed + expected.metrics),
          "'/history' does not hold " + std::to_string(state.epoch) + " epochs of " + std::to_string(width) +
              " columns");
  for (std::size_t e = 0; e < static_cast<std::size_t>(state.epoch); ++e) {
    const double* row = &history.values[e * (fixed + expected.metrics)];
    train::EpochRecord r;
    require(row[0] == static_cast<double>(e + 1),
            "'/history' row " + std::to_string(e) + " is not epoch " + std::to_string(e + 1));
    r.epoch = static_cast<int>(e + 1);
    r.loss = row[1];
    r.gradient_norm = row[2];
    r.learning_rate = row[3];
    r.seconds = row[4];
    r.evaluated = row[5] != 0.0;
    r.evaluation_loss = row[6];
    if (with_counts) {
      r.forward_rhs_evaluations = row[7];
      r.backward_rhs_evaluations = row[8];
      r.backward_products = row[9];
      for (std::size_t k = 7; k < kFixedColumns; ++k)
        require(std::isfinite(row[k]) && row[k] >= 0 && row[k] == std::floor(row[k]),
                "'/history' holds an evaluation count that is not a whole number");
    }
    for (std::size_t k = 0; k < 5; ++k) require(std::isfinite(row[k]), "'/history' holds a non-finite value");
    if (r.evaluated) {
      require(std::isfinite(r.evaluation_loss), "'/history' holds a non-finite held-out loss");
      for (std::size_t m = 0; m < expected.metrics; ++m) r.metrics.push_back(row[fixed + m]);
    }
    state.history.push_back(r);
  }
  const Array snapshot_epochs = f.read("/snapshot_epochs");
  for (double e : snapshot_epochs.values) {
    require(e == std::floor(e) && e >= 1 && e <= state.epoch,
            "'/snapshot_epochs' holds an epoch out of range");
    state.snapshot_epochs.push_back(static_cast<int>(e));
  }
  state.snapshots = finite_values(f, "/snapshots", state.snapshot_epochs.size() * expected.parameters);
  return state;
}

}  // namespace

std::optional<train::TrainingState> read_checkpoint(const std::string& path,
                                                    const CheckpointExpectation& expected) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::nullopt;
  try {
    const Hdf5File f(path, Hdf5File::Mode::read);
    return read_checked(f, expected);
  } catch (const Hdf5Error& e) {
    // Messages of the reader start with the path; the caller names the file itself.
    std::string reason = e.what();
    if (reason.rfind(path + ": ", 0) == 0) reason.erase(0, path.size() + 2);
    throw UnusableCheckpoint(reason, false);
  }
}

}  // namespace neurode::setup
