#include "train/classification_readout.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace neurode::train {

double cross_entropy(const std::vector<double>& logits, int label) {
  const double top = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (double z : logits) sum += std::exp(z - top);
  return top + std::log(sum) - logits[static_cast<std::size_t>(label)];
}

Pool parse_pool(const std::string& name) {
  if (name == "none") return Pool::none;
  if (name == "mean") return Pool::mean;
  if (name == "max") return Pool::max;
  throw std::invalid_argument("unknown pooling '" + name + "' (expected none, mean or max)");
}

const char* to_string(Pool pool) {
  switch (pool) {
    case Pool::none:
      return "none";
    case Pool::mean:
      return "mean";
    case Pool::max:
      return "max";
  }
  return "none";
}

namespace {

// The position of channel c's maximum (the first one).
std::size_t argmax_position(const double* x, std::size_t c, std::size_t positions) {
  std::size_t best = 0;
  for (std::size_t p = 1; p < positions; ++p)
    if (x[c * positions + p] > x[c * positions + best]) best = p;
  return best;
}

}  // namespace

ReadoutFeatures top_component_features(const models::StateLayout& layout, Pool pool) {
  const std::size_t top = layout.components.size() - 1;
  const models::StateComponent& c = layout.components[top];
  ReadoutFeatures f;
  f.trial_stride = layout.trial_size();
  f.offset = layout.offset(top);
  const bool spatial = c.shape.size() == 3;
  f.channels = spatial ? c.shape[0] : c.size();
  f.positions = spatial ? c.shape[1] * c.shape[2] : 1;
  f.pool = spatial ? pool : Pool::none;
  return f;
}

ClassificationReadout::ClassificationReadout(ReadoutFeatures features, std::size_t classes,
                                             std::vector<int> labels, std::vector<double> readout,
                                             std::size_t observation)
    : features_(features),
      classes_(classes),
      labels_(std::move(labels)),
      readout_(std::move(readout)),
      observation_(observation) {
  if (readout_.size() != classes_ * (features_.count() + 1))
    throw std::invalid_argument("classification read-out: expected " +
                                std::to_string(classes_ * (features_.count() + 1)) + " weights, got " +
                                std::to_string(readout_.size()));
  for (int label : labels_)
    if (label < 0 || static_cast<std::size_t>(label) >= classes_)
      throw std::invalid_argument("classification read-out: label " + std::to_string(label) +
                                  " outside [0, " + std::to_string(classes_) + ")");
  const std::size_t block = features_.channels * features_.positions;
  for (std::size_t t = 0; t < labels_.size(); ++t)
    for (std::size_t i = 0; i < block; ++i)
      observed_.push_back(t * features_.trial_stride + features_.offset + i);
}

std::vector<double> ClassificationReadout::features(const double* y, std::size_t trial) const {
  const double* x = y + trial * features_.trial_stride + features_.offset;
  if (features_.pool == Pool::none) return {x, x + features_.count()};
  std::vector<double> f(features_.channels, 0.0);
  for (std::size_t c = 0; c < features_.channels; ++c) {
    if (features_.pool == Pool::max) {
      f[c] = x[c * features_.positions + argmax_position(x, c, features_.positions)];
      continue;
    }
    double sum = 0;
    for (std::size_t p = 0; p < features_.positions; ++p) sum += x[c * features_.positions + p];
    f[c] = sum / static_cast<double>(features_.positions);
  }
  return f;
}

std::vector<double> ClassificationReadout::logits(const double* y, std::size_t trial) const {
  const std::vector<double> f = features(y, trial);
  const std::size_t F = f.size();
  const double* bias = readout_.data() + classes_ * F;
  std::vector<double> z(classes_);
  for (std::size_t k = 0; k < classes_; ++k) {
    double sum = bias[k];
    for (std::size_t j = 0; j < F; ++j) sum += readout_[k * F + j] * f[j];
    z[k] = sum;
  }
  return z;
}

std::vector<double> ClassificationReadout::logit_cotangent(const double* y, std::size_t trial) const {
  std::vector<double> z = logits(y, trial);
  const double top = *std::max_element(z.begin(), z.end());
  double sum = 0;
  for (double& v : z) sum += (v = std::exp(v - top));
  for (double& v : z) v /= sum;
  z[static_cast<std::size_t>(labels_[trial])] -= 1.0;
  return z;
}

void ClassificationReadout::add_value(std::size_t k, const double* y, std::vector<double>& per_trial) const {
  if (k != observation_) return;
  for (std::size_t t = 0; t < labels_.size(); ++t) per_trial[t] += cross_entropy(logits(y, t), labels_[t]);
}

void ClassificationReadout::add_cotangent(std::size_t k, const double* y, double* dl_dy) const {
  if (k != observation_) return;
  const std::size_t F = features_.count();
  for (std::size_t t = 0; t < labels_.size(); ++t) {
    const std::vector<double> g = logit_cotangent(y, t);
    std::vector<double> df(F, 0.0);  // A^T g
    for (std::size_t c = 0; c < classes_; ++c)
      for (std::size_t j = 0; j < F; ++j) df[j] += readout_[c * F + j] * g[c];
    double* out = dl_dy + t * features_.trial_stride + features_.offset;
    if (features_.pool == Pool::none) {
      for (std::size_t j = 0; j < F; ++j) out[j] += df[j];
      continue;
    }
    if (features_.pool == Pool::max) {
      const double* x = y + t * features_.trial_stride + features_.offset;
      for (std::size_t c = 0; c < features_.channels; ++c)
        out[c * features_.positions + argmax_position(x, c, features_.positions)] += df[c];
      continue;
    }
    const double share = 1.0 / static_cast<double>(features_.positions);
    for (std::size_t c = 0; c < features_.channels; ++c)
      for (std::size_t p = 0; p < features_.positions; ++p) out[c * features_.positions + p] += df[c] * share;
  }
}

void ClassificationReadout::add_parameter_gradient(std::size_t k, const double* y, double* grad) const {
  if (k != observation_) return;
  const std::size_t F = features_.count(), Q = readout_.size();
  for (std::size_t t = 0; t < labels_.size(); ++t) {
    const std::vector<double> g = logit_cotangent(y, t);
    const std::vector<double> f = features(y, t);
    double* row = grad + t * Q;
    for (std::size_t c = 0; c < classes_; ++c) {
      for (std::size_t j = 0; j < F; ++j) row[c * F + j] += g[c] * f[j];
      row[classes_ * F + c] += g[c];
    }
  }
}

}  // namespace neurode::train
