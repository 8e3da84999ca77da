#pragma once
/// Limited-memory BFGS with a backtracking (Armijo) line search, for deterministic full-batch
/// trainings (`optimizer.type: lbfgs`). One iteration is one epoch: a search direction from the
/// last `memory` steps and gradient changes (two-loop recursion), then trial points along it until
/// the loss falls enough. Each trial point costs a forward solve and a gradient.
///
/// Why not PETSc's TAO (TAOLMVM): a training checkpoints after every epoch and must resume with
/// the same bits, and TAO's quasi-Newton history cannot be saved or restored through its public
/// interface; here the whole state (history, current loss and gradient) is a vector of numbers.
///
/// Coordinates: with `update: additive` the parameters themselves; with `multiplicative` log|p|
/// (p = sign * exp(u)), so that weights spanning orders of magnitude are searched in relative
/// terms and never change sign. Parameters at exactly 0 stay at 0 (as with Adam's multiplicative
/// update).
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "train/optimizer.hpp"

namespace neurode::train {

class Lbfgs {
 public:
  /// Loss and gradient (with respect to the parameters) at `parameters`; throws TrainingFailure
  /// when the forward solve fails, which the line search takes as "too far".
  using Evaluate = std::function<std::pair<double, std::vector<double>>(const std::vector<double>&)>;
  /// Maps parameters onto the task's constraints in place.
  using Project = std::function<void(std::vector<double>&)>;

  struct Iteration {
    double loss = 0;           ///< at the accepted point
    double gradient_norm = 0;  ///< of dL/dp at the start of the iteration
    int evaluations = 0;       ///< loss-and-gradient evaluations in this iteration
    bool moved = false;        ///< false: no trial point lowered the loss (the history is reset)
  };

  /// settings.learning_rate: the largest change of any optimised coordinate in one iteration (a
  /// trust bound that keeps the first steps, made before any curvature is known, from leaving the
  /// region where the model integrates); settings.lbfgs_memory: the pairs kept.
  Lbfgs(OptimizerSettings settings, std::size_t parameters);

  /// One iteration from `parameters` (updated in place to the accepted point).
  Iteration iterate(std::vector<double>& parameters, const Evaluate& evaluate, const Project& project);

  /// State for checkpoints, of fixed size: [pairs, newest slot, has point, loss, gradient (P),
  /// steps (memory x P), gradient changes (memory x P)].
  std::vector<double> state() const;
  /// Throws std::invalid_argument for a state of another size or with its slots out of range.
  void restore(const std::vector<double>& state);
  static std::size_t state_size(std::size_t parameters, int memory);

 private:
  bool multiplicative() const { return settings_.update == "multiplicative"; }
  std::vector<double> to_coordinates(const std::vector<double>& p) const;
  /// The parameters at coordinates u, with the signs of `like`.
  std::vector<double> from_coordinates(const std::vector<double>& u, const std::vector<double>& like) const;
  /// dL/du from dL/dp at p.
  std::vector<double> coordinate_gradient(const std::vector<double>& p, std::vector<double> g) const;
  std::vector<double> direction(const std::vector<double>& gradient) const;
  void remember(const std::vector<double>& step, const std::vector<double>& change);

  OptimizerSettings settings_;
  std::size_t n_;
  // The point the next iteration starts from: its loss and coordinate gradient, when known.
  bool has_point_ = false;
  double loss_ = 0;
  std::vector<double> gradient_;
  // The history, a ring of `memory` slots; newest_ is the last one written.
  std::size_t pairs_ = 0, newest_ = 0;
  std::vector<double> steps_, changes_;
};

}  // namespace neurode::train
