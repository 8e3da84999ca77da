#include "solvers/shared_prefix.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace neurode::solvers {
namespace {

// The block's loss seen from the prefix's one trial: observation k < K of the block is scored for
// every trial on copies of the shared state, its cotangents and loss-parameter gradients summed over
// the trials; the prefix's last output (t_shared) adds the cotangent the block hands back.
class PrefixCost final : public ObservationCost {
 public:
  PrefixCost(const ObservationCost& block, std::size_t trials, std::size_t n, std::size_t shared_observations,
             std::size_t last_output, std::vector<double>& losses)
      : block_(block),
        trials_(trials),
        n_(n),
        shared_(shared_observations),
        last_(last_output),
        losses_(losses),
        copies_(trials * n),
        block_cotangent_(trials * n),
        terminal_(n, 0.0) {}

  std::vector<double>& terminal() { return terminal_; }

  // Into the block's per-trial sums (the prefix solver's own one-trial loss stays 0: unused).
  void add_value(std::size_t k, const double* y, std::vector<double>&) const override {
    if (k < shared_) block_.add_value(k, copies_of(y), losses_);
  }

  void add_cotangent(std::size_t k, const double* y, double* dl_dy) const override {
    if (k < shared_) {
      std::fill(block_cotangent_.begin(), block_cotangent_.end(), 0.0);
      block_.add_cotangent(k, copies_of(y), block_cotangent_.data());
      for (std::size_t b = 0; b < trials_; ++b)
        for (std::size_t i = 0; i < n_; ++i) dl_dy[i] += block_cotangent_[b * n_ + i];
    }
    if (k == last_)
      for (std::size_t i = 0; i < n_; ++i) dl_dy[i] += terminal_[i];
  }

  std::size_t parameter_size() const override { return block_.parameter_size(); }

  void add_parameter_gradient(std::size_t k, const double* y, double* grad) const override {
    const std::size_t Q = block_.parameter_size();
    if (k >= shared_ || Q == 0) return;
    parameter_rows_.assign(trials_ * Q, 0.0);
    block_.add_parameter_gradient(k, copies_of(y), parameter_rows_.data());
    for (std::size_t b = 0; b < trials_; ++b)
      for (std::size_t j = 0; j < Q; ++j) grad[j] += parameter_rows_[b * Q + j];
  }

 private:
  const double* copies_of(const double* y) const {
    for (std::size_t b = 0; b < trials_; ++b)
      std::copy(y, y + n_, copies_.begin() + static_cast<std::ptrdiff_t>(b * n_));
    return copies_.data();
  }

  const ObservationCost& block_;
  std::size_t trials_, n_, shared_, last_;
  std::vector<double>& losses_;
  mutable std::vector<double> copies_, block_cotangent_, parameter_rows_;
  std::vector<double> terminal_;
};

// The block's loss from t_shared on: its observation K + k, and each trial's loss continued in the
// shared sums.
class SuffixCost final : public ObservationCost {
 public:
  SuffixCost(const ObservationCost& block, std::size_t first, std::vector<double>& losses)
      : block_(block), first_(first), losses_(losses) {}

  void add_value(std::size_t k, const double* y, std::vector<double>&) const override {
    block_.add_value(first_ + k, y, losses_);
  }
  void add_cotangent(std::size_t k, const double* y, double* dl_dy) const override {
    block_.add_cotangent(first_ + k, y, dl_dy);
  }
  const std::vector<std::size_t>* observed_components() const override {
    return block_.observed_components();
  }
  std::size_t parameter_size() const override { return block_.parameter_size(); }
  void add_parameter_gradient(std::size_t k, const double* y, double* grad) const override {
    block_.add_parameter_gradient(first_ + k, y, grad);
  }

