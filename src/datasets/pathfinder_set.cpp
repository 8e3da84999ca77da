#include "datasets/pathfinder_set.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace neurode::datasets {

io::ImageSet pathfinder_image_set(const PathfinderSettings& settings, std::uint64_t seed, std::uint64_t first,
                                  std::size_t count) {
  io::ImageSet set;
  set.count = count;
  set.channels = 1;
  set.height = set.width = settings.size;
  set.classes = 2;
  set.source = "Pathfinder (size " + std::to_string(settings.size) + ", length " +
               std::to_string(settings.contour_length) + ", seed " + std::to_string(seed) + ", images " +
               std::to_string(first) + " to " + std::to_string(first + count - 1) + ")";
  set.pixels.resize(count * set.image_size());
  set.labels.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const PathfinderImage image = generate(settings, seed, first + i);
    std::uint8_t* out = set.pixels.data() + i * set.image_size();
    for (std::size_t p = 0; p < set.image_size(); ++p)
      out[p] = static_cast<std::uint8_t>(std::lround(std::clamp(image.pixels[p], 0.0, 1.0) * 255.0));
    set.labels[i] = static_cast<std::uint8_t>(image.label);
  }
  return set;
}

}  // namespace neurode::datasets
