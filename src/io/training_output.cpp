#include "io/training_output.hpp"

#include <cmath>
#include <filesystem>
#include <limits>

namespace neurode::io {
namespace {

// The per-epoch history as columns: epoch, loss, gradient norm, learning rate, seconds, evaluated,
// evaluation loss, then the metrics (NaN where not evaluated).
constexpr std::size_t kFixedColumns = 7;

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
                                         r.evaluated ? r.evaluation_loss : none};
    table.insert(table.end(), fixed, fixed + kFixedColumns);
    for (std::size_t m = 0; m < metrics; ++m) table.push_back(r.evaluated ? r.metrics[m] : none);
  }
  return table;
}

}  // namespace

void write_training(Hdf5File& file, const train::Task& task, const train::TrainingState& state,
                    const std::vector<double>& initial_parameters, const train::Evaluation& evaluation) {
  const auto metric_names = task.metric_names();
  const std::size_t M = metric_names.size(), P = state.parameters.size();
  file.create_group("/training");
  file.set_attribute("/training", "task", task.name());
  std::vector<double> epoch, loss, norm, rate, seconds;
  std::vector<double> eval_epoch, eval_loss;
  std::vector<std::vector<double>> metric(M);
  for (const auto& r : state.history) {
    epoch.push_back(r.epoch);
    loss.push_back(r.loss);
    norm.push_back(r.gradient_norm);
    rate.push_back(r.learning_rate);
    seconds.push_back(r.seconds);
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
                      const train::TrainingState& state) {
  AtomicOutput out(path);
  auto& f = out.file();
  f.write_string("/config_text", config_text);
  f.write_scalar("/epoch", state.epoch);
  f.write("/parameters", state.parameters);
  f.write("/optimizer_state", state.optimizer_state);
  std::size_t metrics = 0;
  for (const auto& r : state.history) metrics = std::max(metrics, r.metrics.size());
  const auto table = history_table(state, metrics);
  f.write("/history", {state.history.size(), kFixedColumns + metrics}, table.data());
  std::vector<double> epochs(state.snapshot_epochs.begin(), state.snapshot_epochs.end());
  f.write("/snapshot_epochs", epochs);
  f.write("/snapshots", state.snapshots);
  out.commit();
}

std::optional<train::TrainingState> read_checkpoint(const std::string& path, const std::string& config_text,
                                                    std::size_t metrics) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  Hdf5File f(path, Hdf5File::Mode::read);
  if (f.read_text("/config_text") != config_text) return std::nullopt;
  train::TrainingState state;
  state.epoch = static_cast<int>(f.read_scalar("/epoch"));
  state.parameters = f.read("/parameters").values;
  state.optimizer_state = f.read("/optimizer_state").values;
  const Array history = f.read("/history");
  for (std::size_t e = 0; e < history.rows() && history.values.size() > 0; ++e) {
    train::EpochRecord r;
    r.epoch = static_cast<int>(history.at(e, 0));
    r.loss = history.at(e, 1);
    r.gradient_norm = history.at(e, 2);
    r.learning_rate = history.at(e, 3);
    r.seconds = history.at(e, 4);
    r.evaluated = history.at(e, 5) != 0.0;
    r.evaluation_loss = history.at(e, 6);
    if (r.evaluated)
      for (std::size_t m = 0; m < metrics && kFixedColumns + m < history.cols(); ++m)
        r.metrics.push_back(history.at(e, kFixedColumns + m));
    state.history.push_back(r);
  }
  for (double e : f.read("/snapshot_epochs").values) state.snapshot_epochs.push_back(static_cast<int>(e));
  state.snapshots = f.read("/snapshots").values;
  return state;
}

}  // namespace neurode::io