 private:
  const ObservationCost& block_;
  std::size_t first_;
  std::vector<double>& losses_;
};

void add_statistics(SolverStatistics& into, const SolverStatistics& from) {
  into.steps += from.steps;
  into.rejected_steps += from.rejected_steps;
  into.rhs_evaluations += from.rhs_evaluations;
  into.jacobian_evaluations += from.jacobian_evaluations;
  into.nonlinear_iterations += from.nonlinear_iterations;
  into.linear_iterations += from.linear_iterations;
  into.wall_time_s += from.wall_time_s;
}

}  // namespace

GradientResult compute_with_shared_prefix(GradientSolver& prefix, GradientSolver& block,
                                          const SharedPrefixProblem& problem) {
  const auto& times = problem.observation_times;
  const std::size_t n = problem.trial_state.size(), B = problem.trials;
  if (problem.block_cost == nullptr || B == 0 || n == 0)
    throw std::invalid_argument("shared prefix: a block of trials, their state and their loss are needed");
  if (!(problem.t_shared > problem.t0) || times.empty() || !(problem.t_shared < times.back()))
    throw std::invalid_argument(
        "shared prefix: its end must lie after the start and before the last observation");

  // The observations up to t_shared belong to the prefix, the others to the block.
  const auto K = static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), problem.t_shared) -
                                          times.begin());
  std::vector<double> prefix_times(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(K));
  if (prefix_times.empty() || prefix_times.back() < problem.t_shared)
    prefix_times.push_back(problem.t_shared);
  const std::vector<double> block_times(times.begin() + static_cast<std::ptrdiff_t>(K), times.end());

  // Each trial's loss, summed over all observations in their order as the unshared block sums it:
  // the prefix's observations first (scored on the shared state), then the block's.
  std::vector<double> losses(B, 0.0);
  PrefixCost prefix_cost(*problem.block_cost, B, n, K, prefix_times.size() - 1, losses);
  const SuffixCost block_cost(*problem.block_cost, K, losses);

  GradientResult from_block;
  bool block_ran = false;
  GradientResult from_prefix = prefix.compute(
      problem.t0, problem.trial_state, prefix_times, prefix_cost, [&](const Solution& forward) {
        const double* shared = forward.state(prefix_times.size() - 1);
        std::vector<double> start(B * n);
        for (std::size_t b = 0; b < B; ++b)
          std::copy(shared, shared + n, start.begin() + static_cast<std::ptrdiff_t>(b * n));
        from_block = block.compute(problem.t_shared, start, block_times, block_cost);
        block_ran = true;
        if (!from_block.forward.ok()) return;  // the prefix's backward pass runs on, unused
        auto& terminal = prefix_cost.terminal();
        for (std::size_t b = 0; b < B; ++b)
          for (std::size_t i = 0; i < n; ++i) terminal[i] += from_block.dl_dy0[b * n + i];
      });
  if (!block_ran) {  // the prefix's forward solve failed
    from_prefix.loss_per_trial.clear();
    from_prefix.gradient.clear();
    return from_prefix;
  }

  GradientResult result = std::move(from_block);
  add_statistics(result.forward.statistics, from_prefix.forward.statistics);
  if (!result.forward.ok()) return result;
  result.loss_per_trial = std::move(losses);
  const std::size_t row = from_prefix.gradient.size();
  if (result.gradient.size() < row)
    throw std::logic_error("shared prefix: the block's gradient rows are shorter than the prefix's");
  for (std::size_t j = 0; j < row; ++j) result.gradient[j] += from_prefix.gradient[j];
  result.dl_dy0.clear();
  result.backward_rhs_evaluations += from_prefix.backward_rhs_evaluations;
  result.backward_transpose_products += from_prefix.backward_transpose_products;
  result.backward_steps += from_prefix.backward_steps;
  result.backward_linearised_steps += from_prefix.backward_linearised_steps;
  result.backward_wall_time_s += from_prefix.backward_wall_time_s;
  result.trajectory_bytes += from_prefix.trajectory_bytes;  // both are held until the end
  std::ostringstream method;
  method << result.method << ", [" << problem.t0 << ", " << problem.t_shared
         << "] s solved once for the block";
  result.method = method.str();
  return result;
}

}  // namespace neurode::solvers
