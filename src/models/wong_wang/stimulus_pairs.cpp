#include "models/wong_wang/stimulus_pairs.hpp"

#include <stdexcept>

#include "models/kernels/random_stream.hpp"

namespace neurode::models {

StimulusPair sample_stimulus_pair(std::uint64_t seed, std::uint64_t sample_index,
                                  const StimulusPairParameters& p) {
  if (!(p.weak_max_Hz >= p.weak_min_Hz) || !(p.gap_max_Hz >= p.gap_min_Hz))
    throw std::invalid_argument("stimulus pairs: each range needs max >= min");
  const RandomStream stream(seed, RandomDomain::stimulus_pair, sample_index);
  // Fixed counters per quantity (0: weak input, 1: gap, 2: coin), so adding a quantity later leaves
  // the existing ones unchanged.
  const double weak = p.weak_min_Hz + (p.weak_max_Hz - p.weak_min_Hz) * stream.uniform(0);
  const double strong = weak + p.gap_min_Hz + (p.gap_max_Hz - p.gap_min_Hz) * stream.uniform(1);
  const bool strong_is_A = p.shuffle && stream.uniform(2) < 0.5;
  return strong_is_A ? StimulusPair{strong, weak} : StimulusPair{weak, strong};
}

}  // namespace neurode::models
