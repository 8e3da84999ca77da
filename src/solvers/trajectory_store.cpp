#include "solvers/trajectory_store.hpp"

#include <algorithm>
#include <stdexcept>

namespace neurode::solvers {

TrajectoryStore::TrajectoryStore(std::size_t checkpoint_every) : stride_(checkpoint_every) {
  if (stride_ == 0) throw std::invalid_argument("checkpoint_every must be >= 1");
}

void TrajectoryStore::on_start(double t0, const double* y0, std::size_t n) {
  n_ = n;
  t0_ = t0;
  steps_.clear();
  final_.assign(y0, y0 + n);
  if (eliding_states())
    states_.clear();
  else
    states_.assign(y0, y0 + n);
  state_slot_.clear();
  stage_slot_.clear();
  stage_count_ = linearisation_size_ = recorded_steps_ = 0;
}

void TrajectoryStore::on_step(double t_start, double t_end, std::size_t segment, const double* y_end) {
  if (eliding_states()) {
    // The previous step's stages were handed over (or not) before this step ended: keep its start
    // state only if they were not. This step's start state is the previous final state.
    const std::size_t k = steps_.size();
    if (k > 0 && stage_slot_[k - 1] == not_recorded) {
      state_slot_[k - 1] = states_.size();
      states_.insert(states_.end(), last_start_.begin(), last_start_.end());
    }
    std::swap(last_start_, final_);
    final_.assign(y_end, y_end + n_);
    state_slot_.push_back(not_kept);
  } else {
    if ((steps_.size() + 1) % stride_ == 0) states_.insert(states_.end(), y_end, y_end + n_);
    std::copy(y_end, y_end + n_, final_.begin());
  }
  steps_.push_back({t_start, t_end, segment});
  if (wants_stage_linearisations()) stage_slot_.push_back(not_recorded);
}

double* TrajectoryStore::next_slot(std::size_t count, std::size_t size) {
  if (recorded_steps_ > 0 && (count != stage_count_ || size != linearisation_size_))
    return nullptr;  // not the layout of the other steps: leave this one to be recomputed
  const std::size_t slot = recorded_steps_;
  const std::size_t block = count * size;
  const std::size_t chunk = slot / steps_per_chunk;
  if (chunk == stage_chunks_.size()) stage_chunks_.emplace_back();
  // A chunk from an earlier solve with another layout is resized once (same size: no allocation).
  if (stage_chunks_[chunk].size() != steps_per_chunk * block) {
    stage_chunks_[chunk] = {};
    stage_chunks_[chunk].resize(steps_per_chunk * block);
  }
  return &stage_chunks_[chunk][(slot % steps_per_chunk) * block];
}

double* TrajectoryStore::stage_destination(std::size_t count, std::size_t size) {
  if (!wants_stage_linearisations() || count == 0 || size == 0) return nullptr;
  return next_slot(count, size);
}

void TrajectoryStore::on_step_stages(const double* const* stages, std::size_t count, std::size_t size) {
  if (!wants_stage_linearisations() || stage_slot_.size() != steps_.size() || steps_.empty() || count == 0 ||
      size == 0)
    return;
  double* out = next_slot(count, size);
  if (out == nullptr) return;
  stage_count_ = count;
  linearisation_size_ = size;
  // Stages recorded in place (stage_destination) are already where they belong.
  for (std::size_t i = 0; i < count; ++i, out += size)
    if (stages[i] != out) std::copy(stages[i], stages[i] + size, out);
  stage_slot_.back() = recorded_steps_;
  ++recorded_steps_;
}

const double* TrajectoryStore::checkpoint(std::size_t k) const {
  if (k == steps_.size()) return final_.data();
  if (eliding_states()) {
    if (k < state_slot_.size() && state_slot_[k] != not_kept) return &states_[state_slot_[k]];
    if (k + 1 == steps_.size()) return last_start_.data();
    throw std::logic_error("state " + std::to_string(k) + " was not kept: its step has recorded stages");
  }
  if (k % stride_ != 0) throw std::logic_error("state " + std::to_string(k) + " is not a checkpoint");
  return &states_[(k / stride_) * n_];
}

std::size_t TrajectoryStore::bytes() const {
  std::size_t stage_doubles = 0;
  for (const auto& chunk : stage_chunks_) stage_doubles += chunk.capacity();
  return (states_.capacity() + final_.capacity() + last_start_.capacity() + stage_doubles) * sizeof(double) +
         steps_.capacity() * sizeof(StepRecord) +
         (stage_slot_.capacity() + state_slot_.capacity()) * sizeof(std::size_t);
}

}  // namespace neurode::solvers
