#include "solvers/stage_recorder.hpp"

#include <algorithm>
#include <cmath>

namespace neurode::solvers {

StageRecorder::StageRecorder(ButcherTableau tableau) : tableau_(std::move(tableau)) {
  if (tableau_.stages == 0) return;
  stage_needed_ = tableau_.stages_needed();
  stage_data_.assign(static_cast<std::size_t>(tableau_.stages), nullptr);
}

void StageRecorder::start(const models::Model& model, StepObserver* observer) {
  const bool wanted = observer && model.linearisation_size() > 0 && observer->wants_stage_linearisations();
  start_recording(wanted ? model.linearisation_size() : 0, wanted ? observer : nullptr);
}

void StageRecorder::start_recording(std::size_t record_size, StepObserver* sink) {
  observer_ = sink;
  linearisation_size_ = record_size;
  recording_ = sink && tableau_.stages > 0 && record_size > 0;
  evaluations_.clear();
  carry_valid_ = false;
  stage_slot_ = nullptr;
  record_in_place_ = recording_ && !tableau_.fsal &&
                     std::all_of(stage_needed_.begin(), stage_needed_.end(), [](bool b) { return b; });
}

double* StageRecorder::evaluation_at(std::size_t k) {
  const std::size_t L = linearisation_size_;
  if (stage_slot_ != nullptr && k < static_cast<std::size_t>(tableau_.stages)) return stage_slot_ + k * L;
  return &evaluation_data_[k * L];
}

double* StageRecorder::destination(double t, std::size_t segment) {
  const std::size_t L = linearisation_size_, k = evaluations_.size();
  if ((k + 1) * L > evaluation_data_.size())
    evaluation_data_.resize(std::max((k + 1) * L, 2 * evaluation_data_.size()));
  if (record_in_place_ && k == 0)
    stage_slot_ = observer_->stage_destination(static_cast<std::size_t>(tableau_.stages), L);
  if (stage_slot_ != nullptr && k == static_cast<std::size_t>(tableau_.stages)) {
    // More evaluations than stages in one step (a rejected attempt): the accepted stages will be
    // the last ones, so the step goes on in evaluation_data_, with what was recorded in place.
    std::copy(stage_slot_, stage_slot_ + k * L, evaluation_data_.begin());
    stage_slot_ = nullptr;
  }
  double* destination = evaluation_at(k);
  evaluations_.push_back({t, segment});
  return destination;
}

// Stage i > 0 must be the (s - i)-th last evaluation, at t_start + c_i h on the step's segment;
// stage 0 is the evaluation just before stage 1, or, for an FSAL method that did not re-evaluate
// it, the previous step's last stage.
void StageRecorder::hand_over(double t_start, double t_end, std::size_t step_segment) {
  const int s = tableau_.stages;
  const std::size_t L = linearisation_size_;
  const double h = t_end - t_start;
  const double tolerance = 1e-12 * std::max({1.0, std::abs(t_start), std::abs(t_end)});
  auto matches = [&](const Evaluation& e, int i) {
    return e.segment == step_segment &&
           std::abs(e.t - (t_start + tableau_.c[static_cast<std::size_t>(i)] * h)) <= tolerance;
  };
  std::size_t next = evaluations_.size();
  bool ok = true;
  for (int i = s - 1; i >= 1 && ok; --i) {
    if (next == 0 || !matches(evaluations_[next - 1], i)) {
      ok = false;
    } else {
      --next;
      stage_data_[static_cast<std::size_t>(i)] = evaluation_at(next);
    }
  }
  if (ok) {
    if (next > 0 && matches(evaluations_[next - 1], 0))
      stage_data_[0] = evaluation_at(next - 1);
    else if (tableau_.fsal && carry_valid_ && matches(carry_evaluation_, 0))
      stage_data_[0] = carry_.data();
    else
      ok = false;
  }
  if (ok) {
    needed_data_.clear();
    for (int i = 0; i < s; ++i)
      if (stage_needed_[static_cast<std::size_t>(i)])
        needed_data_.push_back(stage_data_[static_cast<std::size_t>(i)]);
    observer_->on_step_stages(needed_data_.data(), needed_data_.size(), L);
  }
  if (tableau_.fsal) {
    carry_valid_ = ok;
    if (ok) {
      const double* last = stage_data_[static_cast<std::size_t>(s - 1)];
      carry_.assign(last, last + L);
      carry_evaluation_ = evaluations_.back();
    }
  }
  evaluations_.clear();
  stage_slot_ = nullptr;
}

void StageRecorder::discard() {
  evaluations_.clear();
  stage_slot_ = nullptr;
  carry_valid_ = false;
}

}  // namespace neurode::solvers
