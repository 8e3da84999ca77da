#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>

#include "mpi/block_parallel.hpp"
#include "mpi/ordered_sum.hpp"
#include "solvers/integrator.hpp"
#include "solvers/shared_prefix.hpp"
#include "train/finite_values.hpp"
#include "train/lbfgs.hpp"

namespace neurode::train {
namespace {

// A 64-bit mix (SplitMix64 finaliser) of seed and epoch for the shuffle: fixed across platforms.
std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The groups of one pass over `samples` with `realisations` noise paths each, realisation-major:
// each realisation's samples are cut into runs of block_size consecutive entries of `samples`, so
// that a group holds one draw (Task::make_problem) and its samples still integrate as one block.
// The groups are the items of a BlockParallel of block size 1: dealt to the ranks in contiguous
// runs, their rows come back in group order whatever the number of ranks. With one realisation
// these are the groups, and the rank shares, of a BlockParallel of the samples themselves.
class RealisationGroups {
 public:
  RealisationGroups(std::size_t samples, std::size_t block_size, std::size_t realisations, MPI_Comm comm)
      : samples_(samples),
        block_size_(block_size),
        per_realisation_((samples + block_size - 1) / block_size),
        parallel_(per_realisation_ * realisations, 1, comm) {}
  const mpi::BlockParallel& parallel() const { return parallel_; }
  std::size_t realisation_of(std::size_t g) const { return g / per_realisation_; }
  std::vector<std::size_t> samples_of(std::size_t g, const std::vector<std::size_t>& samples) const {
    const std::size_t begin = (g % per_realisation_) * block_size_;
    const std::size_t end = std::min(samples_, begin + block_size_);
    return {samples.begin() + static_cast<std::ptrdiff_t>(begin),
            samples.begin() + static_cast<std::ptrdiff_t>(end)};
  }

 private:
  std::size_t samples_, block_size_, per_realisation_;
  mpi::BlockParallel parallel_;
};

}  // namespace

std::size_t metric_index(const Task& task, const std::string& name) {
  const auto names = task.metric_names();
  const auto found = std::find(names.begin(), names.end(), name);
  if (found != names.end()) return static_cast<std::size_t>(found - names.begin());
  std::string known;
  for (const auto& each : names) known += (known.empty() ? "" : ", ") + each;
  throw std::invalid_argument("expected a held-out metric of this task (" + known + "), got " + name);
}

void validate(const TrainingSettings& s) {
  if (s.epochs < 0) throw std::invalid_argument("training.epochs: expected an integer >= 0");
  if (s.block_size < 1) throw std::invalid_argument("training.block_size: expected an integer >= 1");
  if (s.eval_every < 1) throw std::invalid_argument("training.eval_every: expected an integer >= 1");
  if (s.snapshot_every < 1) throw std::invalid_argument("training.snapshot_every: expected an integer >= 1");
  if (!(s.target_loss >= 0)) throw std::invalid_argument("training.target_loss: expected a number >= 0");
  validate(s.optimizer);
}

Trainer::Trainer(const Task& task, TrainingSettings settings, MPI_Comm comm)
    : task_(task), settings_(std::move(settings)), comm_(comm) {
  validate(settings_);
  solvers::check_supported(settings_.solver, settings_.gradient.method);
  if (!settings_.stop_at.metric.empty()) {
    try {
      stop_metric_ = metric_index(task_, settings_.stop_at.metric);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("training.stop_at.metric: ") + e.what());
    }
  }
}

TrainingState Trainer::initial_state() const {
  TrainingState state;
  state.parameters = task_.initial_parameters();
  state.optimizer_state = settings_.optimizer.type == "lbfgs"
                              ? Lbfgs(settings_.optimizer, state.parameters.size()).state()
                              : Optimizer(settings_.optimizer, state.parameters.size()).state();
  return state;
}

std::vector<std::vector<std::size_t>> Trainer::epoch_batches(int epoch) const {
  const std::size_t n = task_.samples(Split::training);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (settings_.shuffle) {
    std::mt19937_64 engine(mix(settings_.seed, static_cast<std::uint64_t>(epoch)));
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[engine() % i]);
  }
  const std::size_t batch = settings_.batch_size == 0 ? n : settings_.batch_size;
  std::vector<std::vector<std::size_t>> batches;
  for (std::size_t start = 0; start < n; start += batch)
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                         order.begin() + static_cast<std::ptrdiff_t>(std::min(n, start + batch)));
  return batches;
}

