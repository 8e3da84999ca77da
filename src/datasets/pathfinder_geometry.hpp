#pragma once
/// Distances between points and segments in the plane, for the Pathfinder generator's occupancy
/// rule and its rendering.
#include <algorithm>
#include <cmath>

#include "datasets/pathfinder.hpp"

namespace neurode::datasets {

/// Distance from p to the segment [a, b] (a point when a = b).
inline double point_segment_distance(Point p, Point a, Point b) {
  const double dr = b.row - a.row, dc = b.col - a.col, length2 = dr * dr + dc * dc;
  double t = length2 > 0 ? ((p.row - a.row) * dr + (p.col - a.col) * dc) / length2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(p.row - (a.row + t * dr), p.col - (a.col + t * dc));
}

/// Distance between the segments [a, b] and [c, d]: 0 when they cross, else the least distance from
/// an end of one to the other.
inline double segment_distance(Point a, Point b, Point c, Point d) {
  auto cross = [](Point o, Point p, Point q) {
    return (p.row - o.row) * (q.col - o.col) - (p.col - o.col) * (q.row - o.row);
  };
  const double d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return 0.0;
  return std::min({point_segment_distance(a, c, d), point_segment_distance(b, c, d), point_segment_distance(c, a, b),
                   point_segment_distance(d, a, b)});
}

}  // namespace neurode::datasets
