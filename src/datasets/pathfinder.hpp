#pragma once
/// The Pathfinder task generator (spec/vision-models.md, "Pathfinder"; Linsley et al. 2018, and the
/// 32x32 "pathfinder32" of the Long Range Arena): are the two marker discs joined by one path?
/// Paths are chains of paddles (short dashes); each next paddle's end lies on a circle of radius
/// paddle_length around the previous paddle's end, its turn drawn with weights
/// cos^2(min(|dtheta| * continuity, pi/2)) among the directions that keep every other paddle at a
/// clearance (the occupancy rule: no crossings, no touching). Two target paths start seed_distance
/// apart; distractor paths of contour_length / 3 paddles follow; a marker sits on an end of a
/// target path, the other on that path's other end (label 1) or on an end of the other path
/// (label 0). Image `index` of `seed` is a pure function of (settings, seed, index): it is drawn
/// from the counter-based stream RandomStream(seed, RandomDomain::pathfinder_image, index), so it
/// does not depend on how many images are made, in which order, or on which MPI rank. docs/pathfinder.md.
#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace neurode::datasets {

/// Every length is in canvas pixels; the canvas is canvas_scale * size pixels wide, the image is
/// drawn on a raster of antialias * size pixels and averaged down to size x size in blocks of
/// antialias x antialias.
struct PathfinderSettings {
  std::size_t size = 32;               ///< the image is size x size
  std::size_t canvas_scale = 1;        ///< canvas (geometry) pixels per image pixel
  std::size_t antialias = 2;           ///< raster pixels per image pixel
  std::size_t contour_length = 14;     ///< paddles per target path (difficulty: 6, 9 or 14)
  std::size_t distractor_budget = 20;  ///< paddles given to distractors: budget / distractor_length paths
  double padding = 1;                  ///< no paddle end closer than this to the canvas border
  double paddle_length = 2;
  double paddle_thickness = 0.5;  ///< ink half-width max(thickness / 2, half a raster pixel)
  double paddle_margin = 1;       ///< clearance between the ink of different paths (and of paddles
                                  ///< of one path that do not share an end)
  double marker_radius = 1.5;
  double seed_distance = 7;       ///< distance between the first points of the two target paths
  double continuity = 1.0;        ///< turns of pi / (2 continuity) or more have weight 0
  double paddle_contrast = 0.75;  ///< grey value of the paths (markers are 1, background 0)

  std::size_t distractor_length() const { return contour_length / 3 > 0 ? contour_length / 3 : 1; }
  std::size_t distractor_count() const { return distractor_budget / distractor_length(); }
  double canvas() const { return static_cast<double>(canvas_scale * size); }
  std::size_t raster() const { return antialias * size; }
  /// Half-width of the ink, in canvas pixels.
  double ink_radius() const;
};

/// "pathfinder32" (the Long Range Arena's 32x32 set): padding 1, paddle length 2, thickness 0.5,
/// margin 1, marker radius 1.5, anti-alias 2, seed distance 7, continuity 1, distractor budget 20
/// (14 // 3 = 4 paddles, 20 // 4 = 5 distractors), contrast 0.75; canvas = image.
PathfinderSettings pathfinder32_settings(std::size_t contour_length = 14, std::size_t size = 32);
/// The original 150x150 set: a 300x300 canvas (canvas_scale 2) anti-aliased to 150x150 (antialias 2:
/// drawn at 300x300, averaged in 2x2 blocks), paddle length 5, thickness 2, margin 3, marker radius 5,
/// seed distance 27, padding 2, continuity 1, distractor budget 40, contrast 1.
PathfinderSettings original_settings(std::size_t contour_length = 14, std::size_t size = 150);
/// "original" or "pathfinder32"; throws std::invalid_argument for any other name.
PathfinderSettings preset_settings(const std::string& preset, std::size_t contour_length, std::size_t size);

/// Throws std::invalid_argument naming the first setting out of range (size 0, contour length
/// below 2, non-positive lengths, seed distance that leaves no room on the canvas, ...).
void validate(const PathfinderSettings& settings);

/// A point in canvas pixels (row, column), continuous: raster pixel (i, j) covers
/// [i, i+1) x [j, j+1) / (raster pixels per canvas pixel).
struct Point {
  double row = 0, col = 0;
};

/// One path: points.size() = paddles + 1; paddle k runs from points[k] to points[k + 1].
struct PathfinderPath {
  std::vector<Point> points;
  bool target = false;
  std::size_t paddles() const { return points.empty() ? 0 : points.size() - 1; }
};

struct PathfinderImage {
  std::size_t size = 0;
  std::vector<double> pixels;  ///< size x size row-major, in [0, 1]
  int label = 0;               ///< 1: the markers are the two ends of one path
  /// The markers' centres in image pixels (row, column; pixel (r, c) covers [r, r+1) x [c, c+1)).
  std::array<Point, 2> markers{};
  std::array<std::size_t, 2> marker_paths{};  ///< index into `paths` of the path each marker is on
  std::vector<PathfinderPath> paths;          ///< the two targets first, then the distractors; canvas pixels
  std::uint64_t attempts = 1;  ///< generation attempts used (the retry rule, docs/pathfinder.md)
};

/// generate() found no layout for an image in kPathfinderMaxAttempts attempts: valid settings whose
/// paths do not fit the canvas (mostly a contour_length too long for the size). Callers that know
/// where the settings came from name the option or key at fault (--length, task.data.length).
class PathfinderLayoutError : public std::invalid_argument {
 public:
  PathfinderLayoutError(std::uint64_t seed, std::uint64_t index);
  std::uint64_t seed() const { return seed_; }
  std::uint64_t index() const { return index_; }

 private:
  std::uint64_t seed_, index_;
};

/// Image `index` of `seed`. Label: (index mod 2) XOR a random bit shared by the pair (index / 2),
/// so that every pair {2p, 2p+1} holds one image of each label. Throws std::invalid_argument for
/// invalid settings, and PathfinderLayoutError when kPathfinderMaxAttempts attempts in a row cannot
/// place every path.
PathfinderImage generate(const PathfinderSettings& settings, std::uint64_t seed, std::uint64_t index);
int pathfinder_label(std::uint64_t seed, std::uint64_t index);

/// The raster before averaging (raster() x raster()): grey values (paths and markers) and, per
/// pixel, the index of the path whose ink covers it (-1: none; markers are not in it).
struct PathfinderRaster {
  std::size_t size = 0;
  std::vector<double> values;
  std::vector<int> owner;
};
PathfinderRaster render_raster(const PathfinderSettings& settings, const PathfinderImage& image);
/// The raster averaged in antialias x antialias blocks: size x size.
std::vector<double> downsample(const PathfinderSettings& settings, const PathfinderRaster& raster);

/// Attempts per image before generate() gives up (each attempt draws afresh from its own counters).
constexpr std::uint64_t kPathfinderMaxAttempts = 1000;

}  // namespace neurode::datasets
