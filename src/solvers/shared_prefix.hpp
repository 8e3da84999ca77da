#pragma once
/// The loss and gradient of a block of trials that share their start: the same initial state, the
/// same inputs and the same parameters up to a time t_s (a task's silent period before its stimulus:
/// parity and XOR spend half of each trial there), so the same trajectory on [t0, t_s]. That part is
/// solved once, as one trial, instead of once per trial of the block:
///
///   forward   the prefix, one trial, t0 -> t_s;
///             the block, from the prefix's state at t_s copied into every trial, t_s -> T;
///   backward  the block's adjoint, T -> t_s, giving each trial's cotangent at t_s;
///             the prefix's adjoint, t_s -> t0, from the trials' cotangents summed (the prefix is
///             every trial's, so its adjoint is linear in their sum) and the observations before t_s.
///
/// The prefix's observations are scored for every trial of the block (each trial's own targets and
/// weights, on the shared state), so losses and gradients are those of the unshared block: with
/// fixed steps the losses are the same bits and the gradients differ by the rounding of summing
/// before rather than after the prefix's adjoint; adaptive steps differ at the tolerance (the prefix
/// is controlled on one trial's error, not the block's). Solution time for the prefix: one trial's
/// forward and backward pass in place of the block's (docs/training.md, "Shared prefix").
#include <cstddef>
#include <vector>

#include "solvers/gradient.hpp"
#include "solvers/observation_cost.hpp"

namespace neurode::solvers {

struct SharedPrefixProblem {
  double t0 = 0;
  double t_shared = 0;              ///< end of the shared part: t0 < t_shared < the last observation
  std::vector<double> trial_state;  ///< one trial's initial state (every trial's)
  std::size_t trials = 0;           ///< of the block
  std::vector<double> observation_times;
  const ObservationCost* block_cost = nullptr;  ///< the block's loss, over all observations
};

/// The block's loss and gradient as GradientSolver::compute would give them for `problem`: losses
/// per trial, gradient rows per trial (the prefix's row added to trial 0's) or one row when the
/// block model sums its trials. `prefix` solves a model of one trial of the block (any of them: they
/// are the same up to t_shared), `block` the block's model. The forward Solution is the block's from
/// t_shared, with both solves' statistics; dl_dy0 is not formed.
GradientResult compute_with_shared_prefix(GradientSolver& prefix, GradientSolver& block,
                                          const SharedPrefixProblem& problem);

}  // namespace neurode::solvers
