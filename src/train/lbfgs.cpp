#include "train/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "train/finite_values.hpp"
#include "train/trainer.hpp"

namespace neurode::train {
namespace {

double dot(const double* a, const double* b, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

double largest_magnitude(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// The Armijo constant and the backtracking factor: the textbook values (Nocedal & Wright).
constexpr double kSufficientDecrease = 1e-4;
constexpr double kBacktrack = 0.5;
constexpr int kTrialPoints = 12;

}  // namespace

Lbfgs::Lbfgs(OptimizerSettings settings, std::size_t parameters)
    : settings_(std::move(settings)), n_(parameters), gradient_(parameters, 0.0) {
  validate(settings_);
  const auto m = static_cast<std::size_t>(settings_.lbfgs_memory);
  steps_.assign(m * n_, 0.0);
  changes_.assign(m * n_, 0.0);
}

std::size_t Lbfgs::state_size(std::size_t parameters, int memory) {
  return 4 + parameters + 2 * static_cast<std::size_t>(memory) * parameters;
}

std::vector<double> Lbfgs::to_coordinates(const std::vector<double>& p) const {
  if (!multiplicative()) return p;
  std::vector<double> u(n_, 0.0);
  for (std::size_t i = 0; i < n_; ++i) u[i] = p[i] == 0.0 ? 0.0 : std::log(std::abs(p[i]));
  return u;
}

std::vector<double> Lbfgs::from_coordinates(const std::vector<double>& u,
                                            const std::vector<double>& like) const {
  if (!multiplicative()) return u;
  std::vector<double> p(n_, 0.0);
  for (std::size_t i = 0; i < n_; ++i) p[i] = like[i] == 0.0 ? 0.0 : std::copysign(std::exp(u[i]), like[i]);
  return p;
}

std::vector<double> Lbfgs::coordinate_gradient(const std::vector<double>& p, std::vector<double> g) const {
  if (multiplicative())  // dL/dlog|p| = p dL/dp; 0 for a weight frozen at 0
    for (std::size_t i = 0; i < n_; ++i) g[i] *= p[i];
  return g;
}

// The two-loop recursion: -H g, H the inverse-Hessian approximation of the stored pairs with the
// initial scaling s'y / y'y of the newest pair.
std::vector<double> Lbfgs::direction(const std::vector<double>& gradient) const {
  const std::size_t m = static_cast<std::size_t>(settings_.lbfgs_memory);
  std::vector<double> q = gradient;
  std::vector<double> alpha(pairs_, 0.0), rho(pairs_, 0.0);
  for (std::size_t k = 0; k < pairs_; ++k) {  // newest to oldest
    const std::size_t slot = (newest_ + m - k) % m;
    const double* s = &steps_[slot * n_];
    const double* y = &changes_[slot * n_];
    rho[k] = 1.0 / dot(y, s, n_);
    alpha[k] = rho[k] * dot(s, q.data(), n_);
    for (std::size_t i = 0; i < n_; ++i) q[i] -= alpha[k] * y[i];
  }
  if (pairs_ > 0) {
    const double* s = &steps_[newest_ * n_];
    const double* y = &changes_[newest_ * n_];
    const double gamma = dot(s, y, n_) / dot(y, y, n_);
    for (double& v : q) v *= gamma;
  }
  for (std::size_t k = pairs_; k-- > 0;) {  // oldest to newest
    const std::size_t slot = (newest_ + m - k) % m;
    const double* s = &steps_[slot * n_];
    const double* y = &changes_[slot * n_];
    const double beta = rho[k] * dot(y, q.data(), n_);
    for (std::size_t i = 0; i < n_; ++i) q[i] += (alpha[k] - beta) * s[i];
  }
  for (double& v : q) v = -v;
  return q;
}

void Lbfgs::remember(const std::vector<double>& step, const std::vector<double>& change) {
  // Only pairs of positive curvature keep H positive definite; the others are skipped.
  const double sy = dot(step.data(), change.data(), n_);
  if (!(sy > 1e-12 * std::sqrt(dot(step.data(), step.data(), n_) * dot(change.data(), change.data(), n_))))
    return;
  const std::size_t m = static_cast<std::size_t>(settings_.lbfgs_memory);
  newest_ = pairs_ == 0 ? 0 : (newest_ + 1) % m;
  std::copy(step.begin(), step.end(), steps_.begin() + static_cast<std::ptrdiff_t>(newest_ * n_));
  std::copy(change.begin(), change.end(), changes_.begin() + static_cast<std::ptrdiff_t>(newest_ * n_));
  pairs_ = std::min(pairs_ + 1, m);
}

Lbfgs::Iteration Lbfgs::iterate(std::vector<double>& parameters, const Evaluate& evaluate,
                                const Project& project) {
  if (parameters.size() != n_) throw std::invalid_argument("lbfgs: parameter count differs");
  Iteration result;
  const auto evaluate_at = [&](const std::vector<double>& p, double& loss, std::vector<double>& g) {
    ++result.evaluations;
    try {
      auto [value, gradient] = evaluate(p);
      loss = value;
      g = coordinate_gradient(p, std::move(gradient));
      return std::isfinite(loss) && all_finite(g);
    } catch (const TrainingFailure&) {
      return false;  // the model did not integrate there: too far
    }
  };
  if (!has_point_) {
    std::vector<double> g;
    if (!evaluate_at(parameters, loss_, g))
      throw TrainingFailure("the loss or its gradient is not finite at the starting point");
    gradient_ = std::move(g);
    has_point_ = true;
  }
  {
    std::vector<double> dp = gradient_;  // |dL/dp|, for the progress line
    if (multiplicative())
      for (std::size_t i = 0; i < n_; ++i) dp[i] = parameters[i] == 0.0 ? 0.0 : gradient_[i] / parameters[i];
    result.gradient_norm = std::sqrt(dot(dp.data(), dp.data(), n_));
  }

  std::vector<double> d = direction(gradient_);
  double slope = dot(d.data(), gradient_.data(), n_);
  if (!(slope < 0)) {  // not a descent direction: start the history again from the gradient
    pairs_ = 0;
    d = gradient_;
    for (double& v : d) v = -v;
    slope = dot(d.data(), gradient_.data(), n_);
  }
  // The trust bound: no coordinate moves by more than learning_rate in one iteration.
  const double largest = largest_magnitude(d);
  double t = largest > settings_.learning_rate ? settings_.learning_rate / largest : 1.0;

  const std::vector<double> u = to_coordinates(parameters);
  for (int trial = 0; trial < kTrialPoints; ++trial, t *= kBacktrack) {
    std::vector<double> u_trial(n_);
    for (std::size_t i = 0; i < n_; ++i) u_trial[i] = u[i] + t * d[i];
    std::vector<double> p_trial = from_coordinates(u_trial, parameters);
    project(p_trial);
    double loss = 0;
    std::vector<double> g;
    if (!all_finite(p_trial) || !evaluate_at(p_trial, loss, g)) continue;
    if (!(loss <= loss_ + kSufficientDecrease * t * slope)) continue;
    const std::vector<double> u_new = to_coordinates(p_trial);
    std::vector<double> step(n_), change(n_);
    for (std::size_t i = 0; i < n_; ++i) {
      step[i] = u_new[i] - u[i];
      change[i] = g[i] - gradient_[i];
    }
    remember(step, change);
    parameters = std::move(p_trial);
    loss_ = loss;
    gradient_ = std::move(g);
    result.loss = loss;
    result.moved = true;
    return result;
  }
  pairs_ = 0;  // no trial point was good enough: the curvature model is wrong here
  result.loss = loss_;
  return result;
}

std::vector<double> Lbfgs::state() const {
  std::vector<double> out{static_cast<double>(pairs_), static_cast<double>(newest_), has_point_ ? 1.0 : 0.0,
                          loss_};
  out.insert(out.end(), gradient_.begin(), gradient_.end());
  out.insert(out.end(), steps_.begin(), steps_.end());
  out.insert(out.end(), changes_.begin(), changes_.end());
  return out;
}

void Lbfgs::restore(const std::vector<double>& state) {
  if (state.size() != state_size(n_, settings_.lbfgs_memory))
    throw std::invalid_argument("lbfgs: checkpoint state has the wrong size");
  // The counters index the history: a damaged checkpoint must not read outside it.
  const double m = settings_.lbfgs_memory;
  const auto whole_in = [](double x, double lo, double hi) {
    return x == std::floor(x) && x >= lo && x <= hi;
  };
  if (!whole_in(state[0], 0, m) || !whole_in(state[1], 0, m - 1) || !whole_in(state[2], 0, 1))
    throw std::invalid_argument("lbfgs: checkpoint state holds a history slot out of range");
  pairs_ = static_cast<std::size_t>(state[0]);
  newest_ = static_cast<std::size_t>(state[1]);
  has_point_ = state[2] != 0.0;
  loss_ = state[3];
  auto at = state.begin() + 4;
  std::copy(at, at + static_cast<std::ptrdiff_t>(n_), gradient_.begin());
  at += static_cast<std::ptrdiff_t>(n_);
  std::copy(at, at + static_cast<std::ptrdiff_t>(steps_.size()), steps_.begin());
  at += static_cast<std::ptrdiff_t>(steps_.size());
  std::copy(at, at + static_cast<std::ptrdiff_t>(changes_.size()), changes_.begin());
}

}  // namespace neurode::train
