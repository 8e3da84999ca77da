#include "solvers/integrator.hpp"

#include <petscts.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "mpi/interruption.hpp"
#include "petsc/error.hpp"
#include "petsc/handle.hpp"
#include "petsc/vector_maxpy.hpp"
#include "solvers/butcher_tableau.hpp"

namespace neurode::solvers {
namespace {

// A stop is a time the integrator must land on exactly: a forcing breakpoint, the end time, and
// (with adaptive steps) every output time. Fixed-step methods keep their grid and interpolate
// outputs that fall between grid points linearly, as fixed-grid deep-learning solvers do.
struct Stop {
  double time;
  bool breakpoint = false;
};

bool same_time(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

bool is_explicit_type(const std::string& type) { return type == TSRK || type == TSEULER || type == TSSSP; }

// PETSc method names for neurode's method names.
void apply_method(TS ts, const SolverSettings& s) {
  const std::string& m = s.method;
  if (m == "euler" || m == "rk4" || m == "bs3" || m == "dopri5") {
    NEURODE_PETSC_CHECK(TSSetType(ts, TSRK));
    const TSRKType rk = m == "euler" ? TSRK1FE : m == "rk4" ? TSRK4 : m == "bs3" ? TSRK3BS : TSRK5DP;
    NEURODE_PETSC_CHECK(TSRKSetType(ts, rk));
  } else if (m == "theta") {
    NEURODE_PETSC_CHECK(TSSetType(ts, TSTHETA));
    NEURODE_PETSC_CHECK(TSThetaSetTheta(ts, s.theta));
    NEURODE_PETSC_CHECK(TSThetaSetEndpoint(ts, PETSC_TRUE));
  } else if (m == "cn") {
    NEURODE_PETSC_CHECK(TSSetType(ts, TSCN));
  } else if (m == "beuler") {
    NEURODE_PETSC_CHECK(TSSetType(ts, TSBEULER));
  } else if (m == "bdf") {
    NEURODE_PETSC_CHECK(TSSetType(ts, TSBDF));
    NEURODE_PETSC_CHECK(TSBDFSetOrder(ts, s.bdf_order));
  } else if (m == "arkimex") {
    NEURODE_PETSC_CHECK(TSSetType(ts, TSARKIMEX));
  } else {
    throw std::invalid_argument("unknown solver method '" + m + "'");
  }
}

// |y_i| <= bound for every i, NaN failing. Branch-free so that it compiles to vector code (with
// AVX2, chosen at load time: the baseline instruction set has no vector form of this reduction); it
// runs over the whole state, every trial of a batch, after every step.
__attribute__((target_clones("avx2", "default"))) bool within_bound(const double* __restrict y, std::size_t n,
                                                                    double bound) {
  std::int64_t within = 1;
  for (std::size_t i = 0; i < n; ++i) within &= static_cast<std::int64_t>(std::abs(y[i]) <= bound);
  return within != 0;
}

}  // namespace

struct Integrator::Impl {
  models::Model& model;
  SolverSettings settings;
  std::size_t n;
  petsc::TSHandle ts;
  petsc::VecHandle solution;
  petsc::MatHandle jacobian_shell, jacobian_assembled;
  bool implicit = false;
  bool fixed_step = false;
  double nominal_dt = 0;
  std::string type_name, adapt_name, subtype_name;

  // State of the solve in progress.
  std::vector<Stop> stops;
  std::size_t next_stop = 0;
  std::size_t next_output = 0;
  std::vector<double> previous_state;  // start of the step being taken, for output interpolation
  bool previous_state_kept = true;     // ... when an output may fall inside that step
  std::size_t segment = 0;
  double step_start = 0;
  // Fixed steps: the grid is origin + j dt, restarted at every breakpoint, so that times never
  // accumulate rounding over many steps.
  double grid_origin = 0, step_target = 0;
  long grid_index = 0;
  Solution* out = nullptr;
  StepObserver* observer = nullptr;
  bool diverged = false;
  bool interrupted = false;  // by a signal (mpi/interruption.hpp), after a step
  std::chrono::steady_clock::time_point solve_start, last_report;
  long rhs_evaluations = 0, jacobian_evaluations = 0;

