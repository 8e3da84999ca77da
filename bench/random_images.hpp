#pragma once
// The image benchmarks' data (vision_bench.cpp, hgru_bench.cpp): `count` random 1-channel
// size x size images of uniform pixels from a seeded stream, labelled n mod 10, so that neurode and
// the PyTorch baselines (which load them from the exported problem) see the same numbers.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/image_dataset.hpp"
#include "models/kernels/random_stream.hpp"

namespace neurode::bench {

inline io::ImageSet random_images(std::size_t count, std::size_t size, std::uint64_t seed) {
  io::ImageSet images;
  images.count = count;
  images.channels = 1;
  images.height = images.width = size;
  images.classes = 10;
  images.source = std::string("random images");
  const models::RandomStream stream(seed, 1);
  for (std::size_t k = 0; k < count * size * size; ++k)
    images.pixels.push_back(static_cast<std::uint8_t>(256.0 * stream.uniform(k)));
  for (std::size_t n = 0; n < count; ++n) images.labels.push_back(static_cast<std::uint8_t>(n % 10));
  return images;
}

}  // namespace neurode::bench
