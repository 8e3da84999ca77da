#include "train/trajectory_loss.hpp"

#include "models/column/column_network.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace neurode::train {

std::vector<double> mean_over_all(std::size_t observations) {
  return std::vector<double>(observations, 1.0 / static_cast<double>(observations));
}

std::vector<double> final_time_only(std::size_t observations) {
  std::vector<double> w(observations, 0.0);
  if (observations) w.back() = 1.0;
  return w;
}

std::vector<double> mean_over_window(const std::vector<double>& times, double t0, double t1) {
  std::vector<double> w(times.size(), 0.0);
  std::size_t count = 0;
  for (std::size_t k = 0; k < times.size(); ++k)
    if (times[k] >= t0 && times[k] <= t1) ++count;
  if (count == 0) throw std::invalid_argument("loss window contains no observation time");
  for (std::size_t k = 0; k < times.size(); ++k)
    if (times[k] >= t0 && times[k] <= t1) w[k] = 1.0 / static_cast<double>(count);
  return w;
}

TrajectoryLoss::TrajectoryLoss(TrajectoryLossSpec spec) : spec_(std::move(spec)), transfer_(spec_.transfer) {
  const models::StateLayout layout = models::column_state_layout(spec_.populations);
  trial_size_ = layout.trial_size();
  v_ = layout.offset(layout.find("V"));
  a_ = layout.offset(layout.find("a"));
  r_ = layout.offset(layout.find("r"));
  const std::size_t outputs = spec_.readout_weights.empty() ? spec_.loss_populations.size() : 1;
  if (!spec_.readout_weights.empty() && spec_.readout_weights.size() != spec_.loss_populations.size())
    throw std::invalid_argument("loss: one read-out weight per loss population is needed");
  const std::size_t expected = spec_.trials * spec_.observation_weights.size() * outputs;
  if (spec_.targets.size() != expected)
    throw std::invalid_argument("loss: " + std::to_string(spec_.targets.size()) + " targets, expected " +
                                std::to_string(expected) + " (trials x observations x populations)");
  for (auto p : spec_.loss_populations)
    if (p >= spec_.populations) throw std::invalid_argument("loss: population index outside the network");
  if (spec_.kind == LossKind::huber && !(spec_.huber_beta > 0))
    throw std::invalid_argument("loss: huber beta must be > 0");
  if (!spec_.trial_weights.empty() && spec_.trial_weights.size() != spec_.trials)
    throw std::invalid_argument("loss: one trial weight per trial is needed");
  if (!(spec_.rate_limit >= 0) || !(spec_.rate_limit_weight >= 0))
    throw std::invalid_argument("loss: the rate limit and its weight must be >= 0");
  // What readout() and the activity bound read, per trial (by the column state layout).
  const std::size_t n = spec_.populations;
  std::vector<bool> read(trial_size_, false);
  for (auto p : spec_.loss_populations) {
    if (spec_.readout == Readout::state_rate) {
      read[r_ + p] = true;
    } else {
      read[v_ + p] = true;
      read[a_ + p] = true;
    }
  }
  if (rate_limited())
    for (std::size_t p = 0; p < n; ++p) read[r_ + p] = true;
  for (std::size_t trial = 0; trial < spec_.trials; ++trial)
    for (std::size_t i = 0; i < trial_size_; ++i)
      if (read[i]) observed_.push_back(trial_size_ * trial + i);
}

double TrajectoryLoss::readout(const double* y, std::size_t p, double* slope) const {
  if (spec_.readout == Readout::state_rate) {
    if (slope) *slope = 1.0;
    return y[r_ + p];
  }
  const auto rs = transfer_.rate_and_slope(y[v_ + p] - y[a_ + p]);
  if (slope) *slope = rs.slope;
  return rs.rate;
}

// Huber as in PyTorch's smooth_l1_loss: 0.5 x^2 / beta inside |x| < beta, |x| - 0.5 beta outside.
double TrajectoryLoss::penalty(double x) const {
  switch (spec_.kind) {
    case LossKind::mse:
      return x * x;
    case LossKind::l1:
      return std::abs(x);
    case LossKind::huber: {
      const double b = spec_.huber_beta;
      return std::abs(x) < b ? 0.5 * x * x / b : std::abs(x) - 0.5 * b;
    }
  }
  return 0;
}

double TrajectoryLoss::penalty_slope(double x) const {
  switch (spec_.kind) {
    case LossKind::mse:
      return 2 * x;
    case LossKind::l1:
      return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
    case LossKind::huber: {
      const double b = spec_.huber_beta;
      return std::abs(x) < b ? x / b : (x > 0 ? 1.0 : -1.0);
    }
  }
  return 0;
}