  // Stage linearisations (Model::rhs_recording) for an observer that wants them, explicit
  // Runge-Kutta only. Every evaluation since the last accepted step is logged with its time and
  // segment; at the accepted step, the stages of the attempt that was accepted are the last ones
  // logged, identified by their times t_start + c_i h (rejected attempts come before them).
  struct Evaluation {
    double t;
    std::size_t segment;
  };
  bool runge_kutta = false;
  ButcherTableau tableau;
  std::vector<bool> stage_needed;
  bool recording = false;  // in the solve in progress
  std::size_t linearisation_size = 0;
  std::vector<Evaluation> evaluations;
  std::vector<double> evaluation_data;     // evaluations x linearisation_size
  std::vector<const double*> stage_data;   // per stage of the accepted step
  std::vector<const double*> needed_data;  // the stages handed to the observer
  std::vector<double> carry;               // FSAL: the last stage of the previous step
  Evaluation carry_evaluation{};
  bool carry_valid = false;
  // With every stage needed and no FSAL (Euler, RK4), a step's first s evaluations are recorded
  // straight into the observer's slot for them (StepObserver::stage_destination): a batched
  // solve's linearisations are then written once instead of written and copied.
  bool record_in_place = false;  // in the solve in progress
  double* stage_slot = nullptr;  // the current step's slot, or nullptr: evaluation_data

  // Where evaluation k of the current step is (to be) recorded.
  double* evaluation_at(std::size_t k) {
    const std::size_t L = linearisation_size;
    if (stage_slot != nullptr && k < static_cast<std::size_t>(tableau.stages)) return stage_slot + k * L;
    return &evaluation_data[k * L];
  }

  double* next_evaluation_destination() {
    const std::size_t L = linearisation_size, k = evaluations.size();
    if ((k + 1) * L > evaluation_data.size())
      evaluation_data.resize(std::max((k + 1) * L, 2 * evaluation_data.size()));
    if (record_in_place && k == 0)
      stage_slot = observer->stage_destination(static_cast<std::size_t>(tableau.stages), L);
    if (stage_slot != nullptr && k == static_cast<std::size_t>(tableau.stages)) {
      // More evaluations than stages in one step (a rejected attempt): the accepted stages will be
      // the last ones, so the step goes on in evaluation_data, with what was recorded in place.
      std::copy(stage_slot, stage_slot + k * L, evaluation_data.begin());
      stage_slot = nullptr;
    }
    return evaluation_at(k);
  }

  // Matrix-free Jacobian of the implicit residual: shift * I - dF/dy at the state of the last IJacobian call.
  std::vector<double> jacobian_state;
  double jacobian_shift = 0, jacobian_time = 0;
  std::vector<models::MatrixEntry> entries;

