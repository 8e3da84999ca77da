#pragma once
/// Data-parallel training over MPI. The samples of each optimiser step are cut into fixed groups
/// of `block_size` ("micro-batches", each integrated as one block system), the groups are dealt to
/// the ranks in contiguous blocks (mpi::BlockParallel), and the per-sample losses and gradients are
/// summed in global sample order by a chain over the ranks (mpi::ordered_sum: each rank holds its
/// own samples' rows and one running sum). A group's numbers never depend on which rank computes it
/// and the sum order never depends on the number of ranks, so the loss history and the weights are
/// bitwise identical for any number of ranks with the same seed.
///
/// A stochastic task with R noise realisations per sample (Task::realisations) makes every
/// (sample, realisation) pair a work item: the groups are realisation-major (each group one draw of
/// block_size samples), spread over the ranks with the batch, and the loss and gradient are the
/// mean over samples of each sample's mean over its R paths; held-out metrics are averaged over R
/// as well. With R = 1 the groups and sums are those of a deterministic training.
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "solvers/gradient.hpp"
#include "train/optimizer.hpp"
#include "train/task.hpp"

namespace neurode::train {

/// Stop a training at the first held-out evaluation where a task metric reaches a value
/// (`training.stop_at`), e.g. parity's `correct` at least 1 (16/16).
struct StopCondition {
  std::string metric;  ///< a name of Task::metric_names(); empty: off
  double value = 0;
  bool at_least = true;  ///< true: metric >= value; false: metric <= value
  bool met_by(double metric_value) const { return at_least ? metric_value >= value : metric_value <= value; }
};

struct TrainingSettings {
  int epochs = 100;
  double target_loss = 0.0;    ///< stop once the training loss is at or below (0: off)
  StopCondition stop_at;       ///< stop once a held-out metric reaches a value (metric empty: off)
  std::size_t batch_size = 0;  ///< samples per optimiser step (0: the whole training set)
  std::size_t block_size = 1;  ///< samples integrated together as one block system
  int eval_every = 10;         ///< evaluate the held-out set every k epochs (and at the end)
  int snapshot_every = 10;     ///< keep the weights every k epochs
  bool shuffle = true;         ///< reshuffle the training set every epoch (keyed by seed, epoch)
  /// Solve the start that a group's samples share (Task::shared_prefix_end) once for the group.
  bool shared_prefix = false;
  std::uint64_t seed = 1;
  OptimizerSettings optimizer;
  solvers::SolverSettings solver;
  solvers::GradientSettings gradient;
};

void validate(const TrainingSettings& settings);  ///< throws std::invalid_argument
/// The position of metric `name` in task.metric_names(); std::invalid_argument listing them if absent.
std::size_t metric_index(const Task& task, const std::string& name);

struct EpochRecord {
  int epoch = 0;  ///< 1-based: the number of completed epochs
  double loss = 0;
  double gradient_norm = 0;
  double learning_rate = 0;
  double seconds = 0;
  /// Vector-field evaluations of the epoch's training steps, over all ranks: forward solves, and
  /// backward passes (adjoint or back-propagation stages). Rank-invariant: groups are fixed.
  double forward_rhs_evaluations = 0;
  double backward_rhs_evaluations = 0;  ///< stage slopes recomputed in the backward passes
  double backward_products = 0;         ///< vector-Jacobian products (dF/dy, dF/dp)^T w
  bool evaluated = false;
  double evaluation_loss = 0;
  std::vector<double> metrics;  ///< task metrics on the held-out set, in metric_names() order
};

struct Evaluation {
  double loss = 0;
  std::vector<double> metrics;       ///< means over the evaluation samples
  std::vector<double> per_sample;    ///< samples x metrics (means over the noise realisations)
  std::vector<double> times;         ///< observation times
  std::vector<double> trajectories;  ///< samples x times x recorded components (when asked)
  /// The solver as it ran (PETSc's TS type and step control after any -ts_* option); set on the
  /// ranks that solved a block, rank 0 among them.
  std::string method;
};

/// Everything a checkpoint holds: restarting from it continues bit for bit.
struct TrainingState {
  int epoch = 0;
  std::vector<double> parameters;
  std::vector<double> optimizer_state;
  std::vector<EpochRecord> history;
  std::vector<int> snapshot_epochs;
  std::vector<double> snapshots;  ///< snapshot_epochs.size() x parameters
};

/// A forward solve failed during training; every rank throws it together.
class TrainingFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Trainer {
 public:
  Trainer(const Task& task, TrainingSettings settings, MPI_Comm comm = MPI_COMM_WORLD);

  using AfterEpoch = std::function<void(const TrainingState&, const EpochRecord&)>;

  TrainingState initial_state() const;
  /// Trains from state.epoch on; after every epoch `after_epoch` runs on every rank.
  void run(TrainingState& state, const AfterEpoch& after_epoch);
  /// Forward solves of the held-out set (collective).
  Evaluation evaluate(const std::vector<double>& parameters, bool keep_trajectories,
                      Split split = Split::evaluation) const;
  /// Mean loss and mean gradient over `samples` of the training split and their noise realisations
  /// in epoch `epoch` (0-based, which picks a stochastic run's noise draws) (collective).
  /// When `cost` is given, this rank's counts are added to it: forward vector-field evaluations,
  /// backward ones, backward vector-Jacobian products.
  std::pair<double, std::vector<double>> loss_and_gradient(const std::vector<double>& parameters,
                                                           const std::vector<std::size_t>& samples, int epoch,
                                                           double* cost = nullptr) const;
  /// The training samples of each optimiser step of epoch `epoch` (0-based).
  std::vector<std::vector<std::size_t>> epoch_batches(int epoch) const;
  const TrainingSettings& settings() const { return settings_; }

 private:
  /// The problem and gradient solver of this rank's last training group, kept for the next group
  /// of as many samples when the task can refresh the problem in place (Task::refresh_problem):
  /// the model, its PETSc TS and trajectory store are then made once, not per group.
  struct GroupSolver {
    BatchProblem problem;
    std::unique_ptr<solvers::GradientSolver> solver;
  };
  /// The group solver for samples `group`, reused or made anew (in `cache`).
  solvers::GradientSolver& group_solver(GroupSolver& cache, const std::vector<std::size_t>& group,
                                        const std::vector<double>& parameters, std::uint64_t draw) const;
  /// The loss and gradient of `group` (the problem and solver in last_group_): with its shared
  /// prefix solved once when the settings and the task allow it.
  solvers::GradientResult group_gradient(const std::vector<std::size_t>& group,
                                         const std::vector<double>& parameters, std::uint64_t draw) const;

  /// Epochs of L-BFGS iterations (optimizer.type lbfgs), each on the whole training set.
  void run_lbfgs(TrainingState& state, const AfterEpoch& after_epoch);
  /// The common end of an epoch: its counts summed over the ranks, the held-out evaluation and the
  /// snapshot when due, the record. Returns whether the training is done.
  bool finish_epoch(TrainingState& state, EpochRecord& record, double* cost, const AfterEpoch& after_epoch,
                    std::chrono::steady_clock::time_point start);

  const Task& task_;
  TrainingSettings settings_;
  std::size_t stop_metric_ = 0;  ///< index of settings_.stop_at.metric in the task's metrics
  MPI_Comm comm_;
  mutable GroupSolver last_group_;
  mutable GroupSolver prefix_group_;  ///< one sample of the group, for its shared prefix
};

}  // namespace neurode::train
