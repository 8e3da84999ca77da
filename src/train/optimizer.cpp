#include "train/optimizer.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace neurode::train {

void validate(const OptimizerSettings& s) {
  if (s.type != "adam" && s.type != "rmsprop" && s.type != "sgd" && s.type != "lbfgs")
    throw std::invalid_argument("optimizer.type: expected adam, rmsprop, sgd or lbfgs, got '" + s.type + "'");
  if (s.lbfgs_memory < 1) throw std::invalid_argument("optimizer.memory: expected an integer >= 1");
  if (!(s.learning_rate > 0)) throw std::invalid_argument("optimizer.learning_rate: expected a number > 0");
  if (!(s.beta1 >= 0 && s.beta1 < 1))
    throw std::invalid_argument("optimizer.beta1: expected a number in [0, 1)");
  if (!(s.beta2 >= 0 && s.beta2 < 1))
    throw std::invalid_argument("optimizer.beta2: expected a number in [0, 1)");
  if (!(s.alpha >= 0 && s.alpha < 1))
    throw std::invalid_argument("optimizer.alpha: expected a number in [0, 1)");
  if (!(s.momentum >= 0 && s.momentum < 1))
    throw std::invalid_argument("optimizer.momentum: expected a number in [0, 1)");
  if (!(s.epsilon > 0)) throw std::invalid_argument("optimizer.epsilon: expected a number > 0");
  if (!(s.clip_norm >= 0))
    throw std::invalid_argument("optimizer.clip_norm: expected a number >= 0 (0: off)");
  if (s.schedule != "constant" && s.schedule != "step" && s.schedule != "exponential" &&
      s.schedule != "cosine")
    throw std::invalid_argument("optimizer.schedule: expected constant, step, exponential or cosine, got '" +
                                s.schedule + "'");
  if (!(s.gamma > 0 && s.gamma <= 1))
    throw std::invalid_argument("optimizer.gamma: expected a number in (0, 1]");
  if (s.update != "additive" && s.update != "multiplicative")
    throw std::invalid_argument("optimizer.update: expected additive or multiplicative, got '" + s.update +
                                "'");
  if (s.step_every < 1) throw std::invalid_argument("optimizer.step_every: expected an integer >= 1");
}

Optimizer::Optimizer(OptimizerSettings settings, std::size_t parameters)
    : settings_(std::move(settings)), first_(parameters, 0.0), second_(parameters, 0.0) {
  validate(settings_);
  if (settings_.type == "lbfgs")  // not a first-order update: train/lbfgs.hpp
    throw std::invalid_argument("optimizer.type: lbfgs is not a first-order optimiser (train::Lbfgs)");
}

double Optimizer::learning_rate(int epoch) const {
  const auto& s = settings_;
  if (s.schedule == "step") return s.learning_rate * std::pow(s.gamma, epoch / s.step_every);
  if (s.schedule == "exponential") return s.learning_rate * std::pow(s.gamma, epoch);
  if (s.schedule == "cosine") {
    const double progress = std::min(1.0, static_cast<double>(epoch) / std::max(1, s.total_epochs));
    return s.min_learning_rate +
           0.5 * (s.learning_rate - s.min_learning_rate) * (1 + std::cos(std::numbers::pi * progress));
  }
  return s.learning_rate;
}

double Optimizer::step(std::vector<double>& parameters, std::vector<double> gradient, int epoch) {
  if (gradient.size() != parameters.size() || parameters.size() != first_.size())
    throw std::invalid_argument("optimizer: gradient and parameter sizes differ");
  double norm2 = 0;
  for (double g : gradient) norm2 += g * g;
  const double norm = std::sqrt(norm2);
  if (!std::isfinite(norm)) throw std::runtime_error("optimizer: the gradient is not finite");
  const bool multiplicative = settings_.update == "multiplicative";
  if (multiplicative)  // chain rule to log|p|: dL/dlog|p| = p dL/dp
    for (std::size_t i = 0; i < parameters.size(); ++i) gradient[i] *= parameters[i];
  if (settings_.clip_norm > 0 && norm > settings_.clip_norm)
    for (double& g : gradient) g *= settings_.clip_norm / norm;
  ++steps_;
  const double lr = learning_rate(epoch);
  const auto& s = settings_;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const double g = gradient[i];
    double change;  // the step in the optimised coordinate, p or log|p|
    if (s.type == "adam") {
      first_[i] = s.beta1 * first_[i] + (1 - s.beta1) * g;
      second_[i] = s.beta2 * second_[i] + (1 - s.beta2) * g * g;
      const double m_hat = first_[i] / (1 - std::pow(s.beta1, static_cast<double>(steps_)));
      const double v_hat = second_[i] / (1 - std::pow(s.beta2, static_cast<double>(steps_)));
      change = lr * m_hat / (std::sqrt(v_hat) + s.epsilon);
    } else if (s.type == "rmsprop") {
      second_[i] = s.alpha * second_[i] + (1 - s.alpha) * g * g;
      const double update = g / (std::sqrt(second_[i]) + s.epsilon);
      first_[i] = s.momentum * first_[i] + update;
      change = lr * (s.momentum > 0 ? first_[i] : update);
    } else {
      first_[i] = s.momentum * first_[i] + g;
      change = lr * (s.momentum > 0 ? first_[i] : g);
    }
    if (multiplicative)
      parameters[i] *= std::exp(-change);
    else
      parameters[i] -= change;
  }
  return norm;
}

std::vector<double> Optimizer::state() const {
  std::vector<double> out{static_cast<double>(steps_)};
  out.insert(out.end(), first_.begin(), first_.end());
  out.insert(out.end(), second_.begin(), second_.end());
  return out;
}

void Optimizer::restore(const std::vector<double>& state) {
  if (state.size() != 1 + first_.size() + second_.size())
    throw std::invalid_argument("optimizer: checkpoint state has the wrong size");
  steps_ = static_cast<long>(state[0]);
  std::copy(state.begin() + 1, state.begin() + 1 + static_cast<std::ptrdiff_t>(first_.size()),
            first_.begin());
  std::copy(state.begin() + 1 + static_cast<std::ptrdiff_t>(first_.size()), state.end(), second_.begin());
}

}  // namespace neurode::train