  Impl(models::Model& m, const SolverSettings& s, const std::string& prefix)
      : model(m), settings(s), n(m.state_size()) {
    NEURODE_PETSC_CHECK(TSCreate(PETSC_COMM_SELF, ts.out()));
    if (!prefix.empty()) NEURODE_PETSC_CHECK(TSSetOptionsPrefix(ts, prefix.c_str()));
    NEURODE_PETSC_CHECK(TSSetApplicationContext(ts, this));
    NEURODE_PETSC_CHECK(TSSetProblemType(ts, TS_NONLINEAR));
    NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, static_cast<PetscInt>(n), solution.out()));
    apply_method(ts, settings);
    TSAdapt adapt;
    NEURODE_PETSC_CHECK(TSGetAdapt(ts, &adapt));
    NEURODE_PETSC_CHECK(TSAdaptSetType(adapt, settings.adaptive ? TSADAPTBASIC : TSADAPTNONE));
    NEURODE_PETSC_CHECK(TSAdaptSetStepLimits(adapt, settings.dt_min, PETSC_DEFAULT));
    NEURODE_PETSC_CHECK(TSSetTolerances(ts, settings.atol, nullptr, settings.rtol, nullptr));
    NEURODE_PETSC_CHECK(TSSetTimeStep(ts, settings.dt));
    NEURODE_PETSC_CHECK(
        TSSetMaxSteps(ts, static_cast<PetscInt>(std::min<long>(settings.max_steps, PETSC_MAX_INT))));
    NEURODE_PETSC_CHECK(TSSetMaxStepRejections(ts, 100));
    NEURODE_PETSC_CHECK(TSSetMaxSNESFailures(ts, -1));
    NEURODE_PETSC_CHECK(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
    NEURODE_PETSC_CHECK(TSSetErrorIfStepFails(ts, PETSC_FALSE));
    // Implicit methods: Newton with the exact Jacobian; the assembled copy is factored by LU.
    SNES snes;
    KSP ksp;
    PC pc;
    NEURODE_PETSC_CHECK(TSGetSNES(ts, &snes));
    NEURODE_PETSC_CHECK(SNESGetKSP(snes, &ksp));
    NEURODE_PETSC_CHECK(KSPSetType(ksp, KSPGMRES));
    NEURODE_PETSC_CHECK(KSPGetPC(ksp, &pc));
    NEURODE_PETSC_CHECK(PCSetType(pc, PCLU));
    NEURODE_PETSC_CHECK(TSSetPreStep(ts, &Impl::pre_step));
    NEURODE_PETSC_CHECK(TSSetPostStep(ts, &Impl::post_step));
    // Options come last so that -ts_type, -ts_rk_type, -ts_dt, ... override the config. A PETSc
    // error here is a bad option (an unknown type, a value that is not a number): bad input.
    try {
      NEURODE_PETSC_CHECK(TSSetFromOptions(ts));
    } catch (const PetscException& e) {
      throw std::invalid_argument("PETSc options" + (prefix.empty() ? "" : " (prefix -" + prefix + ")") +
                                  ": " + (e.detail().empty() ? e.what() : e.detail()));
    }

    TSType type;
    NEURODE_PETSC_CHECK(TSGetType(ts, &type));
    type_name = type;
    if (type_name == TSRK) {
      TSRKType rk;
      NEURODE_PETSC_CHECK(TSRKGetType(ts, &rk));
      subtype_name = rk;
    } else if (type_name == TSBDF) {
      PetscInt order;
      NEURODE_PETSC_CHECK(TSBDFGetOrder(ts, &order));
      subtype_name = "order " + std::to_string(order);
    }
    TSAdaptType adapt_type;
    NEURODE_PETSC_CHECK(TSAdaptGetType(adapt, &adapt_type));
    adapt_name = adapt_type;
    fixed_step = adapt_name == TSADAPTNONE;
    NEURODE_PETSC_CHECK(TSGetTimeStep(ts, &nominal_dt));
    PetscReal atol = settings.atol, rtol = settings.rtol;
    NEURODE_PETSC_CHECK(TSGetTolerances(ts, &atol, nullptr, &rtol, nullptr));
    settings.atol = atol;
    settings.rtol = rtol;
    check_option_values(prefix);
    implicit = !is_explicit_type(type_name);
    if (type_name == TSRK) {
      tableau = rk_tableau_of(ts, subtype_name);
      runge_kutta = tableau.stages > 0;
      stage_needed = tableau.stages_needed();
      stage_data.assign(static_cast<std::size_t>(tableau.stages), nullptr);
    }
    if (implicit)
      setup_implicit();
    else
      NEURODE_PETSC_CHECK(TSSetRHSFunction(ts, nullptr, &Impl::rhs_function, this));
  }

  // The config's values are checked when it is read; these checks catch what the options database
  // changed (-ts_dt -1, -ts_rtol nan), which PETSc takes as given.
  void check_option_values(const std::string& prefix) const {
    const auto refuse = [&](const char* option, double value, const char* expected) {
      std::ostringstream m;
      m << "PETSc option -" << prefix << option << ": expected " << expected << ", got " << value;
      throw std::invalid_argument(m.str());
    };
    if (!(std::isfinite(nominal_dt) && nominal_dt > 0)) refuse("ts_dt", nominal_dt, "a step > 0");
    if (fixed_step) return;
    // Below ~10 units in the last place a tolerance cannot be met in double precision.
    if (!(std::isfinite(settings.rtol) && settings.rtol >= 1e-15))
      refuse("ts_rtol", settings.rtol, "a number >= 1e-15");
    if (!(std::isfinite(settings.atol) && settings.atol >= 1e-15))
      refuse("ts_atol", settings.atol, "a number >= 1e-15");
  }

  // TSRK forms its stages (in its stage vectors) and the step (in the solution) by VecMAXPY; these
  // vectors get neurode's kernel (petsc/vector_maxpy.hpp). The stage vectors exist once the TS is
  // set up, and are set again on every solve in case PETSc has made new ones.
  void use_fast_stage_sums() {
    NEURODE_PETSC_CHECK(TSSetSolution(ts, solution));
    NEURODE_PETSC_CHECK(TSSetUp(ts));
    PetscInt stages = 0;
    Vec* stage_vectors = nullptr;
    NEURODE_PETSC_CHECK(TSGetStages(ts, &stages, &stage_vectors));
    for (PetscInt i = 0; i < stages; ++i) petsc::use_fast_maxpy(stage_vectors[i]);
    petsc::use_fast_maxpy(solution);
  }

