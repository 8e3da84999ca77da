#pragma once
// Small gradient problems shared by the gradient tests.
#include <memory>
#include <string>
#include <vector>

#include "models/column/column_network.hpp"
#include "models/column/network_file.hpp"
#include "solvers/gradient.hpp"
#include "solvers/solver_settings.hpp"
#include "train/trajectory_loss.hpp"

namespace neurode::testing {

struct GradientProblem {
  std::unique_ptr<models::ColumnNetwork> model;
  std::vector<double> y0;
  std::vector<double> times;
  std::unique_ptr<train::TrajectoryLoss> loss;
};

/// The reference gradient_wta.h5 problem: mean over outputs of (r_0 - 5)^2 + (r_8 - 1)^2.
GradientProblem reference_wta_problem();
/// The small three-column network of the gradient tests: areas [mt x2, mt x1] (24 populations),
/// lateral, feed-forward and feedback connections trainable; with `scalars`, the membrane and
/// adaptation time constants and the adaptation strengths too.
models::NetworkSpec small_three_column_spec(const models::ColumnParameters& parameters, bool scalars);
/// A random small network: areas [mt x2, mt x1], lateral + feedforward + feedback connections with
/// random trainable weights, a stimulus on the first area, Huber loss on the last column's L2/3e.
/// With `scalars`, the membrane and adaptation time constants and the adaptation strengths are
/// trainable too.
GradientProblem random_network_problem(unsigned seed, std::size_t trials = 1, bool scalars = false);

/// The gradient of the problem's loss by `method` (the backward solver, for the continuous adjoint,
/// is `solver` too); a failed forward solve is a test failure.
solvers::GradientResult gradient_of(GradientProblem& p, const solvers::SolverSettings& solver,
                                    solvers::GradientMethod method, std::size_t checkpoint_every = 1);
/// The problem's loss from a plain forward solve (for finite differences).
double loss_of(GradientProblem& p, const solvers::SolverSettings& solver);

/// Solver settings: method `name`, fixed step dt or adaptive from dt with rtol = atol = tol.
solvers::SolverSettings method(const std::string& name, bool adaptive, double dt, double tol = 1e-10);

}  // namespace neurode::testing
