#pragma once
/// Adaptive steps for SDEs with additive noise, dy = F(t, y) dt + sigma dW on chosen components of
/// every trial, on Brownian trees (models/noise/brownian_tree.hpp), with the exact pathwise gradient
/// of the discrete solution.
///
/// Why a loop of its own and not PETSc TS: a step's noise is the path's increment over that step,
/// so the scheme must know the interval it tries (and, after a rejection, the shorter one), which
/// TS does not tell a right-hand side; and the grid method (additive_noise.hpp), which TS does
/// integrate, caps every step at the grid.
///
/// Schemes:
///   - Euler-Maruyama, y+ = y + h F(t, y) + sigma dW: strong order 1 for additive noise; fixed step.
///   - SRA1 (Roessler 2010, for additive noise; constant sigma): H = y + 3/4 h F(t, y) +
///     3/2 sigma Z / h, y+ = y + h (F(t, y) / 3 + 2 F(t + 3/4 h, H) / 3) + sigma dW, with dW and
///     Z = int (W(u) - W(t)) du from the tree: strong order 1.5. Its embedded error estimate is the
///     difference to Euler-Maruyama on the same increments, 2/3 h (F(t + 3/4 h, H) - F(t, y)), which
///     holds F' sigma Z: the steps follow the noise as well as the drift. Fixed or adaptive.
/// A rejected step is tried again, shorter, on the same path: the tree answers any interval, so
/// there is nothing to resample. An adaptive step ends on the latest point of the trees' coarsest
/// level that fits in it (BrownianTree::dyadic_end), which makes its noise a walk of a few levels. Steps stop
/// at the drift's breakpoints (input jumps) and at the output times; there is no interpolation between steps.
///
/// Gradient: the discrete adjoint of the accepted steps, with the steps held fixed (as for the
/// adaptive ODE methods, docs/gradients.md): each step's stage states are kept from the forward
/// pass, and the noise, which depends on neither the state nor the parameters, drops out of the
/// reverse sweep, so the backward pass sees the forward pass's path by construction.
#include <cstddef>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "models/noise/brownian_tree.hpp"
#include "solvers/observation_cost.hpp"

namespace neurode::solvers {

enum class SdeScheme { euler_maruyama, sra1 };

struct SdeSettings {
  SdeScheme scheme = SdeScheme::sra1;
  bool adaptive = true;  ///< SRA1 only
  double dt = 1e-4;      ///< the fixed step, or the first adaptive one
  double rtol = 1e-3, atol = 1e-3;
  double dt_min = 1e-12;  ///< an adaptive step this short is accepted whatever its error
  long max_steps = 10'000'000;
  /// Non-empty: take exactly these steps (step length, step end), as a solve recorded them in
  /// SdeSolution::steps: the same steps for finite differences or a rerun, bit for bit.
  std::vector<std::pair<double, double>> frozen_steps;
  /// Keep each accepted step's start state and SRA1 stage for gradient(): two states per step. Off
  /// for a forward solve alone (a long run at small steps would otherwise hold gigabytes).
  bool keep_for_gradient = true;
};

/// Additive noise of every trial: sigma[j] dW_j on component `components[j]` of the trial's block
/// (state_size() / trial_count() values), W_j component j of the trial's Brownian tree.
struct AdditiveNoiseSpec {
  std::vector<std::size_t> components;
  std::vector<double> sigma;
};

struct SdeSolution {
  bool ok = false;
  bool interrupted = false;  ///< stopped after a step by SIGINT or SIGTERM (mpi/interruption.hpp)
  std::string message;
  std::vector<double> times;
  std::vector<double> states;                    ///< times x state size
  std::vector<std::pair<double, double>> steps;  ///< accepted (length, end) pairs
  long rejected = 0;
  long rhs_evaluations = 0;
  const double* state(std::size_t k) const { return states.data() + k * (states.size() / times.size()); }
};

struct SdeGradient {
  std::vector<double> loss_per_trial;
  std::vector<double> gradient;  ///< gradient_rows() x parameters of the drift model
  std::vector<double> dl_dy0;
  long transpose_products = 0;
};

class AdditiveSdeSolver {
 public:
  /// `paths` holds one tree per trial, each with noise.components.size() components and covering
  /// the solve's span; lent, used by every solve.
  AdditiveSdeSolver(models::Model& drift, AdditiveNoiseSpec noise, std::vector<models::BrownianTree>& paths,
                    SdeSettings settings);

  /// From (t0, y0), the states at `output_times` (increasing, >= t0). Keeps the accepted steps'
  /// stages for gradient().
  SdeSolution solve(double t0, const std::vector<double>& y0, const std::vector<double>& output_times);
  /// The loss `cost` over the last solve's outputs and its exact gradient with respect to the
  /// drift's parameters and the initial state.
  SdeGradient gradient(const SdeSolution& solution, const ObservationCost& cost);

 private:
  struct Step {
    double t, h;
    std::size_t segment;
    std::vector<std::size_t> outputs;  ///< output indices at the step's end
  };
  /// One step from (t, y) of length h on `segment` into y_next (and the SRA1 stage into stage),
  /// returning its weighted error (0 when not adaptive).
  double try_step(double t, double h, std::size_t segment, const double* y, double* y_next, double* stage);

  models::Model& drift_;
  AdditiveNoiseSpec noise_;
  std::vector<models::BrownianTree>& paths_;
  SdeSettings settings_;
  std::size_t n_, trial_block_;
  std::vector<double> k1_, k2_, dW_, Z_;
  // The last solve's accepted steps, their start states and SRA1 stages (steps x n each).
  std::vector<Step> steps_;
  std::vector<double> start_states_, stages_;
  std::vector<std::size_t> initial_outputs_;  ///< outputs at t0
};

}  // namespace neurode::solvers
