#include "solvers/integrator.hpp"

#include <petscts.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "mpi/interruption.hpp"
#include "petsc/error.hpp"
#include "petsc/handle.hpp"
#include "petsc/native_vector.hpp"
#include "solvers/divergence_guard.hpp"
#include "solvers/imex_system.hpp"
#include "solvers/implicit_system.hpp"
#include "solvers/output_schedule.hpp"
#include "solvers/stage_recorder.hpp"
#include "solvers/ts_setup.hpp"

namespace neurode::solvers {

struct Integrator::Impl {
  models::Model& model;
  SolverSettings settings;
  std::size_t n;
  petsc::TSHandle ts;
  petsc::VecHandle state;  // the TS's solution vector
  ActiveMethod method;
  std::unique_ptr<OutputSchedule> schedule;
  std::unique_ptr<StageRecorder> stages;
  // With an interpolant: the slopes of each step's stages, handed to the output schedule.
  struct SlopeSink final : StepObserver {
    Impl* self = nullptr;
    const double* step_end_state = nullptr;
    bool handed = false;
    void on_start(double, const double*, std::size_t) override {}
    void on_step(double, double, std::size_t, const double*) override {}
    void on_step_stages(const double* const* slopes, std::size_t, std::size_t) override {
      self->schedule->record_outputs(self->step_start, self->step_end, step_end_state, slopes);
      handed = true;
    }
  } slope_sink;
  std::unique_ptr<StageRecorder> slopes;
  std::unique_ptr<ImplicitSystem> implicit;  // implicit methods only
  std::unique_ptr<ImexSystem> imex;          // the IMEX split only

  // The solve in progress.
  Solution* out = nullptr;
  StepObserver* observer = nullptr;
  std::size_t segment = 0;  // of the step being taken
  double step_start = 0, step_end = 0;
  bool diverged = false;
  bool interrupted = false;  // by a signal (mpi/interruption.hpp), after a step
  long rhs_evaluations = 0, jacobian_evaluations = 0;
  std::chrono::steady_clock::time_point solve_start, last_report;

