// neurode pathfinder: N images of the Pathfinder task (docs/pathfinder.md) in one HDF5 file:
// /images (N x S x S float64 in [0, 1]), /labels (N int64, 1: the markers are joined by one path),
// /markers (N x 2 x 2: row and column of each marker's centre in pixels), the settings as
// attributes of /images, and /provenance. Each rank generates a contiguous block of the images;
// image k depends only on (settings, seed, k), so the file is the same for any number of ranks.
#include <cstdint>
#include <string>
#include <vector>

#include "commands.hpp"
#include "datasets/pathfinder.hpp"
#include "exit_codes.hpp"
#include "io/hdf5_file.hpp"
#include "io/memory_limit.hpp"
#include "io/provenance.hpp"
#include "mpi/world.hpp"

namespace neurode::app {
namespace {

void write_settings(io::Hdf5File& file, const std::string& preset, const datasets::PathfinderSettings& s,
                    std::uint64_t seed) {
  const std::string at = "/images";
  file.set_attribute(at, "preset", preset);
  file.set_attribute(at, "seed", static_cast<double>(seed));
  file.set_attribute(at, "size", static_cast<double>(s.size));
  file.set_attribute(at, "canvas_scale", static_cast<double>(s.canvas_scale));
  file.set_attribute(at, "antialias", static_cast<double>(s.antialias));
  file.set_attribute(at, "contour_length", static_cast<double>(s.contour_length));
  file.set_attribute(at, "distractor_length", static_cast<double>(s.distractor_length()));
  file.set_attribute(at, "distractor_count", static_cast<double>(s.distractor_count()));
  file.set_attribute(at, "distractor_budget", static_cast<double>(s.distractor_budget));
  file.set_attribute(at, "padding", s.padding);
  file.set_attribute(at, "paddle_length", s.paddle_length);
  file.set_attribute(at, "paddle_thickness", s.paddle_thickness);
  file.set_attribute(at, "paddle_margin", s.paddle_margin);
  file.set_attribute(at, "marker_radius", s.marker_radius);
  file.set_attribute(at, "seed_distance", s.seed_distance);
  file.set_attribute(at, "continuity", s.continuity);
  file.set_attribute(at, "paddle_contrast", s.paddle_contrast);
}

}  // namespace

int run_pathfinder(const CommandLine& cl) {
  // 1. The settings: the preset by --size unless given.
  if (cl.output.empty()) throw UsageError("pathfinder needs -o FILE.h5");
  if (cl.images == 0) throw UsageError("pathfinder needs --images N");
  std::string preset = cl.preset;
  if (!preset.empty() && preset != "original" && preset != "pathfinder32")
    throw UsageError("--preset: expected original or pathfinder32, got '" + preset + "'");
  const std::size_t size = cl.size ? cl.size : preset == "original" ? 150 : 32;
  if (preset.empty()) {
    if (size != 32 && size != 150)
      throw UsageError("--size " + std::to_string(size) +
                       ": give --preset original or pathfinder32 (the default is set for 32 and 150 only)");
    preset = size == 32 ? "pathfinder32" : "original";
  }
  const std::size_t length = cl.length ? cl.length : 14;
  if (length < 2 || length > 1000)
    throw UsageError("--length " + std::to_string(length) + ": expected 2 to 1000 paddles per path");
  const datasets::PathfinderSettings settings = datasets::preset_settings(preset, length, size);
  try {
    datasets::validate(settings);  // with the length in range, only the size can be at fault
  } catch (const std::invalid_argument& e) {
    throw UsageError("--size " + std::to_string(size) + ": expected a size with room for the paths (" +
                     e.what() + ")");
  }
  const std::uint64_t seed = cl.seed.value_or(0);
  const std::size_t n = cl.images, pixels_per_image = size * size;
  // Rank 0 holds its own block, the gathered images and the file being built in memory.
  const double bytes = 3.0 * static_cast<double>(n) * static_cast<double>(pixels_per_image) * sizeof(double);
  if (bytes > static_cast<double>(io::memory_limit_bytes()))
    throw UsageError("--images " + std::to_string(n) + " of " + std::to_string(size) + "x" +
                     std::to_string(size) + " need about " + io::format_bytes(bytes) + ", more than the " +
                     io::describe_memory_limit() + " this process may use");
  on_root_for_all([&] { io::require_writable_directory(cl.output); });

  // 2. This rank's block of images; a failure on any rank is reported once, by rank 0.
  const auto [begin, end] = mpi::block_range(n, mpi::rank(), mpi::size());
  std::vector<double> pixels, facts;  // facts: label, marker rows and columns (5 per image)
  pixels.reserve((end - begin) * pixels_per_image);
  std::string failure;
  try {
    for (std::size_t k = begin; k < end; ++k) {
      const datasets::PathfinderImage image = datasets::generate(settings, seed, k);
      pixels.insert(pixels.end(), image.pixels.begin(), image.pixels.end());
      facts.push_back(image.label);
      for (const auto& m : image.markers) facts.insert(facts.end(), {m.row, m.col});
    }
  } catch (const datasets::PathfinderLayoutError& e) {
    failure = "--length " + std::to_string(length) + ": expected a path length that fits " +
              std::to_string(size) + "x" + std::to_string(size) + " " + preset + " images: image " +
              std::to_string(e.index()) + " of seed " + std::to_string(e.seed()) + " has no layout in " +
              std::to_string(datasets::kPathfinderMaxAttempts) +
              " attempts (the canvas is too small for these paths)";
  } catch (const std::exception& e) {
    failure = e.what();
  }
  failure = mpi::first_message(failure);
  if (!failure.empty()) throw std::invalid_argument(failure);
  const std::vector<double> all_pixels = mpi::gather_concatenated(pixels);
  pixels = {};
  const std::vector<double> all_facts = mpi::gather_concatenated(facts);

  // 3. Rank 0 writes the file atomically.
  std::size_t positives = 0;
  on_root_for_all([&] {
    std::vector<std::int64_t> labels(n);
    std::vector<double> markers(n * 4);
    for (std::size_t k = 0; k < n; ++k) {
      labels[k] = static_cast<std::int64_t>(all_facts[5 * k]);
      positives += static_cast<std::size_t>(labels[k]);
      for (std::size_t j = 0; j < 4; ++j) markers[4 * k + j] = all_facts[5 * k + 1 + j];
    }
    io::AtomicOutput out(cl.output);
    auto& file = out.file();
    file.write("/images", {n, size, size}, all_pixels.data());
    file.write_integers("/labels", {n}, labels);
    file.write("/markers", {n, 2, 2}, markers.data());
    write_settings(file, preset, settings, seed);
    io::write_provenance(file, io::current_provenance(cl.text));
    out.commit();
  });
  mpi::print_root("pathfinder: " + std::to_string(n) + " images " + std::to_string(size) + "x" +
                  std::to_string(size) + ", paths of " + std::to_string(settings.contour_length) +
                  " paddles (" + preset + ", seed " + std::to_string(seed) + "), " +
                  std::to_string(positives) + " of label 1 -> " + cl.output);
  return kSuccess;
}

}  // namespace neurode::app