solvers::GradientSolver& Trainer::group_solver(GroupSolver& cache, const std::vector<std::size_t>& group,
                                               const std::vector<double>& parameters,
                                               std::uint64_t draw) const {
  if (cache.solver && task_.refresh_problem(cache.problem, Split::training, group, parameters, draw))
    return *cache.solver;
  cache.solver.reset();  // it refers to the model replaced next
  cache.problem = task_.make_problem(Split::training, group, parameters, draw);
  // A training step needs the loss and its gradient, not the forward states.
  solvers::GradientSettings gradient_settings = settings_.gradient;
  gradient_settings.keep_forward_states = false;
  cache.solver =
      std::make_unique<solvers::GradientSolver>(*cache.problem.model, settings_.solver, gradient_settings);
  return *cache.solver;
}

solvers::GradientResult Trainer::group_gradient(const std::vector<std::size_t>& group,
                                                const std::vector<double>& parameters,
                                                std::uint64_t draw) const {
  solvers::GradientSolver& solver = group_solver(last_group_, group, parameters, draw);
  const BatchProblem& problem = last_group_.problem;
  const auto unshared = [&] {
    return solver.compute(problem.t0, problem.initial_state, problem.observation_times, *problem.loss);
  };
  // PETSc's TSAdjoint runs both passes in one call; a noisy task's samples never share a path.
  if (!settings_.shared_prefix || group.size() < 2 || task_.realisations() != 1 ||
      settings_.gradient.method == solvers::GradientMethod::tsadjoint)
    return unshared();
  const std::optional<double> shared_end = task_.shared_prefix_end(Split::training, group);
  if (!shared_end || !(*shared_end > problem.t0) || !(*shared_end < problem.observation_times.back()))
    return unshared();
  // Any sample of the group stands for all of them up to the shared end: the first. The task's
  // promise of one start for all, checked.
  solvers::GradientSolver& prefix = group_solver(prefix_group_, {group.front()}, parameters, draw);
  const std::vector<double>& start = prefix_group_.problem.initial_state;
  if (start.size() * group.size() != problem.initial_state.size()) return unshared();
  for (std::size_t b = 0; b < group.size(); ++b)
    if (!std::equal(start.begin(), start.end(),
                    problem.initial_state.begin() + static_cast<std::ptrdiff_t>(b * start.size())))
      return unshared();
  solvers::SharedPrefixProblem shared;
  shared.t0 = problem.t0;
  shared.t_shared = *shared_end;
  shared.trial_state = start;
  shared.trials = group.size();
  shared.observation_times = problem.observation_times;
  shared.block_cost = problem.loss.get();
  return solvers::compute_with_shared_prefix(prefix, solver, shared);
}

std::pair<double, std::vector<double>> Trainer::loss_and_gradient(const std::vector<double>& parameters,
                                                                  const std::vector<std::size_t>& samples,
                                                                  int epoch, double* cost) const {
  const std::size_t P = parameters.size();
  const std::size_t R = task_.realisations();
  const RealisationGroups groups(samples.size(), settings_.block_size, R, comm_);
  // This rank's rows (loss, then gradient) of its (realisation, sample) pairs, in group order.
  std::vector<double> rows;
  groups.parallel().run<TrainingFailure>([&](std::size_t g) -> std::string {
    const auto group = groups.samples_of(g, samples);
    const std::size_t r = groups.realisation_of(g);
    const auto result = group_gradient(group, parameters, static_cast<std::uint64_t>(epoch) * R + r);
    if (!result.forward.ok())
      return "training sample " + std::to_string(group.back()) +
             (R > 1 ? " (noise realisation " + std::to_string(r) + ")" : "") + ": " + result.forward.message;
    if (cost) {
      cost[0] += static_cast<double>(result.forward.statistics.rhs_evaluations);
      cost[1] += static_cast<double>(result.backward_rhs_evaluations);
      cost[2] += static_cast<double>(result.backward_transpose_products);
    }
    if (result.gradient_rows == group.size()) {
      for (std::size_t b = 0; b < group.size(); ++b) {
        rows.push_back(result.loss_per_trial[b]);
        rows.insert(rows.end(), result.gradient.begin() + static_cast<std::ptrdiff_t>(b * P),
                    result.gradient.begin() + static_cast<std::ptrdiff_t>((b + 1) * P));
      }
    } else {
      // The model summed its block's gradients itself: one row for the group, its loss summed
      // in sample order. Groups are fixed runs of block_size samples, so still rank-invariant.
      rows.push_back(result.loss());
      rows.insert(rows.end(), result.gradient.begin(), result.gradient.end());
    }
    return {};
  });
  // Summed in global group order, the same on every rank and for any number of ranks: the mean over
  // the samples of each sample's mean over its realisations.
  const std::vector<double> sums = mpi::ordered_sum(rows, 1 + P, comm_);
  const double loss = sums[0];
  std::vector<double> gradient(sums.begin() + 1, sums.end());
  const double scale = 1.0 / static_cast<double>(samples.size() * R);
  for (double& g : gradient) g *= scale;
  // Every rank holds the same sums, so every rank decides the same.
  if (!std::isfinite(loss) || !all_finite(gradient))
    throw TrainingFailure(
        "the training loss or its gradient became non-finite in epoch " + std::to_string(epoch + 1) +
        "; try a smaller optimizer.learning_rate or gradient clipping (optimizer.clip_norm)");
  return {loss * scale, gradient};
}

