// The rendering of a Pathfinder image: ink on a raster of antialias x size pixels (a pixel is ink
// when its centre lies within the ink radius of a paddle, or within the marker radius of a marker
// centre), then the average of each antialias x antialias block.
#include <algorithm>
#include <cmath>

#include "datasets/pathfinder.hpp"
#include "datasets/pathfinder_geometry.hpp"

namespace neurode::datasets {
namespace {

/// The raster pixels [first, last] whose centres may lie within `radius` of [low, high] (canvas
/// pixels; `per_canvas` raster pixels per canvas pixel), clipped to the raster.
std::pair<long, long> pixel_range(double low, double high, double radius, double per_canvas, std::size_t raster) {
  const long first = static_cast<long>(std::floor((low - radius) * per_canvas - 0.5));
  const long last = static_cast<long>(std::ceil((high + radius) * per_canvas - 0.5));
  return {std::max(first, 0L), std::min(last, static_cast<long>(raster) - 1)};
}

}  // namespace

PathfinderRaster render_raster(const PathfinderSettings& s, const PathfinderImage& image) {
  PathfinderRaster out;
  out.size = s.raster();
  const std::size_t n = out.size;
  out.values.assign(n * n, 0.0);
  out.owner.assign(n * n, -1);
  const double per_canvas = static_cast<double>(s.antialias) / static_cast<double>(s.canvas_scale);
  auto centre = [per_canvas](long i) { return (static_cast<double>(i) + 0.5) / per_canvas; };
  const double ink = s.ink_radius();
  for (std::size_t p = 0; p < image.paths.size(); ++p) {
    const auto& points = image.paths[p].points;
    for (std::size_t k = 0; k + 1 < points.size(); ++k) {
      const Point a = points[k], b = points[k + 1];
      const auto [r0, r1] = pixel_range(std::min(a.row, b.row), std::max(a.row, b.row), ink, per_canvas, n);
      const auto [c0, c1] = pixel_range(std::min(a.col, b.col), std::max(a.col, b.col), ink, per_canvas, n);
      for (long i = r0; i <= r1; ++i)
        for (long j = c0; j <= c1; ++j)
          if (point_segment_distance({centre(i), centre(j)}, a, b) <= ink) {
            const std::size_t at = static_cast<std::size_t>(i) * n + static_cast<std::size_t>(j);
            out.values[at] = std::max(out.values[at], s.paddle_contrast);
            if (out.owner[at] < 0) out.owner[at] = static_cast<int>(p);
          }
    }
  }
  for (const Point& marker : image.markers) {
    const Point m{marker.row * static_cast<double>(s.canvas_scale), marker.col * static_cast<double>(s.canvas_scale)};
    const auto [r0, r1] = pixel_range(m.row, m.row, s.marker_radius, per_canvas, n);
    const auto [c0, c1] = pixel_range(m.col, m.col, s.marker_radius, per_canvas, n);
    for (long i = r0; i <= r1; ++i)
      for (long j = c0; j <= c1; ++j)
        if (std::hypot(centre(i) - m.row, centre(j) - m.col) <= s.marker_radius)
          out.values[static_cast<std::size_t>(i) * n + static_cast<std::size_t>(j)] = 1.0;
  }
  return out;
}

std::vector<double> downsample(const PathfinderSettings& s, const PathfinderRaster& raster) {
  const std::size_t a = s.antialias, size = s.size, n = raster.size;
  std::vector<double> pixels(size * size, 0.0);
  const double weight = 1.0 / static_cast<double>(a * a);
  for (std::size_t r = 0; r < size; ++r)
    for (std::size_t c = 0; c < size; ++c) {
      double sum = 0;
      for (std::size_t i = r * a; i < (r + 1) * a; ++i)
        for (std::size_t j = c * a; j < (c + 1) * a; ++j) sum += raster.values[i * n + j];
      pixels[r * size + c] = std::min(1.0, sum * weight);
    }
  return pixels;
}

}  // namespace neurode::datasets
