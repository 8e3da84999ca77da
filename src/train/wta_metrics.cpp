#include "train/wta_metrics.hpp"

#include <stdexcept>

namespace neurode::train {
namespace {

// Mean of column `c` of a K x 2 array over the observations with t in [from, to).
double window_mean(const std::vector<double>& times, const std::vector<double>& values, std::size_t c,
                   double from, double to) {
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t k = 0; k < times.size(); ++k)
    if (times[k] >= from && times[k] < to) {
      sum += values[2 * k + c];
      ++count;
    }
  if (count == 0) throw std::invalid_argument("wta metrics: no observation in a window");
  return sum / static_cast<double>(count);
}

}  // namespace

WtaMetrics wta_metrics(const std::vector<double>& times, const std::vector<double>& rates,
                       const std::vector<double>& targets, const std::vector<double>& weights,
                       std::size_t winner, const WtaWindows& w) {
  const std::size_t K = times.size();
  if (rates.size() != 2 * K || targets.size() != 2 * K || weights.size() != K || winner > 1)
    throw std::invalid_argument("wta metrics: inconsistent array sizes");
  double weight_sum = 0, mean = 0;
  for (std::size_t k = 0; k < K; ++k)
    if (weights[k] > 0) {
      weight_sum += 2 * weights[k];
      mean += weights[k] * (targets[2 * k] + targets[2 * k + 1]);
    }
  if (!(weight_sum > 0)) throw std::invalid_argument("wta metrics: no weighted observation");
  mean /= weight_sum;
  double residual = 0, total = 0;
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t c = 0; c < 2 && weights[k] > 0; ++c) {
      const double e = rates[2 * k + c] - targets[2 * k + c], d = targets[2 * k + c] - mean;
      residual += weights[k] * e * e;
      total += weights[k] * d * d;
    }
  WtaMetrics m;
  m.r2 = total > 0 ? 1.0 - residual / total : 0.0;
  const std::size_t loser = 1 - winner;
  const double half = 0.5 * (w.stimulus_start_s + w.stimulus_end_s);
  const double after = w.stimulus_end_s + w.persistence_delay_s, end = times.back() + 1.0;
  m.loser_rate_Hz = window_mean(times, rates, loser, half, w.stimulus_end_s);
  m.target_loser_rate_Hz = window_mean(times, targets, loser, half, w.stimulus_end_s);
  m.winner_persistent_Hz = window_mean(times, rates, winner, after, end);
  m.target_winner_persistent_Hz = window_mean(times, targets, winner, after, end);
  return m;
}

}  // namespace neurode::train
