#pragma once
/// Stores the accepted steps of a forward solve for a gradient: every step's (t_start, t_end,
/// segment), which is small, and the state only every `checkpoint_every` steps, so that a long
/// run's memory stays bounded; the backward pass recomputes the states in between. Storage is
/// contiguous and reused across solves (no allocation per step once warm).
///
/// With every state stored (checkpoint_every = 1) and stage recording on, it also keeps each step's
/// stage linearisations from the forward pass (for the column model: f and f' of every population
/// at every stage that influences the step), so that the discrete adjoint does not evaluate the
/// model's expensive part again. A step whose stages the integrator could not identify is kept
/// without them, and the adjoint recomputes it.
#include <cstddef>
#include <limits>
#include <vector>

#include "solvers/solution.hpp"
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

  /// Keep the stage linearisations of each step (only with checkpoint_every = 1; off by default).
  void set_record_stages(bool record) { record_stages_ = record; }
  /// With stages recorded, keep a step's start state only if its stages were not recorded (plus
  /// the last step's and the final state): for models whose products from a linearisation do not
  /// read the state (Model::linearised_products_read_state), the backward pass never asks for the
  /// others, and they are most of the memory traffic of a batched Euler solve. Off by default.
  void set_states_only_where_needed(bool only) { states_only_where_needed_ = only; }

  void on_start(double t0, const double* y0, std::size_t n) override;
  void on_step(double t_start, double t_end, std::size_t segment, const double* y_end) override;
  bool wants_stage_linearisations() const override { return record_stages_ && stride_ == 1; }
  void on_step_stages(const double* const* stages, std::size_t count, std::size_t size) override;
  /// The next recorded step's slot, so that a batched solve's linearisations are written once,
  /// straight into the store, rather than written and then copied (a pass over memory per step).
  double* stage_destination(std::size_t count, std::size_t size) override;

  std::size_t steps() const { return steps_.size(); }
  std::size_t state_size() const { return n_; }
  std::size_t checkpoint_every() const { return stride_; }
  double t0() const { return t0_; }
  const StepRecord& step(std::size_t k) const { return steps_[k]; }
  /// State after step k - 1 (state 0 is the initial state); only for k a multiple of the stride,
  /// or k == steps() (the final state is always kept). With states only where needed: for the
  /// steps without recorded stages, the last step and k == steps(); std::logic_error otherwise.
  const double* checkpoint(std::size_t k) const;

  /// Step k's stage linearisations (stage_count() blocks of linearisation_size() doubles, stage
  /// order), or nullptr when step k was not recorded.
  const double* stage_linearisations(std::size_t k) const {
    if (k >= stage_slot_.size() || stage_slot_[k] == not_recorded) return nullptr;
    const std::size_t slot = stage_slot_[k];
    return &stage_chunks_[slot / steps_per_chunk]
                         [(slot % steps_per_chunk) * stage_count_ * linearisation_size_];
  }
  std::size_t stage_count() const { return stage_count_; }
  std::size_t linearisation_size() const { return linearisation_size_; }
  std::size_t recorded_steps() const { return recorded_steps_; }

  /// Bytes held by the stored states, step records and stage linearisations.
  std::size_t bytes() const;

 private:
  static constexpr std::size_t not_recorded = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t not_kept = std::numeric_limits<std::size_t>::max();
  bool eliding_states() const { return states_only_where_needed_ && wants_stage_linearisations(); }
  std::size_t stride_;
  bool record_stages_ = false;
  bool states_only_where_needed_ = false;
  /// When eliding: the start state of the last step, kept until the next step shows whether its
  /// stages were recorded; and per step, the position of its start state in states_ (or npos).
  std::vector<double> last_start_;
  std::vector<std::size_t> state_slot_;
  std::size_t n_ = 0;
  double t0_ = 0;
  std::vector<StepRecord> steps_;
  std::vector<double> states_;  ///< checkpoints, stride apart
  std::vector<double> final_;   ///< the last state
  /// Stages are kept in chunks of this many steps: no copy when they grow, at most one chunk
  /// more than needed, and the chunks are reused by the next solve.
  static constexpr std::size_t steps_per_chunk = 256;
  std::vector<std::size_t> stage_slot_;  ///< per step: its slot among the recorded steps, or not_recorded
  /// Each steps_per_chunk x stage_count x linearisation_size, not zero-filled: every slot is
  /// written before it is read, and a trainer's solver meets fresh chunks at every step.
  std::vector<std::vector<double, UninitialisedAllocator<double>>> stage_chunks_;
  std::size_t stage_count_ = 0, linearisation_size_ = 0, recorded_steps_ = 0;
  /// The slot of step `recorded_steps_`, made ready for count x size doubles (nullptr if it can
  /// not take that layout).
  double* next_slot(std::size_t count, std::size_t size);
};

}  // namespace neurode::solvers
