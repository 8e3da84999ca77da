#pragma once
/// The architecture of a predictive-coding network (spec vision-models.md, "Predictive coding";
/// docs/predictive-coding.md): the image shape, the levels with their generative maps, the prior
/// and the rates. Parameters are laid out as
///     [W_1, ..., W_L, then k1, k2, alpha when the rates are trainable],
/// W_l the level's U_l [n_{l-1}, n_l] (dense) or K_l [C_l, C_{l-1}, kh, kw] (convolution), row-major.
#include <cstddef>
#include <string>
#include <vector>

namespace neurode::models {

enum class Prior { gaussian, sparse };       ///< P(r) = r, or Rao & Ballard's 2r / (1 + r^2)
Prior parse_prior(const std::string& name);  ///< throws std::invalid_argument
const char* to_string(Prior prior);

/// The shape of one level's state (of the image for level 0): channels x height x width, or a
/// vector of `channels` values for a dense level (height = width = 1, spatial = false).
struct LevelShape {
  std::size_t channels = 1, height = 1, width = 1;
  bool spatial = true;
  std::size_t size() const { return channels * height * width; }
};

struct LevelSpec {
  enum class Kind { dense, convolution } kind = Kind::dense;
  std::size_t units = 0;     ///< dense: n_l
  std::size_t channels = 0;  ///< convolution: C_l
  std::size_t kernel = 3, stride = 1, padding = 0;
};

struct PredictiveCodingSpec {
  LevelShape input{1, 28, 28, true};
  std::vector<LevelSpec> levels;
  Prior prior = Prior::gaussian;
  double k1 = 0.5, k2 = 0.3, alpha = 0.05;
  bool trainable_rates = false;
};

/// Level shapes, [0] the image, [l] level l; throws std::invalid_argument naming the level when a
/// convolution gives no output or a convolution follows a dense level.
std::vector<LevelShape> level_shapes(const PredictiveCodingSpec& spec);
/// Entries of W_l (l = 1..L) for the shapes.
std::size_t weight_count(const PredictiveCodingSpec& spec, const std::vector<LevelShape>& shapes,
                         std::size_t l);
/// All model parameters (weights, then the rates when trainable).
std::size_t parameter_count(const PredictiveCodingSpec& spec);
/// Labels in parameter order: "U1[i,j]" / "K1[o,c,u,v]", ..., "k1", "k2", "alpha".
std::vector<std::string> parameter_labels(const PredictiveCodingSpec& spec);
/// The name of level l's weights: "U<l>" (dense) or "K<l>" (convolution).
std::string weight_name(const PredictiveCodingSpec& spec, std::size_t l);

}  // namespace neurode::models
