#pragma once
/// Counter-based random numbers: value k of stream (seed, stream id) is a pure function of the
/// triple (seed, stream id, k), computed with Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011,
/// "Parallel random numbers: as easy as 1, 2, 3"; the generator of Random123, cuRAND and JAX).
/// There is no hidden state to advance, so a sample's random numbers never depend on which MPI rank
/// draws them, in which order samples are evaluated, or how many numbers other samples used; this is
/// what keeps training results independent of the number of ranks.
///
/// Layout: the 64-bit seed is the Philox key; the 128-bit counter is (index, stream id), so distinct
/// (stream id, index) pairs are distinct counters and, Philox being a bijection for a fixed key,
/// never give the same block.
#include <array>
#include <cstdint>
#include <utility>

namespace neurode::models {

/// Philox4x32 constants (Random123 philox.h): the round multipliers and the Weyl key increments
/// (golden ratio and sqrt(3) - 1 in 32-bit fixed point); normal_pairs.cpp's vector code uses them too.
namespace philox {
constexpr std::uint32_t kMultiplier0 = 0xD2511F53u;
constexpr std::uint32_t kMultiplier1 = 0xCD9E8D57u;
constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;
constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;
/// 2^-53: turns the top 53 bits of a 64-bit word into a double in [0, 1) with every value exact.
constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;
}  // namespace philox

/// Philox4x32-10 block function: 4 x 32 random bits for a 128-bit counter and a 64-bit key.
std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key);

/// Who draws from a stream. Separate domains keep, e.g., a sample's stimulus pair independent of
/// its noise path even though both are keyed by the same (seed, sample index).
enum class RandomDomain : std::uint16_t {
  stimulus_pair = 1,           ///< sample_stimulus_pair (stimulus_pairs.hpp)
  wong_wang_noise = 2,         ///< background noise of the Euler target run (wong_wang.hpp)
  brownian_path = 3,           ///< Wiener paths of stochastic runs and training draws (additive_noise.hpp)
  initial_weights = 4,         ///< jitter of initial trainable weights (train/column_task.cpp)
  held_out_brownian_path = 5,  ///< Wiener paths of held-out evaluation samples (one per sample)
  image_model_weights = 6,     ///< initial weights of the image models (index: level or layer)
  image_readout_weights = 7,   ///< initial read-out weights of the image tasks
  pathfinder_image = 8,        ///< the Pathfinder generator (datasets/pathfinder.hpp; index: image)
};

/// Stream id of (domain, sample index): the domain in the top 16 bits, the sample index below.
/// Throws std::out_of_range when sample_index >= 2^48.
std::uint64_t stream_id(RandomDomain domain, std::uint64_t sample_index);

/// A read-only view of one stream; cheap to copy, thread-safe (all members are const).
class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::uint64_t stream) : seed_(seed), stream_id_(stream) {}
  RandomStream(std::uint64_t seed, RandomDomain domain, std::uint64_t sample_index)
      : RandomStream(seed, models::stream_id(domain, sample_index)) {}

  std::uint64_t seed() const { return seed_; }
  std::uint64_t stream_id() const { return stream_id_; }

  /// The 128 random bits of counter `index`.
  std::array<std::uint32_t, 4> block(std::uint64_t index) const;
  /// 64 random bits: the first half of block(index).
  std::uint64_t bits(std::uint64_t index) const;
  /// Uniform double in [0, 1) with 53 random bits, from the first half of block(index).
  double uniform(std::uint64_t index) const;
  /// Standard normal from the whole of block(index) (Box-Muller, cosine branch). uniform(k) and
  /// normal(k) share a block, so a consumer draws one kind per index (or uses separate streams).
  double normal(std::uint64_t index) const;
  /// Two independent standard normals from block(index): Box-Muller's cosine branch (= normal(index))
  /// and its sine branch.
  std::pair<double, double> normal_pair(std::uint64_t index) const;

 private:
  std::uint64_t seed_;
  std::uint64_t stream_id_;
};

}  // namespace neurode::models