  void setup_implicit() {
    NEURODE_PETSC_CHECK(TSSetIFunction(ts, nullptr, &Impl::implicit_function, this));
    const auto N = static_cast<PetscInt>(n);
    NEURODE_PETSC_CHECK(MatCreateShell(PETSC_COMM_SELF, N, N, N, N, this, jacobian_shell.out()));
    NEURODE_PETSC_CHECK(MatShellSetOperation(jacobian_shell, MATOP_MULT,
                                             reinterpret_cast<void (*)(void)>(&Impl::shell_mult)));
    NEURODE_PETSC_CHECK(MatShellSetOperation(jacobian_shell, MATOP_MULT_TRANSPOSE,
                                             reinterpret_cast<void (*)(void)>(&Impl::shell_mult_transpose)));
    // Preallocate the assembled copy from the model's sparsity (values at the zero state).
    std::vector<double> y(n, 0.0);
    entries.clear();
    model.jacobian_entries(0.0, 0, y.data(), entries);
    std::vector<std::vector<std::size_t>> columns(n);
    for (std::size_t i = 0; i < n; ++i) columns[i].push_back(i);
    for (const auto& e : entries) columns[e.row].push_back(e.col);
    std::vector<PetscInt> nnz(n);
    for (std::size_t i = 0; i < n; ++i) {
      std::sort(columns[i].begin(), columns[i].end());
      nnz[i] = static_cast<PetscInt>(std::unique(columns[i].begin(), columns[i].end()) - columns[i].begin());
    }
    NEURODE_PETSC_CHECK(MatCreateSeqAIJ(PETSC_COMM_SELF, N, N, 0, nnz.data(), jacobian_assembled.out()));
    NEURODE_PETSC_CHECK(MatSetOption(jacobian_assembled, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_FALSE));
    NEURODE_PETSC_CHECK(
        TSSetIJacobian(ts, jacobian_shell, jacobian_assembled, &Impl::implicit_jacobian, this));
    jacobian_state.assign(n, 0.0);
  }

  static Impl& of(TS ts) {
    void* context = nullptr;
    TSGetApplicationContext(ts, &context);
    return *static_cast<Impl*>(context);
  }

  static PetscErrorCode rhs_function(TS, PetscReal t, Vec y, Vec f, void* context) {
    NEURODE_PETSC_CALLBACK({
      auto& self = *static_cast<Impl*>(context);
      const PetscScalar* yv;
      PetscScalar* fv;
      PetscCall(VecGetArrayRead(y, &yv));
      PetscCall(VecGetArrayWrite(f, &fv));
      if (self.recording) {
        self.model.rhs_recording(t, self.segment, yv, fv, self.next_evaluation_destination());
        self.evaluations.push_back({t, self.segment});
      } else {
        self.model.rhs(t, self.segment, yv, fv);
      }
      ++self.rhs_evaluations;
      PetscCall(VecRestoreArrayWrite(f, &fv));
      PetscCall(VecRestoreArrayRead(y, &yv));
    });
  }

