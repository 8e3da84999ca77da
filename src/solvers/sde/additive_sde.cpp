#include "solvers/sde/additive_sde.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>

#include "mpi/interruption.hpp"

namespace neurode::solvers {
namespace {

// Step-size factors of the controller: the local error of the embedded Euler-Maruyama step is
// O(h^1.5) where the noise dominates and O(h^2) where the drift does; the square root's exponent
// is the cautious one of the two.
constexpr double kSafety = 0.9, kShrinkLimit = 0.2, kGrowLimit = 5.0;

bool all_finite(const double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(y[i])) return false;
  return true;
}

}  // namespace

AdditiveSdeSolver::AdditiveSdeSolver(models::Model& drift, AdditiveNoiseSpec noise,
                                     std::vector<models::BrownianTree>& paths, SdeSettings settings)
    : drift_(drift), noise_(std::move(noise)), paths_(paths), settings_(std::move(settings)) {
  n_ = drift_.state_size();
  trial_block_ = n_ / drift_.trial_count();
  if (noise_.sigma.size() != noise_.components.size())
    throw std::invalid_argument("SDE: expected one sigma per noisy component");
  for (std::size_t c : noise_.components)
    if (c >= trial_block_) throw std::invalid_argument("SDE: a noisy component lies outside its trial");
  if (paths_.size() != drift_.trial_count())
    throw std::invalid_argument("SDE: expected one Brownian tree per trial");
  for (const auto& path : paths_)
    if (path.components() != noise_.components.size())
      throw std::invalid_argument("SDE: a Brownian tree's components differ from the noisy components");
  if (settings_.adaptive && settings_.scheme == SdeScheme::euler_maruyama)
    throw std::invalid_argument(
        "SDE: Euler-Maruyama has no error estimate; use a fixed step or the adaptive SRA1 scheme");
  if (!(settings_.dt > 0)) throw std::invalid_argument("SDE: expected a step dt > 0");
  k1_.resize(n_);
  k2_.resize(n_);
  const std::size_t m = noise_.components.size() * paths_.size();
  dW_.resize(m);
  Z_.resize(m);
}

double AdditiveSdeSolver::try_step(double t, double h, std::size_t segment, const double* y, double* y_next,
                                   double* stage) {
  const std::size_t m = noise_.components.size();
  for (std::size_t b = 0; b < paths_.size(); ++b) paths_[b].increment(t, t + h, &dW_[b * m], &Z_[b * m]);
  drift_.rhs(t, segment, y, k1_.data());
  if (settings_.scheme == SdeScheme::euler_maruyama) {
    for (std::size_t i = 0; i < n_; ++i) y_next[i] = y[i] + h * k1_[i];
  } else {
    for (std::size_t i = 0; i < n_; ++i) stage[i] = y[i] + 0.75 * h * k1_[i];
    for (std::size_t b = 0; b < paths_.size(); ++b)
      for (std::size_t j = 0; j < m; ++j)
        stage[b * trial_block_ + noise_.components[j]] += 1.5 * noise_.sigma[j] * Z_[b * m + j] / h;
    drift_.rhs(t + 0.75 * h, segment, stage, k2_.data());
    for (std::size_t i = 0; i < n_; ++i) y_next[i] = y[i] + h * (k1_[i] / 3.0 + 2.0 * k2_[i] / 3.0);
  }
  for (std::size_t b = 0; b < paths_.size(); ++b)
    for (std::size_t j = 0; j < m; ++j)
      y_next[b * trial_block_ + noise_.components[j]] += noise_.sigma[j] * dW_[b * m + j];
  if (!settings_.adaptive || settings_.scheme != SdeScheme::sra1) return 0.0;
  // Weighted RMS of the difference to Euler-Maruyama on the same increments.
  double sum = 0;
  for (std::size_t i = 0; i < n_; ++i) {
    const double e = 2.0 / 3.0 * h * (k2_[i] - k1_[i]);
    const double scale = settings_.atol + settings_.rtol * std::max(std::abs(y[i]), std::abs(y_next[i]));
    sum += (e / scale) * (e / scale);
  }
  return std::sqrt(sum / static_cast<double>(n_));
}