Evaluation Trainer::evaluate(const std::vector<double>& parameters, bool keep_trajectories,
                             Split split) const {
  const std::size_t n = task_.samples(split);
  std::vector<std::size_t> samples(n);
  std::iota(samples.begin(), samples.end(), 0);
  const std::size_t M = task_.metric_names().size();
  const std::size_t R = task_.recorded_names().size();
  const std::size_t realisations = task_.realisations();
  Evaluation out;
  const RealisationGroups groups(n, settings_.block_size, realisations, comm_);
  // This rank's rows (loss, metrics, then the trajectory when kept) of its (realisation, sample)
  // pairs, in group order.
  std::vector<double> rows;
  std::size_t width = 0;
  groups.parallel().run<TrainingFailure>([&](std::size_t g) -> std::string {
    const auto group = groups.samples_of(g, samples);
    const std::size_t r = groups.realisation_of(g);
    BatchProblem problem = task_.make_problem(split, group, parameters, r);
    out.times = problem.observation_times;
    solvers::Integrator integrator(*problem.model, settings_.solver);
    const auto solution = integrator.solve(problem.t0, problem.initial_state, problem.observation_times);
    if (!solution.ok())
      return "evaluation sample " + std::to_string(group.front()) +
             (realisations > 1 ? " (noise realisation " + std::to_string(r) + ")" : "") + ": " +
             solution.message;
    out.method = solution.method;
    const std::size_t T = problem.observation_times.size();
    width = 1 + M + (keep_trajectories ? T * R : 0);
    std::vector<double> losses(group.size(), 0.0);
    for (std::size_t k = 0; k < T; ++k) problem.loss->add_value(k, solution.state(k), losses);
    const auto metrics = task_.score(split, group, solution, parameters);
    std::vector<double> recorded(R);
    for (std::size_t b = 0; b < group.size(); ++b) {
      rows.push_back(losses[b]);
      rows.insert(rows.end(), metrics.begin() + static_cast<std::ptrdiff_t>(b * M),
                  metrics.begin() + static_cast<std::ptrdiff_t>((b + 1) * M));
      if (keep_trajectories)
        for (std::size_t k = 0; k < T; ++k) {
          task_.record(solution, k, b, parameters, recorded.data());
          rows.insert(rows.end(), recorded.begin(), recorded.end());
        }
    }
    return {};
  });
  // Ranks without a group learn the row width and the times from the others.
  double shared[2] = {static_cast<double>(width), static_cast<double>(out.times.size())};
  MPI_Allreduce(MPI_IN_PLACE, shared, 2, MPI_DOUBLE, MPI_MAX, comm_);
  width = static_cast<std::size_t>(shared[0]);
  out.times.resize(static_cast<std::size_t>(shared[1]));
  MPI_Bcast(out.times.data(), static_cast<int>(out.times.size()), MPI_DOUBLE, 0, comm_);
  const auto all = groups.parallel().gather_to_all(rows);
  // Row (r, s) of realisation r and sample s is row r n + s. A sample's metrics are means over its
  // realisations (a 0/1 metric becomes a probability); the trajectories kept are realisation 0's.
  out.metrics.assign(M, 0.0);
  out.per_sample.assign(n * M, 0.0);
  for (std::size_t r = 0; r < realisations; ++r)
    for (std::size_t s = 0; s < n; ++s) {
      const double* row = &all[(r * n + s) * width];
      out.loss += row[0];
      for (std::size_t m = 0; m < M; ++m) out.per_sample[s * M + m] += row[1 + m];
      if (keep_trajectories && r == 0)
        out.trajectories.insert(out.trajectories.end(), row + 1 + M, row + width);
    }
  for (double& value : out.per_sample) value /= static_cast<double>(realisations);
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t m = 0; m < M; ++m) out.metrics[m] += out.per_sample[s * M + m];
  out.loss /= static_cast<double>(n * realisations);
  for (double& m : out.metrics) m /= static_cast<double>(n);
  if (!std::isfinite(out.loss) || !all_finite(out.metrics))
    throw TrainingFailure("the held-out loss became non-finite");
  return out;
}