  // Hands the stage linearisations of the accepted step [t_start, t_end] to the observer. Stage
  // i > 0 must be the (s - i)-th last evaluation, at t_start + c_i h on the step's segment; stage 0
  // is the evaluation just before stage 1, or, for an FSAL method that did not re-evaluate it, the
  // previous step's last stage. Anything else (an unexpected evaluation, a time that does not
  // match) leaves the step unrecorded, and the adjoint recomputes it.
  void hand_over_stages(double t_start, double t_end, std::size_t step_segment) {
    const int s = tableau.stages;
    const std::size_t L = linearisation_size;
    const double h = t_end - t_start;
    const double tolerance = 1e-12 * std::max({1.0, std::abs(t_start), std::abs(t_end)});
    auto matches = [&](const Evaluation& e, int i) {
      return e.segment == step_segment &&
             std::abs(e.t - (t_start + tableau.c[static_cast<std::size_t>(i)] * h)) <= tolerance;
    };
    std::size_t next = evaluations.size();
    bool ok = true;
    for (int i = s - 1; i >= 1 && ok; --i) {
      if (next == 0 || !matches(evaluations[next - 1], i)) {
        ok = false;
      } else {
        --next;
        stage_data[static_cast<std::size_t>(i)] = evaluation_at(next);
      }
    }
    if (ok) {
      if (next > 0 && matches(evaluations[next - 1], 0))
        stage_data[0] = evaluation_at(next - 1);
      else if (tableau.fsal && carry_valid && matches(carry_evaluation, 0))
        stage_data[0] = carry.data();
      else
        ok = false;
    }
    if (ok) {
      needed_data.clear();
      for (int i = 0; i < s; ++i)
        if (stage_needed[static_cast<std::size_t>(i)])
          needed_data.push_back(stage_data[static_cast<std::size_t>(i)]);
      observer->on_step_stages(needed_data.data(), needed_data.size(), L);
    }
    if (tableau.fsal) {
      carry_valid = ok;
      if (ok) {
        const double* last = stage_data[static_cast<std::size_t>(s - 1)];
        carry.assign(last, last + L);
        carry_evaluation = evaluations.back();
      }
    }
    evaluations.clear();
    stage_slot = nullptr;
  }

  // F(t, y, ydot) = ydot - rhs(t, y)
  static PetscErrorCode implicit_function(TS, PetscReal t, Vec y, Vec ydot, Vec f, void* context) {
    NEURODE_PETSC_CALLBACK({
      auto& self = *static_cast<Impl*>(context);
      const PetscScalar *yv, *dv;
      PetscScalar* fv;
      PetscCall(VecGetArrayRead(y, &yv));
      PetscCall(VecGetArrayRead(ydot, &dv));
      PetscCall(VecGetArrayWrite(f, &fv));
      self.model.rhs(t, self.segment, yv, fv);
      ++self.rhs_evaluations;
      for (std::size_t i = 0; i < self.n; ++i) fv[i] = dv[i] - fv[i];
      PetscCall(VecRestoreArrayWrite(f, &fv));
      PetscCall(VecRestoreArrayRead(ydot, &dv));
      PetscCall(VecRestoreArrayRead(y, &yv));
    });
  }

  // dF/dy + shift dF/dydot = shift I - J
  static PetscErrorCode implicit_jacobian(TS, PetscReal t, Vec y, Vec, PetscReal shift, Mat, Mat P,
                                          void* context) {
    NEURODE_PETSC_CALLBACK({
      auto& self = *static_cast<Impl*>(context);
      const PetscScalar* yv;
      PetscCall(VecGetArrayRead(y, &yv));
      std::copy(yv, yv + self.n, self.jacobian_state.begin());
      PetscCall(VecRestoreArrayRead(y, &yv));
      self.jacobian_shift = shift;
      self.jacobian_time = t;
      self.entries.clear();
      self.model.jacobian_entries(t, self.segment, self.jacobian_state.data(), self.entries);
      PetscCall(MatZeroEntries(P));
      for (const auto& e : self.entries)
        PetscCall(
            MatSetValue(P, static_cast<PetscInt>(e.row), static_cast<PetscInt>(e.col), -e.value, ADD_VALUES));
      for (std::size_t i = 0; i < self.n; ++i)
        PetscCall(MatSetValue(P, static_cast<PetscInt>(i), static_cast<PetscInt>(i), shift, ADD_VALUES));
      PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
      ++self.jacobian_evaluations;
    });
  }

