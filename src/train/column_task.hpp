#pragma once
/// What the column-network tasks (winner-take-all, XOR, parity) share: a network built once from
/// anatomy, its trainable weights with optional sign constraints, and per sample a piecewise-
/// constant drive plus targets for chosen populations at the observation times.
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "io/config_limits.hpp"
#include "models/column/column_network.hpp"
#include "models/kernels/random_stream.hpp"
#include "models/noise/noise_settings.hpp"
#include "train/task.hpp"
#include "train/task_registry.hpp"
#include "train/trajectory_loss.hpp"

namespace neurode::train {

/// Sign constraint of one kind of weight, applied by projection after every optimiser step.
enum class Sign { free, nonnegative, nonpositive };
Sign parse_sign(const std::string& text);  ///< free, nonnegative, nonpositive

struct ColumnTaskSettings {
  models::ColumnParameters parameters = models::default_column_parameters();
  models::NetworkSpec network;
  std::map<std::string, Sign> constraints;  ///< by ParameterRef::kind
  LossKind loss = LossKind::mse;
  double huber_beta = 1.0;
  double rate_limit = std::numeric_limits<double>::infinity();  ///< TrajectoryLossSpec::rate_limit
  double rate_limit_weight = 1.0;
  Readout readout = Readout::state_rate;
  std::uint64_t seed = 1;
  /// Initial weights are the network's values times (1 + jitter u), u ~ U(-1, 1) keyed by (seed,
  /// parameter index), so that different seeds start from different points.
  double initial_jitter = 0.0;
  /// The loss is on one output, the weighted sum of the last column's output populations
  /// (parameters.output_mask, initial weights parameters.output_init), whose weights are trained
  /// with the network when output_trainable (kind "output" for constraints).
  bool output_readout = false;
  bool output_trainable = true;
  /// Stochastic runs: the config's `noise` section (models/noise/column_noise.hpp).
  models::NoiseSettings noise;
  /// Wiener paths per sample (`noise.realisations`; Task::realisations).
  std::size_t realisations = 1;
};

class ColumnTask : public Task {
 public:
  explicit ColumnTask(ColumnTaskSettings settings);

  std::vector<double> initial_parameters() const override;
  std::vector<std::string> parameter_labels() const override;
  void project(std::vector<double>& parameters) const override;
  BatchProblem make_problem(Split split, const std::vector<std::size_t>& indices,
                            const std::vector<double>& parameters, std::uint64_t draw) const override;
  bool refresh_problem(BatchProblem& problem, Split split, const std::vector<std::size_t>& indices,
                       const std::vector<double>& parameters, std::uint64_t draw) const override;
  /// Every sample starts at rest (state 0): without noise they share the segments of their drives
  /// that are the same (a silent period before the stimulus), up to the first that differs.
  std::optional<double> shared_prefix_end(Split split,
                                          const std::vector<std::size_t>& indices) const override;
  std::size_t realisations() const override { return settings_.noise.enabled() ? settings_.realisations : 1; }

  /// The loss targets, which the column tasks record as their output trajectories.
  std::vector<double> recorded_targets(Split split, std::size_t index) const override {
    return targets(split, index);
  }
  /// Records the rate state r of the loss populations (or the weighted output with a read-out).
  void record(const solvers::Solution& solution, std::size_t k, std::size_t b,
              const std::vector<double>& parameters, double* out) const override;
  /// The weighted read-out output of sample b at observation k (output_readout only).
  double readout_output(const solvers::Solution& solution, std::size_t k, std::size_t b,
                        const std::vector<double>& parameters) const;

  const models::NetworkWeights& weights() const { return weights_; }
  const ColumnTaskSettings& settings() const { return settings_; }
  std::size_t populations() const { return weights_.populations; }

 protected:
  /// The sample's drive (population rates and/or input channel values).
  virtual models::PiecewiseDrive drive(Split split, std::size_t index) const = 0;
  /// Targets of the sample: observations x loss_populations(), row-major, Hz.
  virtual std::vector<double> targets(Split split, std::size_t index) const = 0;
  virtual std::vector<double> observation_times() const = 0;
  virtual std::vector<double> observation_weights() const = 0;
  virtual std::vector<std::size_t> loss_populations() const = 0;
  /// Weight of the sample's task term in the loss (the activity bound always counts); a
  /// curriculum sets 0 for samples whose targets it does not train yet.
  virtual double task_weight(Split, std::size_t) const { return 1.0; }

  /// r (state) of population p of sample b in a batch solution at observation k.
  double rate_state(const solvers::Solution& solution, std::size_t k, std::size_t b, std::size_t p) const {
    return solution.state(k)[trial_size_ * b + rate_offset_ + p];
  }

  /// One Wiener path per sample of noise draw `draw` (Task::make_problem): stream draw x samples +
  /// sample, in a domain of its own for the held-out splits.
  std::vector<models::RandomStream> wiener_paths(Split split, const std::vector<std::size_t>& indices,
                                                 std::uint64_t draw) const;
  /// The last column's read-out populations (output_mask), in population order.
  std::vector<std::size_t> readout_populations() const;
  /// The loss of samples `indices` (their targets, task weights and, if any, the read-out).
  std::unique_ptr<TrajectoryLoss> make_loss(Split split, const std::vector<std::size_t>& indices,
                                            const std::vector<double>& parameters) const;

  ColumnTaskSettings settings_;
  models::NetworkWeights weights_;
  models::ColumnConstants constants_;
  std::vector<double> readout_init_;  ///< empty unless output_readout
  /// One trial's state size and where its rate states r start (models::column_state_layout).
  std::size_t trial_size_ = 0, rate_offset_ = 0;
};

/// Ranges of the column tasks' settings (docs/config.md, "Limits"): rates in [0, 1e6] Hz, durations
/// in (0, 1e6] s, loss windows in [0, 1e6] s.
inline const io::Bounds kTaskRate = io::Bounds::closed(0.0, io::kMaxRate_Hz);
inline const io::Bounds kTaskDuration = io::Bounds{0.0, io::kMaxTime_s, true, false};
inline const io::Bounds kTaskWindow = io::Bounds::closed(0.0, io::kMaxTime_s);

/// The settings every column task shares, from the config sections besides `task:`: `model` (a
/// network given in full replaces `defaults`' network), `constraints`, `loss`, `noise`,
/// `initial_jitter`, and the seed.
ColumnTaskSettings read_column_task_settings(const TaskSources& sources, ColumnTaskSettings defaults);
/// A column task's size for the training's checks: `samples` per split, one sample `duration_s`
/// long with `observations` output times.
TaskSize column_task_size(const ColumnTaskSettings& column, double duration_s, double observations,
                          double training_samples, double evaluation_samples);

/// The time index of `t` in `times` (exact match required; throws otherwise).
std::size_t index_of_time(const std::vector<double>& times, double t);

}  // namespace neurode::train
