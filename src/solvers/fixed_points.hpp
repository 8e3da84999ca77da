#pragma once
/// Fixed points of a model's vector field on one forcing segment, F(t, y*) = 0, by PETSc's SNES
/// (Newton with line search on the model's assembled Jacobian, LU), and their linear stability from
/// the eigenvalues of dF/dy at y* (LAPACK's dgeev through PETSc). For questions such as whether a
/// network can hold persistent activity once its input is gone: how many fixed points it has and
/// which are stable.
#include <complex>
#include <cstddef>
#include <vector>

#include "models/model.hpp"

namespace neurode::solvers {

struct FixedPoint {
  std::vector<double> state;
  bool converged = false;
  double residual_norm = 0;  ///< ||F(t, y*)||_2
  int iterations = 0;
  std::vector<std::complex<double>> eigenvalues;  ///< of dF/dy at y*, when converged
  double max_real_eigenvalue = 0;                 ///< < 0: linearly stable
};

/// Newton from `guess` on segment `segment` at time t. Needs Model::has_assembled_jacobian()
/// (std::invalid_argument otherwise).
FixedPoint find_fixed_point(models::Model& model, std::size_t segment, const std::vector<double>& guess,
                            double t = 0.0);
/// The eigenvalues of dF/dy at (t, y) on `segment`, from the assembled entries.
std::vector<std::complex<double>> jacobian_eigenvalues(models::Model& model, std::size_t segment,
                                                       const std::vector<double>& y, double t = 0.0);

}  // namespace neurode::solvers