double TrajectoryLoss::output(const double* y, std::size_t trial) const {
  const double* yb = y + trial_size_ * trial;
  double q = 0;
  for (std::size_t p = 0; p < spec_.loss_populations.size(); ++p)
    q += spec_.readout_weights[p] * readout(yb, spec_.loss_populations[p], nullptr);
  return q;
}

void TrajectoryLoss::add_parameter_gradient(std::size_t k, const double* y, double* grad) const {
  const double w = spec_.observation_weights[k];
  if (w == 0.0 || !spec_.readout_trainable) return;
  const std::size_t K = spec_.observation_weights.size(), P = spec_.loss_populations.size();
  for (std::size_t b = 0; b < spec_.trials; ++b) {
    const double d = w * trial_weight(b) * penalty_slope(output(y, b) - spec_.targets[b * K + k]);
    const double* yb = y + trial_size_ * b;
    for (std::size_t p = 0; p < P; ++p)
      grad[b * P + p] += d * readout(yb, spec_.loss_populations[p], nullptr);
  }
}

void TrajectoryLoss::add_value(std::size_t k, const double* y, std::vector<double>& per_trial) const {
  if (rate_limited()) {
    const std::size_t n = spec_.populations;
    const double scale = spec_.rate_limit_weight / static_cast<double>(spec_.observation_weights.size());
    for (std::size_t b = 0; b < spec_.trials; ++b) {
      const double* r = y + trial_size_ * b + r_;
      double sum = 0;
      for (std::size_t p = 0; p < n; ++p) {
        const double excess = std::max(0.0, r[p] - spec_.rate_limit);
        sum += excess * excess;
      }
      per_trial[b] += scale * sum;
    }
  }
  const double w = spec_.observation_weights[k];
  if (w == 0.0) return;
  if (!spec_.readout_weights.empty()) {
    const std::size_t K = spec_.observation_weights.size();
    for (std::size_t b = 0; b < spec_.trials; ++b)
      per_trial[b] += w * trial_weight(b) * penalty(output(y, b) - spec_.targets[b * K + k]);
    return;
  }
  const std::size_t K = spec_.observation_weights.size(), P = spec_.loss_populations.size();
  for (std::size_t b = 0; b < spec_.trials; ++b) {
    const double* yb = y + trial_size_ * b;
    double sum = 0;
    for (std::size_t p = 0; p < P; ++p)
      sum += penalty(readout(yb, spec_.loss_populations[p], nullptr) - spec_.targets[(b * K + k) * P + p]);
    per_trial[b] += w * trial_weight(b) * sum;
  }
}

void TrajectoryLoss::add_cotangent(std::size_t k, const double* y, double* dl_dy) const {
  if (rate_limited()) {
    const std::size_t n = spec_.populations;
    const double scale = spec_.rate_limit_weight / static_cast<double>(spec_.observation_weights.size());
    for (std::size_t b = 0; b < spec_.trials; ++b) {
      const double* r = y + trial_size_ * b + r_;
      double* g = dl_dy + trial_size_ * b + r_;
      for (std::size_t p = 0; p < n; ++p) g[p] += 2 * scale * std::max(0.0, r[p] - spec_.rate_limit);
    }
  }
  const double w = spec_.observation_weights[k];
  if (w == 0.0) return;
  const std::size_t K = spec_.observation_weights.size(), P = spec_.loss_populations.size();
  const bool weighted = !spec_.readout_weights.empty();
  for (std::size_t b = 0; b < spec_.trials; ++b) {
    const double* yb = y + trial_size_ * b;
    double* gb = dl_dy + trial_size_ * b;
    const double wb = w * trial_weight(b);
    const double output_slope = weighted ? wb * penalty_slope(output(y, b) - spec_.targets[b * K + k]) : 0.0;
    for (std::size_t p = 0; p < P; ++p) {
      const std::size_t pop = spec_.loss_populations[p];
      double slope = 0;
      const double q = readout(yb, pop, &slope);
      const double d = weighted ? output_slope * spec_.readout_weights[p] * slope
                                : wb * penalty_slope(q - spec_.targets[(b * K + k) * P + p]) * slope;
      if (spec_.readout == Readout::state_rate) {
        gb[r_ + pop] += d;
      } else {  // f(V - a)
        gb[v_ + pop] += d;
        gb[a_ + pop] -= d;
      }
    }
  }
}

}  // namespace neurode::train
