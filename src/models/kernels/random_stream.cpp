#include "models/kernels/random_stream.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace neurode::models {
namespace {

using philox::kMultiplier0, philox::kMultiplier1, philox::kWeyl0, philox::kWeyl1, philox::kTwoToMinus53;

inline std::uint64_t first_half(const std::array<std::uint32_t, 4>& b) {
  return (static_cast<std::uint64_t>(b[1]) << 32) | b[0];
}
inline std::uint64_t second_half(const std::array<std::uint32_t, 4>& b) {
  return (static_cast<std::uint64_t>(b[3]) << 32) | b[2];
}
inline double to_unit(std::uint64_t word) { return static_cast<double>(word >> 11) * kTwoToMinus53; }

}  // namespace

std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> c, std::array<std::uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kWeyl0;
      key[1] += kWeyl1;
    }
    const std::uint64_t p0 = static_cast<std::uint64_t>(kMultiplier0) * c[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(kMultiplier1) * c[2];
    c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ key[0], static_cast<std::uint32_t>(p1),
         static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ key[1], static_cast<std::uint32_t>(p0)};
  }
  return c;
}

std::uint64_t stream_id(RandomDomain domain, std::uint64_t sample_index) {
  if (sample_index >> 48) throw std::out_of_range("random stream: sample index must be below 2^48");
  return (static_cast<std::uint64_t>(domain) << 48) | sample_index;
}

std::array<std::uint32_t, 4> RandomStream::block(std::uint64_t index) const {
  return philox4x32_10({static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32),
                        static_cast<std::uint32_t>(stream_id_), static_cast<std::uint32_t>(stream_id_ >> 32)},
                       {static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32)});
}

std::uint64_t RandomStream::bits(std::uint64_t index) const { return first_half(block(index)); }

double RandomStream::uniform(std::uint64_t index) const { return to_unit(bits(index)); }

double RandomStream::normal(std::uint64_t index) const { return normal_pair(index).first; }

std::pair<double, double> RandomStream::normal_pair(std::uint64_t index) const {
  const auto b = block(index);
  // 1 - u lies in (0, 1], so the logarithm is finite; the largest |normal| is sqrt(2 ln 2^53) ~ 8.6.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - to_unit(first_half(b))));
  const double angle = 2.0 * std::numbers::pi * to_unit(second_half(b));
  return {radius * std::cos(angle), radius * std::sin(angle)};
}

}  // namespace neurode::models
