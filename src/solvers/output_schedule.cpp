#include "solvers/output_schedule.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace neurode::solvers {

OutputSchedule::OutputSchedule(std::size_t state_size, bool fixed_step, double nominal_dt,
                               const ButcherTableau* interpolant)
    : n_(state_size), fixed_step_(fixed_step), nominal_dt_(nominal_dt), tableau_(interpolant) {
  if (tableau_ == nullptr) return;
  const std::vector<bool> needed = tableau_->stages_needed();
  for (std::size_t i = 0; i < needed.size(); ++i)
    if (needed[i]) needed_stages_.push_back(i);
  weights_.resize(needed.size());
}

void OutputSchedule::start(double t0, const double* y0, const std::vector<double>& breakpoints,
                           Solution& out) {
  out_ = &out;
  const auto& times = out.times;
  const double t_end = times.back();
  stops_.clear();
  next_output_ = 0;
  if (times.front() == t0) {
    write_row(y0, out.states.data());
    out.valid_rows = 1;
    next_output_ = 1;
  }
  previous_state_.assign(y0, y0 + n_);
  previous_state_kept_ = true;
  if (fixed_step_ || tableau_ != nullptr)
    stops_.push_back({t_end, false});
  else
    for (std::size_t k = next_output_; k < times.size(); ++k) stops_.push_back({times[k], false});
  // The output stops are sorted already: the breakpoints are merged in, not the whole list sorted
  // (thousands of outputs per solve, a solve per group per training step).
  const auto earlier = [](const Stop& a, const Stop& b) { return a.time < b.time; };
  const std::size_t outputs = stops_.size();
  for (double b : breakpoints) {
    if (b <= t0 || b >= t_end) continue;
    const auto begin = stops_.begin(), end = begin + static_cast<std::ptrdiff_t>(outputs);
    auto it = std::lower_bound(begin, end, Stop{b}, earlier);    // the first output at or after b
    if (it != begin && same_time(std::prev(it)->time, b)) --it;  // or one a rounding error before
    if (it != end && same_time(it->time, b))
      it->breakpoint = true;
    else
      stops_.push_back({b, true});
  }
  const auto middle = stops_.begin() + static_cast<std::ptrdiff_t>(outputs);
  std::sort(middle, stops_.end(), earlier);
  std::inplace_merge(stops_.begin(), middle, stops_.end(), earlier);
  next_stop_ = 0;
  grid_origin_ = t0;
  grid_index_ = 0;
}

double OutputSchedule::step_end(double t, double dt) {
  double target = fixed_step_ ? grid_origin_ + static_cast<double>(grid_index_ + 1) * nominal_dt_ : t + dt;
  if (next_stop_ < stops_.size()) {
    const double stop = stops_[next_stop_].time;
    // Land on the stop when the step would reach it, or miss it by a sliver that would otherwise
    // become a step of rounding-error size.
    const double sliver = fixed_step_ ? 1e-6 * nominal_dt_ : 0.0;
    if (target >= stop - sliver) target = stop;
  }
  step_target_ = target;
  return target;
}

OutputSchedule::Landing OutputSchedule::land(double t, bool finite) {
  Landing landing{t, false, false};
  if (fixed_step_) {
    landing.t = step_target_;
    landing.moved = true;
    ++grid_index_;
  }
  if (finite && next_stop_ < stops_.size()) {
    const Stop& stop = stops_[next_stop_];
    if (same_time(landing.t, stop.time)) {
      landing.t = stop.time;
      landing.moved = true;
      landing.breakpoint = stop.breakpoint;
      if (stop.breakpoint) {
        grid_origin_ = landing.t;
        grid_index_ = 0;
      }
      ++next_stop_;
    }
  }
  return landing;
}

void OutputSchedule::write_row(const double* y, double* row) const {
  const auto& c = out_->components;
  if (c.empty())
    std::copy(y, y + n_, row);
  else
    for (std::size_t j = 0; j < c.size(); ++j) row[j] = y[c[j]];
}

// y(theta) = y_n + h sum_i b_i(theta) k_i, summed in stage order.
void OutputSchedule::interpolate_row(double theta, double h, const double* const* slopes, double* row) {
  if (!previous_state_kept_)
    throw std::logic_error("integrator: an output inside a step whose start was not kept");
  tableau_->interpolant.weights(theta, weights_.data());
  const auto& c = out_->components;
  const std::size_t width = c.empty() ? n_ : c.size();
  for (std::size_t j = 0; j < width; ++j) row[j] = previous_state_[c.empty() ? j : c[j]];
  for (std::size_t s = 0; s < needed_stages_.size(); ++s) {
    const double w = h * weights_[needed_stages_[s]];
    if (w == 0.0) continue;
    const double* k = slopes[s];
    if (c.empty())
      for (std::size_t j = 0; j < width; ++j) row[j] += w * k[j];
    else
      for (std::size_t j = 0; j < width; ++j) row[j] += w * k[c[j]];
  }
}

void OutputSchedule::record_outputs(double step_start, double t, const double* y,
                                    const double* const* slopes) {
  const auto& times = out_->times;
  while (next_output_ < times.size() && (times[next_output_] < t || same_time(times[next_output_], t))) {
    double* row = &out_->states[next_output_ * out_->state_size];
    if (same_time(times[next_output_], t)) {
      write_row(y, row);
    } else if (slopes != nullptr) {
      interpolate_row((times[next_output_] - step_start) / (t - step_start), t - step_start, slopes, row);
    } else {
      if (!previous_state_kept_)
        throw std::logic_error("integrator: an output inside a step whose start was not kept");
      const double theta = (times[next_output_] - step_start) / (t - step_start);
      const auto& c = out_->components;
      if (c.empty())
        for (std::size_t i = 0; i < n_; ++i) row[i] = (1.0 - theta) * previous_state_[i] + theta * y[i];
      else
        for (std::size_t j = 0; j < c.size(); ++j)
          row[j] = (1.0 - theta) * previous_state_[c[j]] + theta * y[c[j]];
    }
    out_->valid_rows = ++next_output_;
  }
  // y starts the next step. Adaptive steps land on every output, and a fixed step ends at most a
  // sliver after its grid point, so only an output before that can fall inside the next step and
  // need y: with sparse outputs, no copy of the whole state per step.
  // An adaptive step's length is not known in advance: with an interpolant, y is kept while
  // outputs remain.
  if (fixed_step_)
    previous_state_kept_ = next_output_ < times.size() &&
                           times[next_output_] < grid_origin_ +
                                                     static_cast<double>(grid_index_ + 1) * nominal_dt_ +
                                                     2e-6 * nominal_dt_;
  else
    previous_state_kept_ = tableau_ != nullptr && next_output_ < times.size();
  if (previous_state_kept_) std::copy(y, y + n_, previous_state_.begin());
}

}  // namespace neurode::solvers
