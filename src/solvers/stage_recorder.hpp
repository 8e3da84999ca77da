#pragma once
/// The stage linearisations (Model::rhs_recording) of an explicit Runge-Kutta solve, for an
/// observer that wants them (a discrete adjoint's trajectory store). Every evaluation of F since the
/// last accepted step is logged with its time and segment; at an accepted step, the stages of the
/// attempt that was accepted are the last ones logged, identified by their times t_start + c_i h
/// (rejected attempts come before them), and handed to StepObserver::on_step_stages. A step whose
/// evaluations do not match that pattern is not handed over: the adjoint then recomputes it.
#include <cstddef>
#include <vector>

#include "models/model.hpp"
#include "solvers/butcher_tableau.hpp"
#include "solvers/step_observer.hpp"

namespace neurode::solvers {

class StageRecorder {
 public:
  /// `tableau`: the method's (0 stages: never records).
  explicit StageRecorder(ButcherTableau tableau);

  /// Starts a solve (after observer->on_start): records when the observer wants the
  /// linearisations and the model has them.
  void start(const models::Model& model, StepObserver* observer);
  /// Starts a solve that records `record_size` doubles per evaluation for `sink` (for instance the
  /// slopes F themselves, for an interpolant).
  void start_recording(std::size_t record_size, StepObserver* sink);
  bool recording() const { return recording_; }
  /// Where the evaluation of F at (t, segment) about to be made is to record its linearisation;
  /// the evaluation is logged.
  double* destination(double t, std::size_t segment);
  /// After observer->on_step for the accepted step [t_start, t_end] on `segment`: hands its stages
  /// over when they can be identified.
  void hand_over(double t_start, double t_end, std::size_t segment);
  /// Forgets what was recorded (a diverged step: the solve ends).
  void discard();
  void finish() {
    recording_ = false;
    observer_ = nullptr;
  }

 private:
  struct Evaluation {
    double t;
    std::size_t segment;
  };
  double* evaluation_at(std::size_t k);

  ButcherTableau tableau_;
  std::vector<bool> stage_needed_;
  StepObserver* observer_ = nullptr;
  bool recording_ = false;
  std::size_t linearisation_size_ = 0;
  std::vector<Evaluation> evaluations_;
  std::vector<double> evaluation_data_;     ///< evaluations x linearisation_size
  std::vector<const double*> stage_data_;   ///< per stage of the accepted step
  std::vector<const double*> needed_data_;  ///< the stages handed to the observer
  std::vector<double> carry_;               ///< FSAL: the last stage of the previous step
  Evaluation carry_evaluation_{};
  bool carry_valid_ = false;
  // With every stage needed and no FSAL (Euler, RK4), a step's first s evaluations are recorded
  // straight into the observer's slot for them (StepObserver::stage_destination): a batched
  // solve's linearisations are then written once instead of written and copied.
  bool record_in_place_ = false;
  double* stage_slot_ = nullptr;  ///< the current step's slot, or nullptr: evaluation_data_
};

}  // namespace neurode::solvers
