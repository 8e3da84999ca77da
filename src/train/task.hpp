#pragma once
/// A training task: it owns the data (generated from counter-based random streams keyed by
/// (seed, sample index), never by rank), builds the model and the loss for any group of samples,
/// and scores solutions. The Trainer only sees this interface, so a new task touches one folder.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "solvers/observation_cost.hpp"
#include "solvers/solution.hpp"
#include "solvers/solver_settings.hpp"

namespace neurode::train {

/// evaluation: the held-out samples scored during training; test: scored once at the end, for
/// tasks that have them (has_test_split).
enum class Split { training, evaluation, test };

/// What one group ("micro-batch") of samples needs for a forward solve and a gradient.
struct BatchProblem {
  std::unique_ptr<models::Model> model;  ///< all samples of the group as one block system
  std::unique_ptr<solvers::ObservationCost> loss;
  std::vector<double> initial_state;
  double t0 = 0.0;
  std::vector<double> observation_times;
};

/// A named array for the output file (row-major values of `shape`).
struct NamedArray {
  std::string name;
  std::vector<std::size_t> shape;
  std::vector<double> values;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  virtual std::size_t samples(Split split) const = 0;
  /// Whether Split::test exists (samples(Split::test) is only asked then).
  virtual bool has_test_split() const { return false; }
  /// Initial values of the trainable parameters and their labels (from the config and the seed).
  virtual std::vector<double> initial_parameters() const = 0;
  virtual std::vector<std::string> parameter_labels() const = 0;
  /// Projection after each optimiser step (sign constraints, masks); default: none.
  virtual void project(std::vector<double>& parameters) const { (void)parameters; }
  /// Noise realisations per sample (`noise.realisations`): a stochastic task's loss, gradient and
  /// held-out metrics are means over this many independent paths per sample. 1 for a
  /// deterministic task.
  virtual std::size_t realisations() const { return 1; }
  /// The model and loss of samples `indices` of `split`, with `parameters` set. `draw` picks a
  /// stochastic run's noise, keyed by (draw, sample), never by rank or group: the trainer asks for
  /// draw e R + r for realisation r of R in training epoch e (0-based), so that every epoch has new
  /// paths, and for draw r of a held-out sample, whose R paths stay the same for the whole
  /// training. A deterministic task ignores it.
  virtual BatchProblem make_problem(Split split, const std::vector<std::size_t>& indices,
                                    const std::vector<double>& parameters, std::uint64_t draw) const = 0;
  /// The same for `problem`, made by make_problem for as many samples, in place: its model gets the
  /// new samples' inputs and `parameters`, its loss is made anew. Returns false (and leaves it as
  /// it was) when the task cannot, and the caller makes a new problem. Reusing the model lets the
  /// trainer keep its solver (a PETSc TS, the trajectory store) across groups and steps; the
  /// results are the same bits either way.
  virtual bool refresh_problem(BatchProblem& problem, Split split, const std::vector<std::size_t>& indices,
                               const std::vector<double>& parameters, std::uint64_t draw) const {
    (void)problem;
    (void)split;
    (void)indices;
    (void)parameters;
    (void)draw;
    return false;
  }
  /// The time up to which samples `indices` of `split` follow one trajectory (the same initial
  /// state, the same inputs, no noise): a trainer may solve that part once for all of them
  /// (`training.shared_prefix`, solvers/shared_prefix.hpp). None by default.
  virtual std::optional<double> shared_prefix_end(Split split,
                                                  const std::vector<std::size_t>& indices) const {
    (void)split;
    (void)indices;
    return std::nullopt;
  }
  /// Names of the task's metrics, in the order score() returns them (e.g. "accuracy").
  virtual std::vector<std::string> metric_names() const = 0;
  /// Metric values of each solved sample: samples x metrics, row-major; the trainer averages them
  /// over the evaluation set. `solution` holds the samples `indices` in order.
  virtual std::vector<double> score(Split split, const std::vector<std::size_t>& indices,
                                    const solvers::Solution& solution,
                                    const std::vector<double>& parameters) const = 0;
  /// What the output file keeps of each held-out sample at every observation (e.g. the output
  /// rates): recorded_names().size() values written by record() for sample b of a solution.
  virtual std::vector<std::string> recorded_names() const = 0;
  virtual void record(const solvers::Solution& solution, std::size_t k, std::size_t b,
                      const std::vector<double>& parameters, double* out) const = 0;
  /// What the recorded components should follow for sample `index` (times x components), for
  /// plots; empty when the task has no such target.
  /// A few held-out samples worth a picture, with what the model made of them (the image tasks:
  /// images, level-1 predictions and errors), solved with `solver`; written under /examples.
  /// Default: none.
  virtual std::vector<NamedArray> examples(const std::vector<double>& parameters,
                                           const solvers::SolverSettings& solver) const {
    (void)parameters;
    (void)solver;
    return {};
  }
  virtual std::vector<double> recorded_targets(Split split, std::size_t index) const {
    (void)split;
    (void)index;
    return {};
  }
};

}  // namespace neurode::train
