#pragma once
/// Stimulus pairs of the winner-take-all task, drawn as in the prototype: a weaker input
/// mu_weak ~ U(15, 25) Hz, a stronger one mu_strong = mu_weak + U(10, 20) Hz, and a fair coin deciding
/// which pool (A or B) gets the stronger one. Every number comes from the counter-based
/// RandomStream(seed, RandomDomain::stimulus_pair, sample_index), so a sample's pair depends only on
/// (seed, sample index), never on the MPI rank or the order in which samples are drawn.
#include <cstdint>

namespace neurode::models {

struct StimulusPairParameters {
  double weak_min_Hz = 15.0;  ///< lower end of the weaker input's uniform range
  double weak_max_Hz = 25.0;  ///< upper end (exclusive) of the weaker input's uniform range
  double gap_min_Hz = 10.0;   ///< lower end of the uniform gap between strong and weak
  double gap_max_Hz = 20.0;   ///< upper end (exclusive) of the gap
  bool shuffle = true;        ///< false: pool B always gets the stronger input (the prototype's mu_B)
};

struct StimulusPair {
  double mu_A_Hz;  ///< input of pool A (and of column A's L4 in the column task), Hz
  double mu_B_Hz;  ///< input of pool B, Hz
};

/// The pair of sample `sample_index` under `seed`. Pure function; throws std::invalid_argument for
/// an empty or reversed range and std::out_of_range for sample_index >= 2^48.
StimulusPair sample_stimulus_pair(std::uint64_t seed, std::uint64_t sample_index,
                                  const StimulusPairParameters& parameters = {});

}  // namespace neurode::models