  static PetscErrorCode shell_apply(Mat A, Vec x, Vec y, bool transpose) {
    void* context;
    PetscCall(MatShellGetContext(A, &context));
    auto& self = *static_cast<Impl*>(context);
    const PetscScalar* xv;
    PetscScalar* yv;
    PetscCall(VecGetArrayRead(x, &xv));
    PetscCall(VecGetArrayWrite(y, &yv));
    if (transpose)
      self.model.jacobian_transpose_vector(self.jacobian_time, self.segment, self.jacobian_state.data(), xv,
                                           yv);
    else
      self.model.jacobian_vector(self.jacobian_time, self.segment, self.jacobian_state.data(), xv, yv);
    for (std::size_t i = 0; i < self.n; ++i) yv[i] = self.jacobian_shift * xv[i] - yv[i];
    PetscCall(VecRestoreArrayWrite(y, &yv));
    PetscCall(VecRestoreArrayRead(x, &xv));
    return 0;
  }
  static PetscErrorCode shell_mult(Mat A, Vec x, Vec y) {
    NEURODE_PETSC_CALLBACK({ PetscCall(shell_apply(A, x, y, false)); });
  }
  static PetscErrorCode shell_mult_transpose(Mat A, Vec x, Vec y) {
    NEURODE_PETSC_CALLBACK({ PetscCall(shell_apply(A, x, y, true)); });
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
      double target = self.fixed_step
                          ? self.grid_origin + static_cast<double>(self.grid_index + 1) * self.nominal_dt
                          : t + dt;
      if (self.next_stop < self.stops.size()) {
        const double stop = self.stops[self.next_stop].time;
        // Land on the stop when the step would reach it, or miss it by a sliver that would
        // otherwise become a step of rounding-error size.
        const double sliver = self.fixed_step ? 1e-6 * self.nominal_dt : 0.0;
        if (target >= stop - sliver) target = stop;
      }
      self.step_target = target;
      PetscCall(TSSetTimeStep(ts, target - t));
    });
  }

  // After each accepted step: snap onto the stop, record outputs, restart at breakpoints, and stop
  // cleanly on divergence.
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
      bool at_breakpoint = false;
      if (self.fixed_step) {
        t = self.step_target;
        PetscCall(TSSetTime(ts, t));
        ++self.grid_index;
      }
      if (finite && self.next_stop < self.stops.size()) {
        const Stop& stop = self.stops[self.next_stop];
        if (same_time(t, stop.time)) {
          t = stop.time;
          PetscCall(TSSetTime(ts, t));
          at_breakpoint = stop.breakpoint;
          if (at_breakpoint) {
            self.grid_origin = t;
            self.grid_index = 0;
          }
          ++self.next_stop;
        }
      }
      if (finite) self.record_outputs(t, yv);
      if (self.observer && finite) {
        self.observer->on_step(self.step_start, t, self.segment, yv);
        if (self.recording) self.hand_over_stages(self.step_start, t, self.segment);
      }
      if (!finite) {
        self.evaluations.clear();
        self.stage_slot = nullptr;
        self.carry_valid = false;
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
      } else if (at_breakpoint) {
        PetscCall(TSRestartStep(ts));
      }
      if (self.settings.progress_every_s > 0) self.report_progress(t);
    });
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

  // An output row: the whole state, or the solution's components of it.
  void write_row(const double* y, double* row) const {
    const auto& c = out->components;
    if (c.empty())
      std::copy(y, y + n, row);
    else
      for (std::size_t j = 0; j < c.size(); ++j) row[j] = y[c[j]];
  }

  // Outputs reached by the step [step_start, t]: exact at the step's end, linear inside it.
  void record_outputs(double t, const double* y) {
    const auto& times = out->times;
    while (next_output < times.size() && (times[next_output] < t || same_time(times[next_output], t))) {
      double* row = &out->states[next_output * out->state_size];
      if (same_time(times[next_output], t)) {
        write_row(y, row);
      } else {
        if (!previous_state_kept)
          throw std::logic_error("integrator: an output inside a step whose start was not kept");
        const double theta = (times[next_output] - step_start) / (t - step_start);
        const auto& c = out->components;
        if (c.empty())
          for (std::size_t i = 0; i < n; ++i) row[i] = (1.0 - theta) * previous_state[i] + theta * y[i];
        else
          for (std::size_t j = 0; j < c.size(); ++j)
            row[j] = (1.0 - theta) * previous_state[c[j]] + theta * y[c[j]];
      }
      out->valid_rows = ++next_output;
    }
    // y starts the next step. Adaptive steps land on every output, and a fixed step ends at most a
    // sliver after its grid point, so only an output before that can fall inside the next step and
    // need y: with sparse outputs, no copy of the whole state per step.
    previous_state_kept = fixed_step && next_output < times.size() &&
                          times[next_output] < grid_origin +
                                                   static_cast<double>(grid_index + 1) * nominal_dt +
                                                   2e-6 * nominal_dt;
    if (previous_state_kept) std::copy(y, y + n, previous_state.begin());
  }

  std::string describe() const {
    std::ostringstream s;
    s << type_name;
    if (!subtype_name.empty()) s << "/" << subtype_name;
    if (fixed_step)
      s << ", fixed step " << nominal_dt << " s";
    else
      s << ", adaptive (" << adapt_name << ", rtol " << settings.rtol << ", atol " << settings.atol << ")";
    return s.str();
  }
};

