// The Pathfinder generator: settings, the paths and the markers (the rendering is in
// pathfinder_render.cpp). The rules are in docs/pathfinder.md.
#include "datasets/pathfinder.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "datasets/pathfinder_geometry.hpp"
#include "models/kernels/random_stream.hpp"

namespace neurode::datasets {
namespace {

constexpr double kPi = std::numbers::pi;
/// Candidate directions of a paddle: a grid of this many over the circle, rotated at random.
constexpr std::size_t kDirections = 72;
/// Draws of a first paddle (position or direction) before the path is given up.
constexpr int kSeedTries = 100;
/// Fresh starts of one distractor path before the attempt is given up.
constexpr int kDistractorTries = 20;
/// Slack of the occupancy rule, in canvas pixels. Paddles k and k + 2 of a path are exactly one
/// paddle length apart whenever the turn between them is at most pi / 2 (the end of paddle k + 1
/// to the other paddle), and the original preset's clearance (margin 3 + ink width 2) equals its
/// paddle length 5: without slack, rounding refused about half of all paddles on that test alone,
/// whatever their direction, and no path of 6 paddles could be laid out. Far below a raster pixel
/// and above the rounding of distances on a canvas of up to 65536 pixels.
constexpr double kRounding = 1e-10;
/// The label bit of a pair is drawn at this counter, far from every attempt's counters.
constexpr std::uint64_t kLabelCounter = std::uint64_t{1} << 63;

/// Uniform numbers of one attempt: counters attempt * 2^32, attempt * 2^32 + 1, ...
class Draws {
 public:
  Draws(const models::RandomStream& stream, std::uint64_t attempt) : stream_(stream), next_(attempt << 32) {}
  double uniform() { return stream_.uniform(next_++); }
  double between(double low, double high) { return low + (high - low) * uniform(); }
  std::size_t pick(std::size_t n) { return std::min(n - 1, static_cast<std::size_t>(uniform() * n)); }

 private:
  models::RandomStream stream_;
  std::uint64_t next_;
};

/// Every paddle placed so far, and the rule a new one must obey.
class Layout {
 public:
  explicit Layout(const PathfinderSettings& s)
      : clearance_(s.paddle_margin + 2 * s.ink_radius()),
        keep_out_distance_(s.marker_radius + s.ink_radius() + s.paddle_margin),
        low_(s.padding),
        high_(s.canvas() - s.padding) {}

  bool inside(Point p) const { return p.row >= low_ && p.row <= high_ && p.col >= low_ && p.col <= high_; }
  double low() const { return low_; }
  double high() const { return high_; }

  /// May (a, b) become paddle `paddle` of path `path`? Its end inside the padding; at `clearance`
  /// (margin + ink width) from every paddle but the previous one of its path; at the marker
  /// clearance from the marker centres (which only distractors see).
  bool free(Point a, Point b, std::size_t path, std::size_t paddle) const {
    if (!inside(b)) return false;
    for (const Segment& s : segments_) {
      if (s.path == path && s.paddle + 1 == paddle) continue;
      if (segment_distance(a, b, s.a, s.b) < clearance_ - kRounding) return false;
    }
    for (const Point& m : keep_out_)
      if (point_segment_distance(m, a, b) < keep_out_distance_) return false;
    return true;
  }
  void add(Point a, Point b, std::size_t path, std::size_t paddle) {
    segments_.push_back({a, b, path, paddle});
  }
  void remove_path(std::size_t path) {
    std::erase_if(segments_, [path](const Segment& s) { return s.path == path; });
  }
  /// Is the marker at `m` on path `path` clear of every other path's ink?
  bool marker_clear(Point m, std::size_t path) const {
    for (const Segment& s : segments_)
      if (s.path != path && point_segment_distance(m, s.a, s.b) < keep_out_distance_) return false;
    return true;
  }
  void keep_out(Point m) { keep_out_.push_back(m); }

