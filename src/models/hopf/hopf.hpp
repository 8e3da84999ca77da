#pragma once
/// The Hopf bifurcation toy's ground truth (docs/hopf.md, spec column-model.md, Tasks item 1):
/// the normal form of a supercritical Hopf bifurcation driven by a slow forcing mu(t),
///   dx/dt = (mu - x^2 - y^2) x - y,   dy/dt = (mu - x^2 - y^2) y + x,
/// mu_b(t) = sin(0.25 t + c_b) per trial. In polar coordinates dr/dt = (mu - r^2) r, dphi/dt = 1:
/// for constant mu > 0 every orbit except the origin spirals onto the circle r = sqrt(mu), for
/// mu <= 0 into the origin. Samples: start ~ U(-2, 2)^2, c ~ U(-pi, pi), keyed by (seed, sample
/// index). The true trajectories are integrated in train/hopf_task.hpp, because the models library
/// does not depend on the solvers.
#include <cstdint>
#include <vector>

#include "models/hopf/mlp_vector_field.hpp"
#include "models/model.hpp"

namespace neurode::models {

/// One trajectory's random data.
struct HopfSample {
  double x0 = 0.0;     ///< start, U(-2, 2)
  double y0 = 0.0;     ///< start, U(-2, 2)
  double phase = 0.0;  ///< c, rad, U(-pi, pi)
  /// mu at t = 0, sin(c): the value the behaviour score freezes.
  double mu0() const;
};

/// Sample `index` of the seeded data set: a pure function of (seed, index), so samples never depend
/// on the order in which they are drawn, the rank that draws them, or how many there are.
/// Throws std::out_of_range when index >= 2^48.
HopfSample sample_hopf(std::uint64_t seed, std::uint64_t index);

/// The true vector field for a batch of trials (state [x_b, y_b] per trial) with the same forcing
/// as MlpVectorField (held or not). No trainable parameters.
class HopfGroundTruth final : public Model {
 public:
  explicit HopfGroundTruth(MuForcing forcing);  ///< throws std::invalid_argument without phases

  std::size_t state_size() const override { return 2 * forcing_.phases.size(); }
  std::size_t trial_count() const override { return forcing_.phases.size(); }
  StateLayout state_layout() const override {
    return {{{"x", {1}, "", "value", "x"}, {"y", {1}, "", "value", "y"}}};
  }
  std::size_t parameter_size() const override { return 0; }
  const std::vector<double>& breakpoints() const override { return breakpoints_; }

  void rhs(double t, std::size_t segment, const double* y, double* dydt) override;
  void jacobian_vector(double t, std::size_t segment, const double* y, const double* v, double* out) override;
  void jacobian_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                 double* out) override;
  void parameter_transpose_vector(double, std::size_t, const double*, const double*, double*) override {}
  std::string name() const override { return "hopf ground truth"; }
  bool has_assembled_jacobian() const override { return true; }
  bool has_assembled_parameter_jacobian() const override { return true; }
  void jacobian_entries(double t, std::size_t segment, const double* y,
                        std::vector<MatrixEntry>& entries) override;
  void parameter_jacobian_entries(double, std::size_t, const double*, std::vector<MatrixEntry>&) override {}

  std::vector<double> parameters() const override { return {}; }
  void set_parameters(const std::vector<double>& values) override;  ///< accepts only an empty vector

  const MuForcing& forcing() const { return forcing_; }

 private:
  /// dF/d(x, y) of one trial, row-major.
  void jacobian_block(double t, std::size_t trial, const double* z, double J[4]) const;

  MuForcing forcing_;
  std::vector<double> breakpoints_;
};

}  // namespace neurode::models