void Trainer::run(TrainingState& state, const AfterEpoch& after_epoch) {
  if (settings_.optimizer.type == "lbfgs") return run_lbfgs(state, after_epoch);
  Optimizer optimizer(settings_.optimizer, state.parameters.size());
  optimizer.restore(state.optimizer_state);
  while (state.epoch < settings_.epochs) {
    const auto start = std::chrono::steady_clock::now();
    EpochRecord record;
    record.epoch = state.epoch + 1;
    record.learning_rate = optimizer.learning_rate(state.epoch);
    double loss_sum = 0;
    std::size_t samples = 0;
    double cost[3] = {0, 0, 0};  // this rank's evaluation counts (loss_and_gradient)
    for (const auto& batch : epoch_batches(state.epoch)) {
      auto [loss, gradient] = loss_and_gradient(state.parameters, batch, state.epoch, cost);
      record.gradient_norm = optimizer.step(state.parameters, std::move(gradient), state.epoch);
      task_.project(state.parameters);
      if (!all_finite(state.parameters))
        throw TrainingFailure("the parameters became non-finite in epoch " + std::to_string(state.epoch + 1) +
                              "; try a smaller optimizer.learning_rate");
      loss_sum += loss * static_cast<double>(batch.size());
      samples += batch.size();
    }
    record.loss = loss_sum / static_cast<double>(samples);
    state.optimizer_state = optimizer.state();
    if (finish_epoch(state, record, cost, after_epoch, start)) break;
  }
}

void Trainer::run_lbfgs(TrainingState& state, const AfterEpoch& after_epoch) {
  Lbfgs lbfgs(settings_.optimizer, state.parameters.size());
  lbfgs.restore(state.optimizer_state);
  // One fixed function: every sample, in index order (so that the sums round alike at every
  // trial point), the noise-free draw 0.
  std::vector<std::size_t> all(task_.samples(Split::training));
  std::iota(all.begin(), all.end(), 0);
  while (state.epoch < settings_.epochs) {
    const auto start = std::chrono::steady_clock::now();
    EpochRecord record;
    record.epoch = state.epoch + 1;
    record.learning_rate = settings_.optimizer.learning_rate;
    double cost[3] = {0, 0, 0};
    const auto iteration = lbfgs.iterate(
        state.parameters, [&](const std::vector<double>& p) { return loss_and_gradient(p, all, 0, cost); },
        [&](std::vector<double>& p) { task_.project(p); });
    record.loss = iteration.loss;
    record.gradient_norm = iteration.gradient_norm;
    state.optimizer_state = lbfgs.state();
    if (finish_epoch(state, record, cost, after_epoch, start)) break;
  }
}

bool Trainer::finish_epoch(TrainingState& state, EpochRecord& record, double* cost,
                           const AfterEpoch& after_epoch, std::chrono::steady_clock::time_point start) {
  MPI_Allreduce(MPI_IN_PLACE, cost, 3, MPI_DOUBLE, MPI_SUM, comm_);  // integers: exact in any order
  record.forward_rhs_evaluations = cost[0];
  record.backward_rhs_evaluations = cost[1];
  record.backward_products = cost[2];
  state.epoch += 1;
  bool done =
      state.epoch == settings_.epochs || (settings_.target_loss > 0 && record.loss <= settings_.target_loss);
  if (state.epoch % settings_.eval_every == 0 || done) {
    const Evaluation evaluation = evaluate(state.parameters, false);
    record.evaluated = true;
    record.evaluation_loss = evaluation.loss;
    record.metrics = evaluation.metrics;
    // The same metrics on every rank (reduced in evaluate): every rank stops at the same epoch.
    if (!settings_.stop_at.metric.empty() && settings_.stop_at.met_by(record.metrics[stop_metric_]))
      done = true;
  }
  if (state.epoch % settings_.snapshot_every == 0 || done) {
    state.snapshot_epochs.push_back(state.epoch);
    state.snapshots.insert(state.snapshots.end(), state.parameters.begin(), state.parameters.end());
  }
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.history.push_back(record);
  after_epoch(state, record);
  return done;
}

}  // namespace neurode::train