  Impl(models::Model& m, const SolverSettings& s, const std::string& prefix)
      : model(m), settings(s), n(m.state_size()) {
    NEURODE_PETSC_CHECK(TSCreate(PETSC_COMM_SELF, ts.out()));
    NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, static_cast<PetscInt>(n), state.out()));
    method = set_up_ts(ts, settings, prefix, model.has_assembled_jacobian());
    schedule = std::make_unique<OutputSchedule>(n, method.fixed_step, method.dt,
                                                method.tableau.interpolate ? &method.tableau : nullptr);
    stages = std::make_unique<StageRecorder>(method.tableau);
    slopes = std::make_unique<StageRecorder>(method.tableau);
    slope_sink.self = this;
    NEURODE_PETSC_CHECK(TSSetApplicationContext(ts, this));
    NEURODE_PETSC_CHECK(TSSetPreStep(ts, &Impl::pre_step));
    NEURODE_PETSC_CHECK(TSSetPostStep(ts, &Impl::post_step));
    if (method.linear_decay_split) {
      imex = std::make_unique<ImexSystem>(model, segment, rhs_evaluations, jacobian_evaluations);
      imex->attach(ts);
    } else if (method.implicit) {
      implicit = std::make_unique<ImplicitSystem>(model, segment, rhs_evaluations, jacobian_evaluations);
      implicit->attach(ts);
    } else {
      NEURODE_PETSC_CHECK(TSSetRHSFunction(ts, nullptr, &Impl::rhs_function, this));
    }
  }

  // --- The steps of a solve.

  void check_arguments(double t0, const std::vector<double>& y0, const std::vector<double>& output_times,
                       const std::vector<std::size_t>& output_components) const {
    if (y0.size() != n)
      throw std::invalid_argument("initial state has " + std::to_string(y0.size()) + " values, the model " +
                                  std::to_string(n));
    if (output_times.empty() || output_times.front() < t0 ||
        !std::is_sorted(output_times.begin(), output_times.end()) ||
        std::adjacent_find(output_times.begin(), output_times.end()) != output_times.end())
      throw std::invalid_argument("output times must be increasing and not before the start time");
    for (std::size_t c : output_components)
      if (c >= n)
        throw std::invalid_argument("output component " + std::to_string(c) + " of a state of " +
                                    std::to_string(n));
  }

  Solution empty_solution(const std::vector<double>& output_times,
                          const std::vector<std::size_t>& output_components) const {
    Solution solution;
    solution.components = output_components;
    solution.state_size = output_components.empty() ? n : output_components.size();
    solution.times = output_times;
    solution.states.resize(output_times.size() * solution.state_size);
    solution.method = method.description();
    return solution;
  }

  // The schedule, the observer, the counters and the TS, for a solve from (t0, y0) into `solution`.
  void start(double t0, const std::vector<double>& y0, Solution& solution, StepObserver* step_observer) {
    out = &solution;
    schedule->start(t0, y0.data(), model.breakpoints(), solution);
    observer = step_observer;
    diverged = false;
    interrupted = false;
    solve_start = last_report = std::chrono::steady_clock::now();
    rhs_evaluations = 0;
    jacobian_evaluations = 0;
    segment = models::segment_at(model.breakpoints(), t0);

    PetscScalar* yv;
    NEURODE_PETSC_CHECK(VecGetArrayWrite(state, &yv));
    std::copy(y0.begin(), y0.end(), yv);
    NEURODE_PETSC_CHECK(VecRestoreArrayWrite(state, &yv));
    if (observer) observer->on_start(t0, y0.data(), n);
    stages->start(model, observer);
    slopes->start_recording(method.tableau.interpolate ? n : 0, &slope_sink);

    NEURODE_PETSC_CHECK(TSSetTime(ts, t0));
    NEURODE_PETSC_CHECK(TSSetStepNumber(ts, 0));
    NEURODE_PETSC_CHECK(TSSetTimeStep(ts, method.dt));
    NEURODE_PETSC_CHECK(TSSetMaxTime(ts, solution.times.back()));
    NEURODE_PETSC_CHECK(TSSetConvergedReason(ts, TS_CONVERGED_ITERATING));
    NEURODE_PETSC_CHECK(TSRestartStep(ts));
    if (method.runge_kutta()) use_fast_stage_sums(ts, state);
    if (imex) imex->start_solve();
  }

  void run(double t0, Solution& solution) {
    if (!(solution.times.back() > t0) || solve_until_non_finite(ts, state)) return;
    diverged = true;
    PetscReal t_failed = t0;
    TSGetTime(ts, &t_failed);
    solution.time_reached = t_failed;
  }

  // Statistics, the time reached and, for a solve that stopped early, why.
  void conclude(Solution& solution) {
    TSConvergedReason reason;
    NEURODE_PETSC_CHECK(TSGetConvergedReason(ts, &reason));
    PetscReal t_final;
    NEURODE_PETSC_CHECK(TSGetTime(ts, &t_final));
    PetscInt steps = 0, rejected = 0, nonlinear = 0, linear = 0;
    NEURODE_PETSC_CHECK(TSGetStepNumber(ts, &steps));
    NEURODE_PETSC_CHECK(TSGetStepRejections(ts, &rejected));
    NEURODE_PETSC_CHECK(TSGetSNESIterations(ts, &nonlinear));
    NEURODE_PETSC_CHECK(TSGetKSPIterations(ts, &linear));
    auto& st = solution.statistics;
    st.steps = steps;
    st.rejected_steps = rejected;
    st.rhs_evaluations = rhs_evaluations;
    st.jacobian_evaluations = jacobian_evaluations;
    st.nonlinear_iterations = nonlinear;
    st.linear_iterations = linear;
    if (!diverged && !interrupted) solution.time_reached = t_final;

    const double t_end = solution.times.back();
    SolveEnd end;
    end.diverged = diverged;
    end.interrupted = interrupted;
    end.reason = reason;
    end.reached_end = std::abs(t_final - t_end) <= 1e-12 * std::max(1.0, std::abs(t_end));
    end.all_outputs = schedule->all_outputs_written();
    end.steps = steps;
    explain_end(solution, end, settings);
    schedule->finish();
    stages->finish();
    slopes->finish();
    out = nullptr;
    observer = nullptr;
  }

  // --- PETSc's callbacks.

  static Impl& of(TS ts) {
    void* context = nullptr;
    TSGetApplicationContext(ts, &context);
    return *static_cast<Impl*>(context);
  }

  static PetscErrorCode rhs_function(TS, PetscReal t, Vec y, Vec f, void* context) {
    NEURODE_PETSC_CALLBACK({
      auto& self = *static_cast<Impl*>(context);
      // TSComputeRHSFunction has locked y for reading; f is marked changed below.
      const bool native = petsc::host_native(y) && petsc::host_native(f);
      const PetscScalar* yv;
      PetscScalar* fv;
      if (native) {
        yv = petsc::native_array(y);
        fv = petsc::native_array(f);
      } else {
        PetscCall(VecGetArrayRead(y, &yv));
        PetscCall(VecGetArrayWrite(f, &fv));
      }
      if (self.stages->recording())
        self.model.rhs_recording(t, self.segment, yv, fv, self.stages->destination(t, self.segment));
      else
        self.model.rhs(t, self.segment, yv, fv);
      if (self.slopes->recording() && self.schedule->wants_slopes()) {
        double* slope = self.slopes->destination(t, self.segment);
        std::copy(fv, fv + self.n, slope);
      }
      ++self.rhs_evaluations;
      if (native) {
        PetscCall(PetscObjectStateIncrease(reinterpret_cast<PetscObject>(f)));
      } else {
        PetscCall(VecRestoreArrayWrite(f, &fv));
        PetscCall(VecRestoreArrayRead(y, &yv));
      }
    });
  }

  // Before each step: pick the forcing segment and shorten the step so it lands on the next stop.
  static PetscErrorCode pre_step(TS ts) {
    NEURODE_PETSC_CALLBACK({
      auto& self = of(ts);
      PetscReal t, dt;
      PetscCall(TSGetTime(ts, &t));
      PetscCall(TSGetTimeStep(ts, &dt));
      self.step_start = t;
      self.segment = models::segment_at(self.model.breakpoints(), t);
      PetscCall(TSSetTimeStep(ts, self.schedule->step_end(t, dt) - t));
    });
  }

  // After each accepted step: snap onto the stop, record outputs and stages, restart at
  // breakpoints, and stop cleanly on divergence or a signal.
  static PetscErrorCode post_step(TS ts) {
    NEURODE_PETSC_CALLBACK({
      auto& self = of(ts);
      PetscReal t;
      PetscCall(TSGetTime(ts, &t));
      Vec y;
      PetscCall(TSGetSolution(ts, &y));
      const PetscScalar* yv;
      PetscCall(VecGetArrayRead(y, &yv));
      const bool finite = within_bound(yv, self.n, self.settings.divergence_bound);
      const OutputSchedule::Landing landing = self.schedule->land(t, finite);
      t = landing.t;
      if (landing.moved) PetscCall(TSSetTime(ts, t));
      if (finite) self.record_step_outputs(t, yv);
      if (self.observer && finite) {
        self.observer->on_step(self.step_start, t, self.segment, yv);
        if (self.stages->recording()) self.stages->hand_over(self.step_start, t, self.segment);
      }
      if (!finite) {
        self.stages->discard();
        self.slopes->discard();
      }
      PetscCall(VecRestoreArrayRead(y, &yv));
      if (!finite) {
        self.diverged = true;
        self.out->time_reached = t;
        PetscCall(TSSetConvergedReason(ts, TS_DIVERGED_NONLINEAR_SOLVE));
      } else if (mpi::interruption_requested()) {
        self.interrupted = true;
        self.out->time_reached = t;
        PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_USER));
      } else if (landing.breakpoint) {
        PetscCall(TSRestartStep(ts));
      }
      if (self.settings.progress_every_s > 0) self.report_progress(t);
    });
  }

  // The outputs of the accepted step [step_start, t]: from its stage slopes when the method
  // interpolates (all of them recorded while outputs are due: an FSAL step's first slope is the
  // previous step's last), linearly or at its end otherwise.
  void record_step_outputs(double t, const double* y) {
    if (!slopes->recording()) {
      schedule->record_outputs(step_start, t, y);
      return;
    }
    if (!schedule->wants_slopes()) {
      slopes->discard();
      return;
    }
    step_end = t;
    slope_sink.step_end_state = y;
    slope_sink.handed = false;
    slopes->hand_over(step_start, t, segment);
    if (!slope_sink.handed)
      throw std::logic_error("integrator: the stages of the step to t = " + std::to_string(t) +
                             " could not be identified for its interpolant");
  }

  void report_progress(double t) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report < std::chrono::duration<double>(settings.progress_every_s)) return;
    last_report = now;
    const double t_end = out->times.back(), t0 = out->times.front();
    std::printf("neurode: t = %.6g s of %.6g s (%.0f%%), %.0f s elapsed\n", t, t_end,
                100.0 * (t - t0) / std::max(t_end - t0, 1e-300),
                std::chrono::duration<double>(now - solve_start).count());
    std::fflush(stdout);
  }
};

Integrator::Integrator(models::Model& model, const SolverSettings& settings,
                       const std::string& options_prefix)
    : impl_(std::make_unique<Impl>(model, settings, options_prefix)) {}

Integrator::~Integrator() = default;

std::string Integrator::method_description() const { return impl_->method.description(); }
bool Integrator::is_fixed_step() const { return impl_->method.fixed_step; }
const ButcherTableau* Integrator::butcher_tableau() const {
  return impl_->method.runge_kutta() ? &impl_->method.tableau : nullptr;
}

Solution Integrator::solve(double t0, const std::vector<double>& y0, const std::vector<double>& output_times,
                           StepObserver* observer, const std::vector<std::size_t>& output_components) {
  Impl& s = *impl_;
  s.check_arguments(t0, y0, output_times, output_components);
  const auto wall_start = std::chrono::steady_clock::now();
  Solution solution = s.empty_solution(output_times, output_components);
  s.start(t0, y0, solution, observer);
  s.run(t0, solution);
  s.conclude(solution);
  solution.statistics.wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return solution;
}

}  // namespace neurode::solvers