 private:
  struct Segment {
    Point a, b;
    std::size_t path, paddle;
  };
  std::vector<Segment> segments_;
  std::vector<Point> keep_out_;
  double clearance_, keep_out_distance_, low_, high_;
};

Point step(Point from, double direction, double length) {
  return {from.row + length * std::sin(direction), from.col + length * std::cos(direction)};
}

/// A first paddle from `start` in a random direction; false after kSeedTries directions.
bool seed_path(Layout& layout, PathfinderPath& path, std::size_t index, Point start, double length,
               Draws& draws) {
  if (!layout.inside(start)) return false;
  for (int t = 0; t < kSeedTries; ++t) {
    const Point end = step(start, draws.between(-kPi, kPi), length);
    if (layout.free(start, end, index, 0)) {
      layout.add(start, end, index, 0);
      path.points = {start, end};
      return true;
    }
  }
  return false;
}

/// One more paddle: its end on the circle of radius `length` around the path's end, the turn drawn
/// with weights cos^2(min(|dtheta| continuity, pi/2)) among the directions the layout allows
/// (a direction refused is struck out and the draw repeated). False at a dead end.
bool extend_path(Layout& layout, PathfinderPath& path, std::size_t index, const PathfinderSettings& s,
                 Draws& draws) {
  const Point from = path.points.back(), before = path.points[path.points.size() - 2];
  const double heading = std::atan2(from.row - before.row, from.col - before.col);
  const double spacing = 2 * kPi / kDirections, offset = draws.uniform() * spacing;
  std::array<double, kDirections> weight{}, direction{};
  for (std::size_t j = 0; j < kDirections; ++j) {
    const double turn = -kPi + offset + spacing * static_cast<double>(j);  // in [-pi, pi)
    const double scaled = std::abs(turn) * s.continuity;
    weight[j] = scaled >= kPi / 2 ? 0.0 : std::pow(std::cos(scaled), 2);
    direction[j] = heading + turn;
  }
  const std::size_t paddle = path.paddles();
  for (;;) {
    double total = 0;
    for (double w : weight) total += w;
    if (total <= 0) return false;
    const double u = draws.uniform() * total;
    std::size_t j = 0;
    for (double sum = weight[0]; sum <= u && j + 1 < kDirections; sum += weight[++j]) {
    }
    while (weight[j] == 0) --j;  // rounding at the top end: the last direction with weight
    const Point to = step(from, direction[j], s.paddle_length);
    if (layout.free(from, to, index, paddle)) {
      layout.add(from, to, index, paddle);
      path.points.push_back(to);
      return true;
    }
    weight[j] = 0;
  }
}

/// One attempt at a whole image; false when some path cannot be placed.
bool attempt_image(const PathfinderSettings& s, int label, Draws& draws, PathfinderImage& image) {
  Layout layout(s);
  image.paths.assign(2, PathfinderPath{});
  image.paths[0].target = image.paths[1].target = true;
  // 1. Two target paths starting seed_distance apart, grown in turn paddle by paddle.
  bool seeded = false;
  for (int t = 0; t < kSeedTries && !seeded; ++t) {
    const Point a{draws.between(layout.low(), layout.high()), draws.between(layout.low(), layout.high())};
    const Point b = step(a, draws.between(-kPi, kPi), s.seed_distance);
    seeded = layout.inside(b);
    if (seeded) {
      if (!seed_path(layout, image.paths[0], 0, a, s.paddle_length, draws)) return false;
      if (!seed_path(layout, image.paths[1], 1, b, s.paddle_length, draws)) return false;
    }
  }
  if (!seeded) return false;
  for (std::size_t k = 1; k < s.contour_length; ++k)
    for (std::size_t p = 0; p < 2; ++p)
      if (!extend_path(layout, image.paths[p], p, s, draws)) return false;
  // 2. The markers: an end of a random target path, and the other end of it (label 1) or an end of
  // the other one (label 0); each clear of the other paths, and the two discs apart.
  const std::size_t first = draws.pick(2), first_end = draws.pick(2);
  const std::size_t second = label == 1 ? first : 1 - first;
  const std::size_t second_end = label == 1 ? 1 - first_end : draws.pick(2);
  auto end_of = [&](std::size_t p, std::size_t e) {
    return e == 0 ? image.paths[p].points.front() : image.paths[p].points.back();
  };
  const Point m0 = end_of(first, first_end), m1 = end_of(second, second_end);
  if (!layout.marker_clear(m0, first) || !layout.marker_clear(m1, second)) return false;
  if (label == 0 && std::hypot(m0.row - m1.row, m0.col - m1.col) < 2 * s.marker_radius + s.paddle_margin)
    return false;
  layout.keep_out(m0);
  layout.keep_out(m1);
  const double scale = static_cast<double>(s.canvas_scale);
  image.markers = {Point{m0.row / scale, m0.col / scale}, Point{m1.row / scale, m1.col / scale}};
  image.marker_paths = {first, second};
  // 3. Distractors, each restarted from a fresh first paddle at a dead end.
  for (std::size_t d = 0; d < s.distractor_count(); ++d) {
    const std::size_t index = 2 + d;
    image.paths.emplace_back();
    bool placed = false;
    for (int t = 0; t < kDistractorTries && !placed; ++t) {
      layout.remove_path(index);
      const Point start{draws.between(layout.low(), layout.high()),
                        draws.between(layout.low(), layout.high())};
      placed = seed_path(layout, image.paths[index], index, start, s.paddle_length, draws);
      for (std::size_t k = 1; placed && k < s.distractor_length(); ++k)
        placed = extend_path(layout, image.paths[index], index, s, draws);
    }
    if (!placed) return false;
  }
  return true;
}

void require(bool condition, const std::string& message) {
  if (!condition) throw std::invalid_argument("pathfinder: " + message);
}

}  // namespace

PathfinderLayoutError::PathfinderLayoutError(std::uint64_t seed, std::uint64_t index)
    : std::invalid_argument("pathfinder: image " + std::to_string(index) + " of seed " +
                            std::to_string(seed) + ": no layout in " +
                            std::to_string(kPathfinderMaxAttempts) +
                            " attempts (the canvas is too small for these paths)"),
      seed_(seed),
      index_(index) {}

double PathfinderSettings::ink_radius() const {
  return std::max(paddle_thickness / 2,
                  0.5 * static_cast<double>(canvas_scale) / static_cast<double>(antialias));
}

PathfinderSettings pathfinder32_settings(std::size_t contour_length, std::size_t size) {
  PathfinderSettings s;  // the defaults are pathfinder32's
  s.contour_length = contour_length;
  s.size = size;
  return s;
}

PathfinderSettings original_settings(std::size_t contour_length, std::size_t size) {
  PathfinderSettings s;
  s.size = size;
  s.canvas_scale = 2;
  s.antialias = 2;
  s.contour_length = contour_length;
  s.distractor_budget = 40;
  s.padding = 2;
  s.paddle_length = 5;
  s.paddle_thickness = 2;
  s.paddle_margin = 3;
  s.marker_radius = 5;
  s.seed_distance = 27;
  s.continuity = 1.0;
  s.paddle_contrast = 1.0;
  return s;
}

PathfinderSettings preset_settings(const std::string& preset, std::size_t contour_length, std::size_t size) {
  if (preset == "pathfinder32") return pathfinder32_settings(contour_length, size);
  if (preset == "original") return original_settings(contour_length, size);
  throw std::invalid_argument("pathfinder: unknown preset '" + preset + "' (original or pathfinder32)");
}

void validate(const PathfinderSettings& s) {
  auto positive = [](double x) { return std::isfinite(x) && x > 0; };
  require(s.size >= 4 && s.size <= 4096, "size must be 4 to 4096, got " + std::to_string(s.size));
  require(s.canvas_scale >= 1 && s.canvas_scale <= 16, "canvas_scale must be 1 to 16");
  require(s.antialias >= 1 && s.antialias <= 16, "antialias must be 1 to 16");
  require(s.contour_length >= 2 && s.contour_length <= 1000,
          "contour length must be 2 to 1000 paddles, got " + std::to_string(s.contour_length));
  require(s.distractor_budget <= 100000, "distractor budget must be at most 100000");
  require(positive(s.paddle_length), "paddle length must be positive");
  require(positive(s.paddle_thickness), "paddle thickness must be positive");
  require(std::isfinite(s.paddle_margin) && s.paddle_margin >= 0, "paddle margin must be >= 0");
  require(positive(s.marker_radius), "marker radius must be positive");
  require(positive(s.seed_distance), "seed distance must be positive");
  require(positive(s.continuity), "continuity must be positive");
  require(positive(s.paddle_contrast) && s.paddle_contrast <= 1, "paddle contrast must be in (0, 1]");
  require(std::isfinite(s.padding) && s.padding >= 0, "padding must be >= 0");
  require(
      s.canvas() - 2 * s.padding > s.seed_distance,
      "the canvas (" + std::to_string(s.canvas()) + " px less padding) leaves no room for the seed distance");
}

int pathfinder_label(std::uint64_t seed, std::uint64_t index) {
  const models::RandomStream pair(seed, models::RandomDomain::pathfinder_image, index & ~std::uint64_t{1});
  return static_cast<int>((index & 1) ^ (pair.bits(kLabelCounter) & 1));
}

PathfinderImage generate(const PathfinderSettings& s, std::uint64_t seed, std::uint64_t index) {
  validate(s);
  require(index < (std::uint64_t{1} << 48), "image index must be below 2^48");
  const models::RandomStream stream(seed, models::RandomDomain::pathfinder_image, index);
  PathfinderImage image;
  image.size = s.size;
  image.label = pathfinder_label(seed, index);
  for (std::uint64_t attempt = 0; attempt < kPathfinderMaxAttempts; ++attempt) {
    Draws draws(stream, attempt);
    if (attempt_image(s, image.label, draws, image)) {
      image.attempts = attempt + 1;
      image.pixels = downsample(s, render_raster(s, image));
      return image;
    }
  }
  throw PathfinderLayoutError(seed, index);
}

}  // namespace neurode::datasets
