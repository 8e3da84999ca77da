#pragma once
/// Whether a two-column trajectory behaves like Wong & Wang's decision model: the fit of both
/// columns' L2/3e rates to the targets over the whole trial, the losing column's suppression while
/// the stimulus is on, and the winner's persistent rate after it (docs/wong-wang.md, "Metrics").
/// Pure functions of the arrays, so that they can be checked on hand-made trajectories.
#include <cstddef>
#include <vector>

namespace neurode::train {

struct WtaWindows {
  double stimulus_start_s = 0.05;
  double stimulus_end_s = 0.10;
  /// The loser's suppression is read over the stimulus's second half (the competition has settled
  /// by then), the winner's persistence from this long after the stimulus to the end.
  double persistence_delay_s = 0.01;
};

struct WtaMetrics {
  double r2 = 0;                    ///< 1 - SS_res / SS_tot of both columns' rates against the targets
  double loser_rate_Hz = 0;         ///< the loser's mean rate over the stimulus's second half
  double winner_persistent_Hz = 0;  ///< the winner's mean rate from stimulus end + delay to the end
  double target_loser_rate_Hz = 0;  ///< the same two of the targets
  double target_winner_persistent_Hz = 0;
};

/// `times` (K), `rates` and `targets` (K x 2, columns A and B, row-major, Hz), `weights` (K: which
/// observations count for the fit, 0 for none); `winner`: 0 when column A is driven more strongly,
/// 1 for B. Means over a window are over the observations in it.
WtaMetrics wta_metrics(const std::vector<double>& times, const std::vector<double>& rates,
                       const std::vector<double>& targets, const std::vector<double>& weights,
                       std::size_t winner, const WtaWindows& windows);

}  // namespace neurode::train
