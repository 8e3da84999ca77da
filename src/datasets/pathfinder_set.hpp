#pragma once
/// Pathfinder images as a labelled 8-bit image set, for the image tasks: images first .. first +
/// count - 1 of `seed` (datasets/pathfinder.hpp), each grey value rounded to v x 255, as an image
/// file of the data set would hold it. Generated in memory, never stored: every rank makes the
/// same set, whatever the number of ranks.
#include <cstdint>

#include "datasets/pathfinder.hpp"
#include "io/image_dataset.hpp"

namespace neurode::datasets {

io::ImageSet pathfinder_image_set(const PathfinderSettings& settings, std::uint64_t seed, std::uint64_t first,
                                  std::size_t count);

}  // namespace neurode::datasets
