#pragma once
/// A Brownian path of one trial that answers any interval: a virtual Brownian tree (in the manner
/// of diffrax's VirtualBrownianTree) over [t0, t1] for `components` independent components.
///
/// Why: an adaptive SDE solver asks for the increment over whatever step it tries, and after a
/// rejection over a shorter one; the path must be the same whichever steps were tried, in the
/// forward pass and in the backward pass, on any rank. The grid path of additive_noise.hpp is fixed
/// too, but only on its grid, so no step may cross a grid point.
///
/// The tree: node n of level l covers [a, b], b - a = L = (t1 - t0) / 2^l, and holds for each
/// component the increment dW = W(b) - W(a) and the space-time Levy area H = I / L - dW / 2, with
/// I = int_a^b (W(u) - W(a)) du (dW ~ N(0, L) and H ~ N(0, L / 12) are independent). A node's two
/// children are drawn from their exact Gaussian law given the parent's (dW, H) (conditioning by
/// Matheron's rule: unconditional children corrected by K (parent - A children)), from four normals
/// of a counter-based stream keyed by (node, component) (normal_pairs.hpp: the same bits on any CPU). So
/// every node is a pure function of the seed, the stream and its place in the tree: any query order, any
/// rank, the same bits.
///
/// Below the leaves (level `depth`) the path is the parabola that matches the leaf's dW and H:
/// W(a + uL) = W(a) + u dW + 6 H u (1 - u). Increments between leaf points are exact samples of
/// Brownian motion; inside a leaf the path is that smooth interpolant (choose leaves shorter than
/// any step a solver should resolve).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/kernels/random_stream.hpp"

namespace neurode::models {

class BrownianTree {
 public:
  /// Leaves of length (t1 - t0) / 2^depth; depth in [0, 40].
  BrownianTree(RandomStream stream, std::size_t components, double t0, double t1, int depth);

  std::size_t components() const { return components_; }
  double t0() const { return t0_; }
  double t1() const { return t1_; }
  double leaf_length() const { return (t1_ - t0_) / static_cast<double>(std::uint64_t{1} << depth_); }

  /// For s <= t in [t0, t1], every component's dW = W(t) - W(s) and its time integral
  /// Z = int_s^t (W(u) - W(s)) du (dW and Z hold components() values each).
  void increment(double s, double t, double* dW, double* Z);
  /// The latest point in (s, e] of the coarsest tree level with nodes no longer than e - s (e when
  /// there is none): a step that ends there costs a walk of the levels above that one, not of the
  /// whole depth. For solvers free to shorten their steps.
  double dyadic_end(double s, double e) const;

 private:
  /// W(tau) - W(t0) and J(tau) = int_t0^tau (W(u) - W(t0)) du of every component.
  void evaluate(double tau, double* W, double* J);
  /// Makes path_[1 .. last] the nodes on the way to leaf `leaf` (keeping the levels it shares with
  /// the previous walk).
  void walk_to(std::uint64_t leaf, int last);

  RandomStream stream_;
  std::size_t components_;
  double t0_, t1_;
  int depth_;
  /// The walk: per level, the node index within its level, its start's W and J, and its (dW, H);
  /// [level][component].
  struct Level {
    std::uint64_t index = 0;
    std::vector<double> W, J, dW, H;
  };
  std::vector<Level> path_;
  int valid_levels_ = 1;  ///< path_[0 .. valid_levels_) belong to the current walk
  std::vector<double> W_s_, J_s_, W_t_, J_t_;
  std::vector<double> normals_;  ///< scratch: a node's 4 normals per component
};

}  // namespace neurode::models
