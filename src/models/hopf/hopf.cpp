#include "models/hopf/hopf.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "models/kernels/random_stream.hpp"

namespace neurode::models {
namespace {

// Stream domain of the Hopf samples: 0x48xx ('H') like the MLP's initial weights
// (mlp_vector_field.cpp), clear of RandomDomain's small sequential values.
constexpr std::uint16_t kHopfSampleDomain = 0x4802;
constexpr double kStartHalfWidth = 2.0;  // start ~ U(-2, 2)^2 (spec)

}  // namespace

double HopfSample::mu0() const { return std::sin(phase); }

HopfSample sample_hopf(std::uint64_t seed, std::uint64_t index) {
  const RandomStream stream(seed, stream_id(static_cast<RandomDomain>(kHopfSampleDomain), index));
  HopfSample s;
  s.x0 = kStartHalfWidth * (2.0 * stream.uniform(0) - 1.0);
  s.y0 = kStartHalfWidth * (2.0 * stream.uniform(1) - 1.0);
  s.phase = std::numbers::pi * (2.0 * stream.uniform(2) - 1.0);
  return s;
}

HopfGroundTruth::HopfGroundTruth(MuForcing forcing) : forcing_(std::move(forcing)) {
  if (forcing_.phases.empty())
    throw std::invalid_argument("hopf ground truth: at least one trial (phase) is needed");
}

void HopfGroundTruth::set_parameters(const std::vector<double>& values) {
  if (!values.empty()) throw std::invalid_argument("hopf ground truth: the model has no parameters");
}

void HopfGroundTruth::rhs(double t, std::size_t, const double* y, double* dydt) {
  for (std::size_t b = 0; b < trial_count(); ++b) {
    const double x = y[2 * b], v = y[2 * b + 1];
    const double growth = forcing_.value(b, t) - x * x - v * v;
    dydt[2 * b] = growth * x - v;
    dydt[2 * b + 1] = growth * v + x;
  }
}

void HopfGroundTruth::jacobian_block(double t, std::size_t trial, const double* z, double J[4]) const {
  const double x = z[0], y = z[1];
  const double growth = forcing_.value(trial, t) - x * x - y * y;
  J[0] = growth - 2.0 * x * x;
  J[1] = -2.0 * x * y - 1.0;
  J[2] = -2.0 * x * y + 1.0;
  J[3] = growth - 2.0 * y * y;
}

void HopfGroundTruth::jacobian_vector(double t, std::size_t, const double* y, const double* v, double* out) {
  double J[4];
  for (std::size_t b = 0; b < trial_count(); ++b) {
    jacobian_block(t, b, y + 2 * b, J);
    out[2 * b] = J[0] * v[2 * b] + J[1] * v[2 * b + 1];
    out[2 * b + 1] = J[2] * v[2 * b] + J[3] * v[2 * b + 1];
  }
}

void HopfGroundTruth::jacobian_transpose_vector(double t, std::size_t, const double* y, const double* w,
                                                double* out) {
  double J[4];
  for (std::size_t b = 0; b < trial_count(); ++b) {
    jacobian_block(t, b, y + 2 * b, J);
    out[2 * b] = J[0] * w[2 * b] + J[2] * w[2 * b + 1];
    out[2 * b + 1] = J[1] * w[2 * b] + J[3] * w[2 * b + 1];
  }
}

void HopfGroundTruth::jacobian_entries(double t, std::size_t, const double* y,
                                       std::vector<MatrixEntry>& entries) {
  double J[4];
  for (std::size_t b = 0; b < trial_count(); ++b) {
    jacobian_block(t, b, y + 2 * b, J);
    for (std::size_t i = 0; i < 2; ++i)
      for (std::size_t j = 0; j < 2; ++j) entries.push_back({2 * b + i, 2 * b + j, J[2 * i + j]});
  }
}

}  // namespace neurode::models
