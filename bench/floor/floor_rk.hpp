#pragma once
/// The floor: what the column model's arithmetic costs when nothing else is paid for. A hand-written
/// explicit Runge-Kutta integrator (RK4 fixed step, Dormand-Prince 5(4) adaptive) with a hand-written
/// discrete adjoint, for one trial of the column network, on CSR weights:
///  - no PETSc, no virtual calls, no allocation once constructed (all storage sized by max_steps);
///  - its own RHS and transposed Jacobian, written directly on W and W^T (not ColumnNetwork's);
///  - the transfer function is evaluated once per stage: the forward pass keeps f and f' of every
///    stage, so the backward pass never recomputes a stage (memory: 2 N per stage and step).
/// It is only a yardstick for neurode's benchmarks (bench/compare.sh), not a solver to use: one
/// trial, MSE on the rate state r, trainable entries of W only.
#include <array>
#include <cstddef>
#include <vector>

#include "models/column/network_builder.hpp"
#include "models/column/piecewise_drive.hpp"
#include "models/column/transfer_function.hpp"

namespace neurode::bench {

/// One trial's gradient problem in plain arrays.
struct FloorProblem {
  std::size_t n = 0;  ///< populations; the state is [V(n), a(n), r(n)]
  // W (target x source) in CSR by target, and W^T in CSR by source, for gathers both ways.
  std::vector<std::size_t> w_start, w_col;
  std::vector<double> w_value;
  std::vector<std::size_t> wt_start, wt_col;
  std::vector<double> wt_value;
  std::vector<double> kappa;
  std::vector<double> segment_start;  ///< time each drive segment starts; [0] is the start time
  std::vector<double> drive;          ///< segments x n: W_ff nu_ff + W_bg nu_bg, Hz-weighted
  double inv_tau_m = 0, inv_tau_a = 0, inv_tau_s = 0;
  double input_gain = 0;  ///< R tau_s / tau_m
  models::TransferFunction transfer;
  std::vector<std::size_t> param_row, param_col;  ///< the trainable entries of W
  std::vector<double> y0;
  std::vector<double> times;       ///< observation times, increasing, times[0] >= start
  std::vector<double> obs_weight;  ///< weight of each observation
  std::vector<std::size_t> loss_pop;
  std::vector<double> loss_target;  ///< Hz, one per loss_pop (the same at every observation)
};

/// Builds the floor's arrays from neurode's weight structures (no network input channels).
/// `parameters` of the weights name the trainable entries.
FloorProblem make_floor_problem(const models::NetworkWeights& weights, double tau_synapse_s,
                                double tau_membrane_s, double tau_adaptation_s, double resistance,
                                double background_rate_Hz, const models::TransferParameters& transfer,
                                const models::PiecewiseDrive& drive, const std::vector<double>& y0,
                                const std::vector<double>& times,
                                const std::vector<std::size_t>& loss_populations,
                                const std::vector<double>& loss_target_rates);

/// Classic RK4.
struct Rk4Tableau {
  static constexpr int stages = 4;
  static constexpr bool embedded = false;
  static constexpr std::array<std::array<double, 4>, 4> a{
      {{0, 0, 0, 0}, {0.5, 0, 0, 0}, {0, 0.5, 0, 0}, {0, 0, 1, 0}}};
  static constexpr std::array<double, 4> b{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6};
  static constexpr std::array<double, 4> e{0, 0, 0, 0};
};

/// Dormand-Prince 5(4), first same as last; e = b - b_hat (the error estimate's weights).
struct Dp5Tableau {
  static constexpr int stages = 7;
  static constexpr bool embedded = true;
  static constexpr std::array<std::array<double, 7>, 7> a{{
      {0, 0, 0, 0, 0, 0, 0},
      {1.0 / 5, 0, 0, 0, 0, 0, 0},
      {3.0 / 40, 9.0 / 40, 0, 0, 0, 0, 0},
      {44.0 / 45, -56.0 / 15, 32.0 / 9, 0, 0, 0, 0},
      {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729, 0, 0, 0},
      {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656, 0, 0},
      {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0},
  }};
  static constexpr std::array<double, 7> b{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784,
                                           11.0 / 84,  0};
  static constexpr std::array<double, 7> e{35.0 / 384 - 5179.0 / 57600,
                                           0,
                                           500.0 / 1113 - 7571.0 / 16695,
                                           125.0 / 192 - 393.0 / 640,
                                           -2187.0 / 6784 + 92097.0 / 339200,
                                           11.0 / 84 - 187.0 / 2100,
                                           -1.0 / 40};
};

/// Integrator + discrete adjoint for one tableau. Not thread-safe; reusable across solves.
template <class Tableau>
class FloorRk {
 public:
  /// Storage for up to `max_steps` accepted steps is allocated here, once.
  FloorRk(const FloorProblem& problem, std::size_t max_steps);

  /// Fixed steps of dt on a grid restarted at every segment start (as neurode's fixed-step
  /// integrator); every observation time must be a grid point. Returns the number of steps.
  std::size_t forward_fixed(double dt);
  /// Adaptive steps (tableaus with an error estimate): RMS weighted error norm, safety 0.9, step
  /// ratio clipped to [0.1, 10], steps landing on every observation and segment start, FSAL
  /// within a segment. Returns the number of accepted steps.
  std::size_t forward_adaptive(double rtol, double atol, double dt0);
  /// The given step end times (e.g. another integrator's accepted steps), for gradient checks.
  std::size_t forward_steps(const std::vector<double>& step_ends);

  /// Discrete adjoint of the last forward pass: d loss / d (trainable W entries).
  const std::vector<double>& backward();

  double loss() const { return loss_; }
  const std::vector<double>& gradient() const { return gradient_; }
  std::size_t steps() const { return steps_; }
  std::size_t rejected_steps() const { return rejected_; }
  std::size_t rhs_evaluations() const { return rhs_evaluations_; }
  /// Bytes of the stored trajectory (states, per-stage f and f', step records).
  std::size_t trajectory_bytes() const;

 private:
  static constexpr int S = Tableau::stages;
  void rhs(const double* y, const double* drive, double* dydt, double* rate, double* slope) const;
  void transpose_product(const double* u, const double* slope, double* out) const;
  /// Stages and solution of one step from states_[m]; stage f, f' go to step m's slots.
  void take_step(std::size_t m, double h, std::size_t segment, bool reuse_first, double* y_next);
  /// Records step m = [t, t + h] and its observation, advances the loss.
  void accept(std::size_t m, double t, double h, std::size_t segment, std::size_t& next_obs);
  void start();

  const FloorProblem& p_;
  std::size_t n3_, max_steps_;
  std::vector<double> states_;                    ///< (max_steps + 1) x 3n
  std::vector<double> stage_rate_, stage_slope_;  ///< max_steps x S x n
  std::vector<double> step_t_, step_h_;
  std::vector<std::size_t> step_segment_;
  std::vector<long> step_obs_;  ///< observation at the step's end, or -1
  std::vector<double> K_, Y_, W_, u_, lambda_, err_, last_rate_, last_slope_;
  std::vector<double> gradient_;
  mutable std::vector<double> x_;  ///< V - a of the stage being evaluated (rhs is const)
  double loss_ = 0;
  std::size_t steps_ = 0, rejected_ = 0, rhs_evaluations_ = 0;
};

extern template class FloorRk<Rk4Tableau>;
extern template class FloorRk<Dp5Tableau>;

}  // namespace neurode::bench
