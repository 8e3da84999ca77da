#pragma once
/// neurode's discrete adjoint of an explicit Runge-Kutta method: the exact gradient of the
/// discretised solution, with the accepted steps held fixed, computed by reverse-mode
/// differentiation of each step's stages. Unlike PETSc 3.18's TSAdjoint for rk/5dp, 5f and 5bs,
/// stages with zero weight (the FSAL stage of Dormand-Prince) are handled exactly.
#include <vector>

#include "models/model.hpp"
#include "solvers/butcher_tableau.hpp"
#include "solvers/observation_cost.hpp"
#include "solvers/solution.hpp"
#include "solvers/trajectory_store.hpp"

namespace neurode::solvers {

struct AdjointResult {
  std::vector<double> gradient;  ///< trials x parameters
  std::vector<double> dl_dy0;    ///< state size
  long rhs_evaluations = 0;
  long transpose_products = 0;  ///< (dF/dy)^T w products
  long backward_steps = 0;
  long linearised_steps = 0;            ///< steps whose stage linearisations came from the forward pass
  long recomputed_steps = 0;            ///< forward steps recomputed from checkpoints (continuous adjoint)
  std::size_t interpolation_bytes = 0;  ///< the continuous adjoint's recomputed states and slopes
  double wall_time_s = 0;
};

class RkDiscreteAdjoint {
 public:
  RkDiscreteAdjoint(models::Model& model, ButcherTableau tableau);

  /// Backward sweep over the steps in `store` of the forward solve that produced `solution`.
  /// Observation k's cotangent enters at its step's end, or, for an output inside a step, as the
  /// interpolation made it: split between the step's ends with the weights of the linear
  /// interpolation, or, with the method's interpolant (ButcherTableau::interpolate), at the step's
  /// start and into each stage slope's cotangent with weight h b_i(theta).
  /// Steps stored with their stage linearisations (TrajectoryStore::stage_linearisations) are
  /// differentiated with them: the model's expensive part is not evaluated again, and the stage
  /// states are recomputed only if the model's products read them. Other steps recompute their
  /// stages with the model's rhs.
  AdjointResult run(const TrajectoryStore& store, const Solution& solution, const ObservationCost& cost);

  /// One forward step of the same method (used to recompute states between checkpoints).
  void step(double t, double h, std::size_t segment, const double* y, double* y_next);

 private:
  struct Sweep;  ///< the state of one backward sweep

  /// Stage states and slopes of the step from y: with the model's rhs, or from the stage
  /// linearisations of a recorded step when given. `all_slopes` false: only the slopes a later
  /// stage state needs (the backward sweep needs the stage states, not the step's result).
  void compute_stages(double t, double h, std::size_t segment, const double* y, bool all_slopes,
                      const double* linearisations = nullptr);
  /// Adds the cotangents of the observations inside the step (t_start, t_end] to lambda (at its
  /// end) and, for an output between fixed-step grid points, the rest to pending (its start).
  void add_observations_in(Sweep& sweep, const StepRecord& step);
  /// Adds the cotangent of observation k, interpolated at theta of its step by the method's
  /// interpolant.
  void add_interpolated_cotangent(Sweep& sweep, std::size_t k, double theta);
  /// Adds weight x dL/dy at observation k to target.
  void add_cotangent(Sweep& sweep, std::size_t k, double weight, std::vector<double>& target);
  /// Asks for the stage linearisations of the step kPrefetchSteps before step m, to arrive while
  /// step m is differentiated.
  void prefetch_ahead(Sweep& sweep, std::size_t m) const;
  /// The state at the start of step m: stored, or recomputed from its checkpoint.
  const double* start_state(Sweep& sweep, std::size_t m);
  /// The stage states and slopes that step m's products read (none when its kept linearisations
  /// suffice).
  void prepare_stages(Sweep& sweep, std::size_t m, const double* stages);
  /// The reverse sweep over step m's stages: each stage's cotangent W_i, adding the parameter
  /// gradient.
  void differentiate_stages(Sweep& sweep, const StepRecord& step, const double* stages);
  /// lambda at the step's start: lambda + sum W_i, and what was pending for that time.
  void step_lambda_back(Sweep& sweep);

  models::Model& model_;
  ButcherTableau tableau_;
  std::size_t n_;
  std::vector<bool> needed_;       ///< stage influences the step's result
  std::vector<std::size_t> slot_;  ///< stage -> its index among the needed stages
  std::size_t needed_count_ = 0;
  std::vector<bool> slope_feeds_a_stage_;  ///< a later needed stage's state uses this slope
  std::vector<double> Y_, K_, W_;          ///< stages x n: stage states, slopes, stage cotangents
  std::vector<double> u_, lambda_, pending_, cotangent_;
  /// Interpolated observations inside the current step: sum_k b_i(theta_k) dL/dy(t_k) per stage
  /// (stages x n), and whether there are any.
  std::vector<double> interpolated_, weights_;
  bool interpolated_used_ = false;
  long rhs_evaluations_ = 0;
};

}  // namespace neurode::solvers