Integrator::Integrator(models::Model& model, const SolverSettings& settings,
                       const std::string& options_prefix)
    : impl_(std::make_unique<Impl>(model, settings, options_prefix)) {}

Integrator::~Integrator() = default;

std::string Integrator::method_description() const { return impl_->describe(); }
bool Integrator::is_fixed_step() const { return impl_->fixed_step; }

Solution Integrator::solve(double t0, const std::vector<double>& y0, const std::vector<double>& output_times,
                           StepObserver* observer, const std::vector<std::size_t>& output_components) {
  Impl& s = *impl_;
  if (y0.size() != s.n)
    throw std::invalid_argument("initial state has " + std::to_string(y0.size()) + " values, the model " +
                                std::to_string(s.n));
  if (output_times.empty() || output_times.front() < t0 ||
      !std::is_sorted(output_times.begin(), output_times.end()) ||
      std::adjacent_find(output_times.begin(), output_times.end()) != output_times.end())
    throw std::invalid_argument("output times must be increasing and not before the start time");
  const auto wall_start = std::chrono::steady_clock::now();
  for (std::size_t c : output_components)
    if (c >= s.n)
      throw std::invalid_argument("output component " + std::to_string(c) + " of a state of " +
                                  std::to_string(s.n));
  Solution solution;
  solution.components = output_components;
  solution.state_size = output_components.empty() ? s.n : output_components.size();
  solution.times = output_times;
  solution.states.resize(output_times.size() * solution.state_size);
  solution.method = s.describe();
  s.out = &solution;
  const double t_end = output_times.back();

  // Merge outputs and breakpoints into the list of stops after t0.
  s.stops.clear();
  s.next_output = 0;
  if (output_times.front() == t0) {
    s.write_row(y0.data(), solution.states.data());
    solution.valid_rows = 1;
    s.next_output = 1;
  }
  s.previous_state = y0;
  s.previous_state_kept = true;
  if (s.fixed_step)
    s.stops.push_back({t_end, false});
  else
    for (std::size_t k = s.next_output; k < output_times.size(); ++k)
      s.stops.push_back({output_times[k], false});
  // The output stops are sorted already: the breakpoints are merged in, not the whole list sorted
  // (thousands of outputs per solve, a solve per group per training step).
  const auto earlier = [](const Stop& a, const Stop& b) { return a.time < b.time; };
  const std::size_t outputs = s.stops.size();
  for (double b : s.model.breakpoints()) {
    if (b <= t0 || b >= t_end) continue;
    const auto begin = s.stops.begin(), end = begin + static_cast<std::ptrdiff_t>(outputs);
    auto it = std::lower_bound(begin, end, Stop{b}, earlier);    // the first output at or after b
    if (it != begin && same_time(std::prev(it)->time, b)) --it;  // or one a rounding error before
    if (it != end && same_time(it->time, b))
      it->breakpoint = true;
    else
      s.stops.push_back({b, true});
  }
  const auto middle = s.stops.begin() + static_cast<std::ptrdiff_t>(outputs);
  std::sort(middle, s.stops.end(), earlier);
  std::inplace_merge(s.stops.begin(), middle, s.stops.end(), earlier);
  s.next_stop = 0;
  s.grid_origin = t0;
  s.grid_index = 0;
  s.out = &solution;
  s.observer = observer;
  s.diverged = false;
  s.interrupted = false;
  s.solve_start = s.last_report = std::chrono::steady_clock::now();
  s.rhs_evaluations = 0;
  s.jacobian_evaluations = 0;
  s.segment = models::segment_at(s.model.breakpoints(), t0);

  PetscScalar* yv;
  NEURODE_PETSC_CHECK(VecGetArrayWrite(s.solution, &yv));
  std::copy(y0.begin(), y0.end(), yv);
  NEURODE_PETSC_CHECK(VecRestoreArrayWrite(s.solution, &yv));
  if (observer) observer->on_start(t0, y0.data(), s.n);
  s.linearisation_size = s.model.linearisation_size();
  s.recording =
      observer && s.runge_kutta && s.linearisation_size > 0 && observer->wants_stage_linearisations();
  s.evaluations.clear();
  s.carry_valid = false;
  s.stage_slot = nullptr;
  s.record_in_place = s.recording && !s.tableau.fsal &&
                      std::all_of(s.stage_needed.begin(), s.stage_needed.end(), [](bool b) { return b; });

  NEURODE_PETSC_CHECK(TSSetTime(s.ts, t0));
  NEURODE_PETSC_CHECK(TSSetStepNumber(s.ts, 0));
  NEURODE_PETSC_CHECK(TSSetTimeStep(s.ts, s.nominal_dt));
  NEURODE_PETSC_CHECK(TSSetMaxTime(s.ts, t_end));
  NEURODE_PETSC_CHECK(TSSetConvergedReason(s.ts, TS_CONVERGED_ITERATING));
  NEURODE_PETSC_CHECK(TSRestartStep(s.ts));
  if (s.runge_kutta) s.use_fast_stage_sums();
  // PETSc's error norm refuses NaN and infinity (PETSC_ERR_FP) before our post-step check sees
  // them: a state or right-hand side that became non-finite inside a step, i.e. divergence.
  if (t_end > t0) {
    try {
      NEURODE_PETSC_CHECK(TSSolve(s.ts, s.solution));
    } catch (const PetscException& e) {
      if (e.code() != PETSC_ERR_FP) throw;
      s.diverged = true;
      PetscReal t_failed = t0;
      TSGetTime(s.ts, &t_failed);
      solution.time_reached = t_failed;
    }
  }

  TSConvergedReason reason;
  NEURODE_PETSC_CHECK(TSGetConvergedReason(s.ts, &reason));
  PetscReal t_final;
  NEURODE_PETSC_CHECK(TSGetTime(s.ts, &t_final));
  PetscInt steps = 0, rejected = 0, nonlinear = 0, linear = 0;
  NEURODE_PETSC_CHECK(TSGetStepNumber(s.ts, &steps));
  NEURODE_PETSC_CHECK(TSGetStepRejections(s.ts, &rejected));
  NEURODE_PETSC_CHECK(TSGetSNESIterations(s.ts, &nonlinear));
  NEURODE_PETSC_CHECK(TSGetKSPIterations(s.ts, &linear));
  auto& st = solution.statistics;
  st.steps = steps;
  st.rejected_steps = rejected;
  st.rhs_evaluations = s.rhs_evaluations;
  st.jacobian_evaluations = s.jacobian_evaluations;
  st.nonlinear_iterations = nonlinear;
  st.linear_iterations = linear;
  if (!s.diverged && !s.interrupted) solution.time_reached = t_final;

  const bool reached_end = std::abs(t_final - t_end) <= 1e-12 * std::max(1.0, std::abs(t_end));
  std::ostringstream why;
  if (s.diverged) {
    solution.status = SolveStatus::diverged;
    why << "the state became non-finite or exceeded the divergence bound " << s.settings.divergence_bound;
  } else if (s.interrupted) {
    solution.status = SolveStatus::interrupted;
  } else if (reason == TS_DIVERGED_STEP_REJECTED) {
    solution.status = SolveStatus::step_underflow;
    why << "the step size fell below dt_min = " << s.settings.dt_min << " s without meeting the tolerance";
  } else if (reason == TS_DIVERGED_NONLINEAR_SOLVE) {
    solution.status = SolveStatus::solver_failure;
    why << "the nonlinear solver of the implicit method failed";
  } else if (!reached_end || s.next_output < output_times.size()) {
    solution.status = SolveStatus::step_limit;
    why << "the step limit of " << steps << " steps was reached";
  }
  if (solution.status == SolveStatus::interrupted) {
    std::ostringstream m;
    m << "interrupted by " << mpi::interruption_signal_name() << " at t = " << solution.time_reached << " s";
    solution.message = m.str();
  } else if (!solution.ok()) {
    std::ostringstream m;
    m << "integration stopped at t = " << solution.time_reached << " s of " << t_end << " s with "
      << solution.method << ": " << why.str()
      << ". Try a smaller dt (-ts_dt), an adaptive method (solver.method: dopri5) or an implicit one "
         "(solver.method: bdf or cn; -ts_type bdf).";
    solution.message = m.str();
  }
  s.out = nullptr;
  s.observer = nullptr;
  s.recording = false;
  st.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return solution;
}

}  // namespace neurode::solvers
