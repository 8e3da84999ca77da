#include "models/noise/brownian_tree.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "models/kernels/normal_pairs.hpp"

namespace neurode::models {
namespace {

// Children of a node given its (dW, H), in units where the children's length is 1 (the gain K is
// scale-free). With x = (dW1, H1, dW2, H2): dW = dW1 + dW2 and H = (dW1 - dW2) / 4 + (H1 + H2) / 2,
// so A = [[1, 0, 1, 0], [1/4, 1/2, -1/4, 1/2]]; with Sigma = diag(1, 1/12, 1, 1/12),
// A Sigma A^T = diag(2, 1/6) and K = Sigma A^T (A Sigma A^T)^-1 has the columns below. Then
// x = xi + K (y - A xi) for unconditional xi has the law of the children given y.
constexpr double kGainW[4] = {0.5, 0.0, 0.5, 0.0};
constexpr double kGainH[4] = {1.5, 0.25, -1.5, 0.25};

}  // namespace

BrownianTree::BrownianTree(RandomStream stream, std::size_t components, double t0, double t1, int depth)
    : stream_(stream), components_(components), t0_(t0), t1_(t1), depth_(depth) {
  if (components == 0) throw std::invalid_argument("Brownian tree: expected at least one component");
  if (!(t1 > t0)) throw std::invalid_argument("Brownian tree: expected t1 > t0");
  if (depth < 0 || depth > 40)
    throw std::invalid_argument("Brownian tree: expected a depth in [0, 40], got " + std::to_string(depth));
  path_.resize(static_cast<std::size_t>(depth) + 1);
  for (Level& level : path_) {
    level.W.assign(components, 0.0);
    level.J.assign(components, 0.0);
    level.dW.assign(components, 0.0);
    level.H.assign(components, 0.0);
  }
  // The root: dW ~ N(0, L), H ~ N(0, L / 12), from the blocks of node 0.
  const double L = t1 - t0;
  normals_.resize(4 * components);
  normal_pairs(stream_, 0, components, normals_.data());
  for (std::size_t j = 0; j < components; ++j) {
    path_[0].dW[j] = std::sqrt(L) * normals_[2 * j];
    path_[0].H[j] = std::sqrt(L / 12.0) * normals_[2 * j + 1];
  }
  W_s_.resize(components);
  J_s_.resize(components);
  W_t_.resize(components);
  J_t_.resize(components);
}

void BrownianTree::walk_to(std::uint64_t leaf, int last) {
  // Levels whose node is an ancestor of `leaf` are kept.
  int level = 1;
  while (level < valid_levels_ && path_[static_cast<std::size_t>(level)].index == (leaf >> (depth_ - level)))
    ++level;
  for (; level <= last; ++level) {
    const Level& parent = path_[static_cast<std::size_t>(level - 1)];
    Level& child = path_[static_cast<std::size_t>(level)];
    child.index = leaf >> (depth_ - level);
    const bool right = (child.index & 1u) != 0;
    const double h = (t1_ - t0_) / static_cast<double>(std::uint64_t{1} << level);  // a child's length
    const double root_h = std::sqrt(h), root_h12 = std::sqrt(h / 12.0);
    // The parent's children are keyed by its heap number 2^(level - 1) + index (node 0: the root's
    // own values).
    // Component j's four normals are those of blocks 2 (node m + j) and the next: one run of 2m
    // blocks for the node, drawn by the vector code.
    const std::uint64_t node = (std::uint64_t{1} << (level - 1)) + parent.index;
    normal_pairs(stream_, node * components_ * 2, 2 * components_, normals_.data());
    for (std::size_t j = 0; j < components_; ++j) {
      const double* n = &normals_[4 * j];
      double x[4] = {root_h * n[0], root_h12 * n[1], root_h * n[2], root_h12 * n[3]};
      const double rW = parent.dW[j] - (x[0] + x[2]);
      const double rH = parent.H[j] - (0.25 * (x[0] - x[2]) + 0.5 * (x[1] + x[3]));
      for (int q = 0; q < 4; ++q) x[q] += kGainW[q] * rW + kGainH[q] * rH;
      if (right) {
        // The right child starts where the left one ends.
        child.W[j] = parent.W[j] + x[0];
        child.J[j] = parent.J[j] + h * (parent.W[j] + x[1] + 0.5 * x[0]);
        child.dW[j] = x[2];
        child.H[j] = x[3];
      } else {
        child.W[j] = parent.W[j];
        child.J[j] = parent.J[j];
        child.dW[j] = x[0];
        child.H[j] = x[1];
      }
    }
  }
  // A kept level deeper than `last` is checked by its index before the next walk reuses it: a node
  // is a function of its index alone.
  valid_levels_ = std::max(valid_levels_, last + 1);
}

void BrownianTree::evaluate(double tau, double* W, double* J) {
  const double leaves = static_cast<double>(std::uint64_t{1} << depth_);
  double u = std::clamp((tau - t0_) / (t1_ - t0_), 0.0, 1.0) * leaves;
  // A time within rounding of a leaf's start is that start: there W and J are the start values of
  // the highest node that starts there, so the walk ends at that node's level (a step that ends on
  // a point of a coarse level, as dyadic_end makes them, walks only the levels above it).
  const double nearest = std::round(u);
  if (std::abs(u - nearest) <= 1e-9 && nearest < leaves) {
    const auto leaf = static_cast<std::uint64_t>(nearest);
    int level = depth_;
    for (std::uint64_t k = leaf; level > 0 && (k & 1u) == 0; k >>= 1) --level;
    walk_to(leaf, level);
    const Level& node = path_[static_cast<std::size_t>(level)];
    std::copy(node.W.begin(), node.W.end(), W);
    std::copy(node.J.begin(), node.J.end(), J);
    return;
  }
  const auto leaf = static_cast<std::uint64_t>(std::min(std::floor(u), leaves - 1.0));
  const double x = u - static_cast<double>(leaf);  // in [0, 1]
  walk_to(leaf, depth_);
  const Level& node = path_[static_cast<std::size_t>(depth_)];
  const double L = leaf_length();
  for (std::size_t j = 0; j < components_; ++j) {
    // The parabola through the leaf's dW with its area H, and its integral.
    W[j] = node.W[j] + x * node.dW[j] + 6.0 * node.H[j] * x * (1.0 - x);
    J[j] = node.J[j] +
           L * (node.W[j] * x + node.dW[j] * 0.5 * x * x + 6.0 * node.H[j] * (0.5 * x * x - x * x * x / 3.0));
  }
}

double BrownianTree::dyadic_end(double s, double e) const {
  const double L = t1_ - t0_;
  if (!(e > s)) return e;
  // The coarsest level whose nodes are no longer than the step, then finer ones until a point of
  // the level lies in (s, e].
  int level = std::clamp(static_cast<int>(std::ceil(std::log2(L / (e - s)))), 0, depth_);
  for (; level <= depth_; ++level) {
    const double length = L / static_cast<double>(std::uint64_t{1} << level);
    const double end = t0_ + std::floor((e - t0_) / length) * length;
    if (end > s + 1e-12 * L && end <= e) return end;
  }
  return e;
}

void BrownianTree::increment(double s, double t, double* dW, double* Z) {
  if (!(s <= t)) throw std::invalid_argument("Brownian tree: an increment needs s <= t");
  evaluate(s, W_s_.data(), J_s_.data());
  evaluate(t, W_t_.data(), J_t_.data());
  for (std::size_t j = 0; j < components_; ++j) {
    dW[j] = W_t_[j] - W_s_[j];
    Z[j] = J_t_[j] - J_s_[j] - (t - s) * W_s_[j];
  }
}

}  // namespace neurode::models