SdeSolution AdditiveSdeSolver::solve(double t0, const std::vector<double>& y0,
                                     const std::vector<double>& output_times) {
  if (y0.size() != n_) throw std::invalid_argument("SDE: the initial state has the wrong size");
  if (output_times.empty() || output_times.front() < t0 ||
      !std::is_sorted(output_times.begin(), output_times.end()))
    throw std::invalid_argument("SDE: expected increasing output times >= t0");
  SdeSolution out;
  out.times = output_times;
  out.states.resize(output_times.size() * n_);
  steps_.clear();
  start_states_.clear();
  stages_.clear();
  initial_outputs_.clear();
  const double scale = std::max(1.0, std::abs(output_times.back()));
  const double eps = 1e-12 * scale;
  std::size_t next = 0;
  while (next < output_times.size() && output_times[next] <= t0 + eps) {
    std::copy(y0.begin(), y0.end(), out.states.begin() + static_cast<std::ptrdiff_t>(next * n_));
    initial_outputs_.push_back(next++);
  }
  const auto& breaks = drift_.breakpoints();
  std::vector<double> y = y0, y_next(n_), stage(n_);
  double t = t0, h = settings_.dt;
  const bool frozen = !settings_.frozen_steps.empty();
  std::size_t frozen_index = 0;
  while (next < output_times.size()) {
    // The next stop: an output time or a breakpoint of the drift, whichever comes first.
    double stop = output_times[next];
    const auto b = std::upper_bound(breaks.begin(), breaks.end(), t + eps);
    if (b != breaks.end() && *b < stop - eps) stop = *b;
    const std::size_t segment = models::segment_at(breaks, t);
    double step, end;
    if (frozen) {
      if (frozen_index >= settings_.frozen_steps.size()) {
        out.message = "SDE: the frozen steps end before the last output time";
        return out;
      }
      std::tie(step, end) = settings_.frozen_steps[frozen_index++];
      try_step(t, step, segment, y.data(), y_next.data(), stage.data());
      out.rhs_evaluations += settings_.scheme == SdeScheme::sra1 ? 2 : 1;
    } else {
      const double wanted = h;
      for (;;) {
        step = std::min(h, stop - t);
        end = t + step >= stop - eps ? stop : t + step;
        if (end == stop) {
          step = stop - t;
        } else if (settings_.adaptive) {
          // Shortened to a point of a coarse level of the trees: such an end costs the trees a walk
          // of the levels above it, not of their whole depth.
          end = paths_.front().dyadic_end(t, end);
          step = end - t;
        }
        const double error = try_step(t, step, segment, y.data(), y_next.data(), stage.data());
        out.rhs_evaluations += settings_.scheme == SdeScheme::sra1 ? 2 : 1;
        if (!settings_.adaptive) break;
        const double factor =
            error == 0 ? kGrowLimit : std::clamp(kSafety / std::sqrt(error), kShrinkLimit, kGrowLimit);
        if (error <= 1.0 || step <= settings_.dt_min) {
          // A step cut short by a stop does not shrink the next one.
          h = end == stop ? std::max(step * factor, std::min(wanted, step * kGrowLimit)) : step * factor;
          break;
        }
        ++out.rejected;
        h = std::max(step * factor, settings_.dt_min);
      }
    }
    if (!all_finite(y_next.data(), n_)) {
      out.message = "SDE: the solution became non-finite at t = " + std::to_string(t);
      return out;
    }
    steps_.push_back({t, step, segment, {}});
    if (settings_.keep_for_gradient) {
      start_states_.insert(start_states_.end(), y.begin(), y.end());
      if (settings_.scheme == SdeScheme::sra1) stages_.insert(stages_.end(), stage.begin(), stage.end());
    }
    out.steps.emplace_back(step, end);
    std::swap(y, y_next);
    t = end;
    while (next < output_times.size() && output_times[next] <= t + eps) {
      std::copy(y.begin(), y.end(), out.states.begin() + static_cast<std::ptrdiff_t>(next * n_));
      steps_.back().outputs.push_back(next++);
    }
    if (next < output_times.size() && mpi::interruption_requested()) {
      // As the PETSc solves do: the step in hand is finished, the caller decides what to keep.
      out.interrupted = true;
      out.message =
          "interrupted by " + mpi::interruption_signal_name() + " at t = " + std::to_string(t) + " s";
      return out;
    }
    if (static_cast<long>(steps_.size()) > settings_.max_steps) {
      out.message = "SDE: more than " + std::to_string(settings_.max_steps) +
                    " steps before t = " + std::to_string(output_times.back());
      return out;
    }
  }
  out.ok = true;
  return out;
}

SdeGradient AdditiveSdeSolver::gradient(const SdeSolution& solution, const ObservationCost& cost) {
  if (!solution.ok) throw std::logic_error("SDE gradient: the forward solve failed");
  if (!settings_.keep_for_gradient)
    throw std::logic_error("SDE gradient: the solver was set up without keep_for_gradient");
  SdeGradient out;
  out.loss_per_trial.assign(drift_.trial_count(), 0.0);
  for (std::size_t k = 0; k < solution.times.size(); ++k)
    cost.add_value(k, solution.state(k), out.loss_per_trial);
  const std::size_t P = drift_.parameter_size();
  out.gradient.assign(drift_.gradient_rows() * P, 0.0);
  std::vector<double> lambda(n_, 0.0), w(n_), mu(n_), nu(n_);
  for (std::size_t s = steps_.size(); s-- > 0;) {
    const Step& step = steps_[s];
    for (std::size_t k : step.outputs) cost.add_cotangent(k, solution.state(k), lambda.data());
    const double* y = &start_states_[s * n_];
    const double h = step.h;
    if (settings_.scheme == SdeScheme::euler_maruyama) {
      for (std::size_t i = 0; i < n_; ++i) w[i] = h * lambda[i];
      drift_.vector_jacobian_products(step.t, step.segment, y, w.data(), nu.data(), out.gradient.data());
      for (std::size_t i = 0; i < n_; ++i) lambda[i] += nu[i];
      out.transpose_products += 1;
    } else {
      // y+ = y + h/3 F(t, y) + 2h/3 F(t + 3h/4, H), H = y + 3h/4 F(t, y) + noise.
      for (std::size_t i = 0; i < n_; ++i) w[i] = 2.0 / 3.0 * h * lambda[i];
      drift_.vector_jacobian_products(step.t + 0.75 * h, step.segment, &stages_[s * n_], w.data(), mu.data(),
                                      out.gradient.data());
      for (std::size_t i = 0; i < n_; ++i) w[i] = h / 3.0 * lambda[i] + 0.75 * h * mu[i];
      drift_.vector_jacobian_products(step.t, step.segment, y, w.data(), nu.data(), out.gradient.data());
      for (std::size_t i = 0; i < n_; ++i) lambda[i] += mu[i] + nu[i];
      out.transpose_products += 2;
    }
  }
  for (std::size_t k : initial_outputs_) cost.add_cotangent(k, solution.state(k), lambda.data());
  out.dl_dy0 = std::move(lambda);
  return out;
}

}  // namespace neurode::solvers
