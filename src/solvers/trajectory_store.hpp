#pragma once
/// Stores the accepted steps of a forward solve for a gradient: every step's (t_start, t_end,
/// segment), which is small, and the state only every `checkpoint_every` steps, so that a long
/// run's memory stays bounded; the backward pass recomputes the states in between. Storage is
/// contiguous and reused across solves (no allocation per step once warm).
#include <cstddef>
#include <vector>

#include "solvers/step_observer.hpp"

namespace neurode::solvers {

struct StepRecord {
  double t_start;
  double t_end;
  std::size_t segment;
};

class TrajectoryStore final : public StepObserver {
 public:
  /// checkpoint_every = 1 stores every state; k > 1 stores states 0, k, 2k, ...
  explicit TrajectoryStore(std::size_t checkpoint_every = 1);

  void on_start(double t0, const double* y0, std::size_t n) override;
  void on_step(double t_start, double t_end, std::size_t segment, const double* y_end) override;

  std::size_t steps() const { return steps_.size(); }
  std::size_t state_size() const { return n_; }
  std::size_t checkpoint_every() const { return stride_; }
  double t0() const { return t0_; }
  const StepRecord& step(std::size_t k) const { return steps_[k]; }
  /// State after step k - 1 (state 0 is the initial state); only for k a multiple of the stride,
  /// or k == steps() (the final state is always kept).
  const double* checkpoint(std::size_t k) const;
  /// Bytes held by the stored states and step records.
  std::size_t bytes() const;

 private:
  std::size_t stride_;
  std::size_t n_ = 0;
  double t0_ = 0;
  std::vector<StepRecord> steps_;
  std::vector<double> states_;  ///< checkpoints, stride apart
  std::vector<double> final_;   ///< the last state
};

}  // namespace neurode::solvers
