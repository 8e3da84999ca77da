#pragma once
/// A trial's external drive: piecewise constant in time, segment k holding on
/// [times[k], times[k+1]) and the last one to the end.
#include <cstddef>
#include <vector>

namespace neurode::models {

struct PiecewiseDrive {
  std::vector<double> times{0.0};
  /// segments x populations, Hz; multiplies the feed-forward (stimulus) weights W_ff.
  std::vector<std::vector<double>> population_rates;
  /// segments x channels; multiplies the network input weights W_in. Empty when there is no input.
  std::vector<std::vector<double>> channel_values;

  std::size_t segments() const { return times.size(); }
  /// Throws std::invalid_argument when times are not increasing or sizes disagree.
  void validate(std::size_t populations, std::size_t channels) const;
};

}  // namespace neurode::models
