#include "solvers/ts_adjoint.hpp"

#include <petscts.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "mpi/interruption.hpp"
#include "petsc/error.hpp"
#include "petsc/handle.hpp"
#include "solvers/divergence_guard.hpp"
#include "solvers/method_table.hpp"
#include "solvers/output_schedule.hpp"
#include "solvers/ts_setup.hpp"

namespace neurode::solvers {
namespace {

bool is_theta_family(const std::string& method) {
  return method == "theta" || method == "cn" || method == "beuler";
}

// A fixed step that ends within this fraction of dt before a stop lands on it (as the integrator's
// schedule does), instead of leaving a step of rounding-error size.
constexpr double kSliver = 1e-6;

// The whole solve in one TS and one trajectory (PETSc's memory trajectory cannot span several
// solves): steps on the fixed grid of each forcing segment, restarted at every breakpoint, and the
// forcing segment of every step, so that the backward pass evaluates each step on its own segment
// (at a breakpoint the time alone would name the next one).
struct TrajectorySolve {
  models::Model* model = nullptr;
  std::size_t segment = 0;                 // the model's forcing segment of the step being taken or reversed
  std::vector<double> cuts;                // t0, the breakpoints inside, the end time
  std::size_t piece = 0;                   // cuts[piece] <= step start < cuts[piece + 1]
  std::vector<std::size_t> step_segments;  // forcing segment of step m (ending at step number m + 1)
  double start = 0, end = 0, dt = 0;
  std::size_t n = 0, parameters = 0;
  bool assembled = false;  // theta methods: assembled dF/dy and dF/dp; explicit RK: products
  petsc::TSHandle ts;
  petsc::MatHandle jacobian, parameter_jacobian;
  std::vector<double> point, parameter_point;  // the shell Jacobians' linearisation points
  double point_t = 0, parameter_point_t = 0;
  std::vector<models::MatrixEntry> entries;
  long* rhs_evaluations = nullptr;
  long* transpose_products = nullptr;
  // Observations: the outputs, each taken at the end of a step.
  const std::vector<double>* output_times = nullptr;
  std::size_t* next_output = nullptr;
  Solution* solution = nullptr;
  std::vector<std::pair<std::size_t, PetscInt>> observations;  // (output index, step number)
  bool diverged = false, interrupted = false, off_grid = false;
  double off_grid_time = 0, stop_time = 0;
  double divergence_bound = 0;
  PetscInt piece_first_step = 0;

  // Before each backward step: the step ending at step number `step` was taken on step_segments[step - 1].
  static PetscErrorCode adjoint_monitor(TS, PetscInt step, PetscReal, Vec, PetscInt, Vec*, Vec*,
                                        void* context) {
    NEURODE_PETSC_CALLBACK({
      auto& self = *static_cast<TrajectorySolve*>(context);
      if (step > 0) self.segment = self.step_segments[static_cast<std::size_t>(step - 1)];
    });
  }

  static TrajectorySolve& of(TS ts) {
    void* context = nullptr;
    TSGetApplicationContext(ts, &context);
    return *static_cast<TrajectorySolve*>(context);
  }
  static TrajectorySolve& of(Mat shell) {
    void* context = nullptr;
    MatShellGetContext(shell, &context);
    return *static_cast<TrajectorySolve*>(context);
  }

  static PetscErrorCode rhs(TS, PetscReal t, Vec y, Vec f, void* context) {
    NEURODE_PETSC_CALLBACK({
      auto& self = *static_cast<TrajectorySolve*>(context);
      const PetscScalar* yv;
      PetscScalar* fv;
      PetscCall(VecGetArrayRead(y, &yv));
      PetscCall(VecGetArrayWrite(f, &fv));
      self.model->rhs(t, self.segment, yv, fv);
      ++*self.rhs_evaluations;
      PetscCall(VecRestoreArrayWrite(f, &fv));
      PetscCall(VecRestoreArrayRead(y, &yv));
    });
  }

  // The grid of the integrator's fixed steps: k dt from the segment's start, the last step landing
  // on its end.
  static PetscErrorCode pre_step(TS ts) {
    NEURODE_PETSC_CALLBACK({
      auto& self = of(ts);
      PetscReal t;
      PetscInt step;
      PetscCall(TSGetTime(ts, &t));
      PetscCall(TSGetStepNumber(ts, &step));
      double target = self.start + static_cast<double>(step - self.piece_first_step + 1) * self.dt;
      if (target >= self.end - kSliver * self.dt) target = self.end;
      PetscCall(TSSetTimeStep(ts, target - t));
      const auto m = static_cast<std::size_t>(step);
      if (self.step_segments.size() <= m) self.step_segments.resize(m + 1);
      self.step_segments[m] = self.segment;
    });
  }

  static PetscErrorCode post_step(TS ts) {
    NEURODE_PETSC_CALLBACK({
      auto& self = of(ts);
      PetscReal t;
      PetscInt step;
      Vec y;
      const PetscScalar* yv;
      PetscCall(TSGetTime(ts, &t));
      PetscCall(TSGetStepNumber(ts, &step));
      PetscCall(TSGetSolution(ts, &y));
      PetscCall(VecGetArrayRead(y, &yv));
      const bool finite = within_bound(yv, self.n, self.divergence_bound);
      if (finite) self.record(t, step, yv);
      PetscCall(VecRestoreArrayRead(y, &yv));
      self.stop_time = t;
      const bool at_cut = same_time(t, self.end) && self.piece + 2 < self.cuts.size();
      if (at_cut && finite) {
        // The next forcing segment: its own grid from the breakpoint, and no stage carried over.
        ++self.piece;
        self.start = self.cuts[self.piece];
        self.end = self.cuts[self.piece + 1];
        self.segment = models::segment_at(self.model->breakpoints(), self.start);
        self.piece_first_step = step;
        PetscCall(TSRestartStep(ts));
      }
      if (!finite) {
        self.diverged = true;
        PetscCall(TSSetConvergedReason(ts, TS_DIVERGED_NONLINEAR_SOLVE));
      } else if (self.off_grid) {
        PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_USER));
      } else if (mpi::interruption_requested()) {
        self.interrupted = true;
        PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_USER));
      }
    });
  }

  // Outputs at this step's end are observations; one passed over lies off the grid.
  void record(double t, PetscInt step, const double* y) {
    const auto& times = *output_times;
    std::size_t& k = *next_output;
    while (k < times.size() && (same_time(times[k], t) || times[k] < t)) {
      if (!same_time(times[k], t)) {
        off_grid = true;
        off_grid_time = times[k];
        return;
      }
      std::copy(y, y + n, &solution->states[k * n]);
      solution->valid_rows = k + 1;
      observations.emplace_back(k, step);
      ++k;
    }
  }

  // --- Jacobians: shells over the model's products (explicit RK), or assembled (theta methods).

  static PetscErrorCode rhs_jacobian(TS, PetscReal t, Vec y, Mat a, Mat, void* context) {
    auto& self = *static_cast<TrajectorySolve*>(context);
    return self.linearise(t, y, a, self.point, self.point_t, &models::Model::jacobian_entries);
  }
  static PetscErrorCode rhs_jacobian_p(TS, PetscReal t, Vec y, Mat a, void* context) {
    auto& self = *static_cast<TrajectorySolve*>(context);
    return self.linearise(t, y, a, self.parameter_point, self.parameter_point_t,
                          &models::Model::parameter_jacobian_entries);
  }
  // Assembled: the entries at (t, y) into a. Shell: (t, y) kept for the products.
  using EntriesOf = void (models::Model::*)(double, std::size_t, const double*,
                                            std::vector<models::MatrixEntry>&);
  PetscErrorCode linearise(double t, Vec y, Mat a, std::vector<double>& at, double& at_t,
                           EntriesOf entries_of) {
    NEURODE_PETSC_CALLBACK({
      const PetscScalar* yv;
      PetscCall(VecGetArrayRead(y, &yv));
      if (assembled) {
        entries.clear();
        (model->*entries_of)(t, segment, yv, entries);
        ++*transpose_products;
        PetscCall(assemble(a));
      } else {
        std::copy(yv, yv + n, at.begin());
        at_t = t;
      }
      PetscCall(VecRestoreArrayRead(y, &yv));
    });
  }

  PetscErrorCode assemble(Mat a) {
    PetscFunctionBeginUser;
    PetscCall(MatZeroEntries(a));
    for (const auto& e : entries)
      PetscCall(
          MatSetValue(a, static_cast<PetscInt>(e.row), static_cast<PetscInt>(e.col), e.value, ADD_VALUES));
    PetscCall(MatAssemblyBegin(a, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(a, MAT_FINAL_ASSEMBLY));
    PetscFunctionReturn(0);
  }

  static PetscErrorCode jacobian_mult(Mat shell, Vec x, Vec out) {
    return shell_product(shell, x, out, [](TrajectorySolve& s, const double* xv, double* ov) {
      s.model->jacobian_vector(s.point_t, s.segment, s.point.data(), xv, ov);
    });
  }
  static PetscErrorCode jacobian_mult_transpose(Mat shell, Vec x, Vec out) {
    return shell_product(shell, x, out, [](TrajectorySolve& s, const double* xv, double* ov) {
      s.model->jacobian_transpose_vector(s.point_t, s.segment, s.point.data(), xv, ov);
      ++*s.transpose_products;
    });
  }
  static PetscErrorCode parameter_mult_transpose(Mat shell, Vec x, Vec out) {
    return shell_product(shell, x, out, [](TrajectorySolve& s, const double* xv, double* ov) {
      std::fill(ov, ov + s.parameters, 0.0);  // the model's product adds
      s.model->parameter_transpose_vector(s.parameter_point_t, s.segment, s.parameter_point.data(), xv, ov);
    });
  }
  template <class Product>
  static PetscErrorCode shell_product(Mat shell, Vec x, Vec out, Product product) {
    NEURODE_PETSC_CALLBACK({
      auto& self = of(shell);
      const PetscScalar* xv;
      PetscScalar* ov;
      PetscCall(VecGetArrayRead(x, &xv));
      PetscCall(VecGetArrayWrite(out, &ov));
      product(self, xv, ov);
      PetscCall(VecRestoreArrayWrite(out, &ov));
      PetscCall(VecRestoreArrayRead(x, &xv));
    });
  }
};

// An AIJ matrix preallocated for the entries' pattern at one point (rows x cols).
petsc::MatHandle assembled_matrix(std::size_t rows, std::size_t cols,
                                  std::vector<models::MatrixEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.row != b.row ? a.row < b.row : a.col < b.col; });
  std::vector<PetscInt> per_row(rows, 0);
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (i == 0 || entries[i].row != entries[i - 1].row || entries[i].col != entries[i - 1].col)
      ++per_row[entries[i].row];
  petsc::MatHandle a;
  NEURODE_PETSC_CHECK(MatCreateSeqAIJ(PETSC_COMM_SELF, static_cast<PetscInt>(rows),
                                      static_cast<PetscInt>(cols), 0, per_row.data(), a.out()));
  // A model whose pattern grows elsewhere costs a reallocation, not an error.
  NEURODE_PETSC_CHECK(MatSetOption(a, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_FALSE));
  return a;
}

petsc::MatHandle shell_matrix(std::size_t rows, std::size_t cols, TrajectorySolve* context) {
  petsc::MatHandle a;
  NEURODE_PETSC_CHECK(MatCreateShell(PETSC_COMM_SELF, static_cast<PetscInt>(rows),
                                     static_cast<PetscInt>(cols), static_cast<PetscInt>(rows),
                                     static_cast<PetscInt>(cols), context, a.out()));
  return a;
}

}  // namespace

void check_tsadjoint_method(const SolverSettings& solver) {
  const MethodInfo& m = method_info(solver.method);
  const std::string prefix = "gradient: tsadjoint with method '" + solver.method + "'";
  if (solver.dense_output)
    throw std::invalid_argument(
        "gradient: tsadjoint takes the loss at the ends of steps, not from an interpolant; set "
        "solver.dense_output: false, or use gradient: discrete, which differentiates the interpolant");
  if (m.butcher_tableau) {
    if (solver.method == "dopri5" || solver.method == "rk8")
      throw std::invalid_argument(
          prefix +
          ": PETSc 3.18's adjoint of it gives wrong parameter gradients (relative errors "
          "of 1e-5 to 1e-4, at fixed steps too); use gradient: discrete, neurode's exact "
          "adjoint, or tsadjoint with euler, rk4 or bs3");
    if (solver.adaptive)
      throw std::invalid_argument(
          prefix +
          " runs fixed steps only (the loss is taken at the ends of steps on a fixed grid); set "
          "solver.adaptive: false, or use gradient: discrete, neurode's exact adjoint of adaptive steps");
    return;
  }
  if (!is_theta_family(solver.method))
    throw std::invalid_argument(prefix +
                                ": PETSc 3.18 has no adjoint for it; use gradient: continuous, or "
                                "tsadjoint with cn, beuler, theta or a fixed-step explicit method");
}

namespace {
// PETSc's theta adjoint is wrong with matrix-free Jacobians: `method` needs assembled ones.
void require_assembled_jacobians(const models::Model& model, const std::string& method) {
  if (!model.has_assembled_jacobian() || !model.has_assembled_parameter_jacobian())
    throw std::invalid_argument("gradient: tsadjoint with " + method +
                                " needs the assembled Jacobians dF/dy and dF/dp, which the " + model.name() +
                                " does not have; use an explicit method or gradient: continuous");
}
}  // namespace

void check_tsadjoint_supported(const SolverSettings& solver, const models::Model& model) {
  check_tsadjoint_method(solver);
  if (is_theta_family(solver.method)) require_assembled_jacobians(model, "method '" + solver.method + "'");
}

TsAdjoint::TsAdjoint(models::Model& model, const SolverSettings& solver) : model_(model), solver_(solver) {
  check_tsadjoint_supported(solver_, model_);
}

TsAdjoint::~TsAdjoint() = default;

TsAdjointResult TsAdjoint::compute(double t0, const std::vector<double>& y0,
                                   const std::vector<double>& output_times, const ObservationCost& cost) {
  const std::size_t n = model_.state_size();
  const std::size_t P = model_.gradient_rows() * model_.parameter_size();
  if (y0.size() != n) throw std::invalid_argument("tsadjoint: initial state of the wrong size");
  if (output_times.empty() || output_times.front() < t0)
    throw std::invalid_argument("tsadjoint: output times must be non-empty and >= t0");
  TsAdjointResult result;
  Solution& forward = result.forward;
  forward.state_size = n;
  forward.times = output_times;
  forward.states.resize(output_times.size() * n);
  forward.time_reached = t0;
  const double t_end = output_times.back();
  const auto wall_start = std::chrono::steady_clock::now();

  TrajectorySolve g;
  // The forcing segments between t0 and the end, as the integrator restarts at them.
  std::vector<double>& cuts = g.cuts;
  cuts.push_back(t0);
  for (double b : model_.breakpoints())
    if (b > t0 && b < t_end && !same_time(b, t_end)) cuts.push_back(b);
  cuts.push_back(t_end);

  std::size_t next_output = 0;
  g.observations.reserve(output_times.size());  // no allocation in the post-step callback
  if (same_time(output_times.front(), t0)) {
    std::copy(y0.begin(), y0.end(), forward.states.begin());
    forward.valid_rows = 1;
    next_output = 1;
    g.observations.emplace_back(0, 0);
  }

  long rhs_evaluations = 0;
  petsc::VecHandle state;
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, static_cast<PetscInt>(n), state.out()));
  {
    PetscScalar* v;
    NEURODE_PETSC_CHECK(VecGetArrayWrite(state, &v));
    std::copy(y0.begin(), y0.end(), v);
    NEURODE_PETSC_CHECK(VecRestoreArrayWrite(state, &v));
  }
  ActiveMethod method;
  g.model = &model_;
  g.start = cuts[0];
  g.end = cuts[1];
  g.segment = models::segment_at(model_.breakpoints(), g.start);
  g.n = n;
  g.parameters = P;
  g.assembled = is_theta_family(solver_.method);
  g.rhs_evaluations = &rhs_evaluations;
  g.transpose_products = &result.transpose_products;
  g.output_times = &output_times;
  g.next_output = &next_output;
  g.solution = &forward;
  g.divergence_bound = solver_.divergence_bound;
  g.point.assign(n, 0.0);
  g.parameter_point.assign(n, 0.0);

  NEURODE_PETSC_CHECK(TSCreate(PETSC_COMM_SELF, g.ts.out()));
  TS ts = g.ts;
  NEURODE_PETSC_CHECK(TSSetApplicationContext(ts, &g));
  NEURODE_PETSC_CHECK(TSSetRHSFunction(ts, nullptr, &TrajectorySolve::rhs, &g));
  // Before the options, so that -ts_trajectory_type and its checkpointing options apply.
  NEURODE_PETSC_CHECK(TSSetSaveTrajectory(ts));
  TSTrajectory trajectory;
  NEURODE_PETSC_CHECK(TSGetTrajectory(ts, &trajectory));
  NEURODE_PETSC_CHECK(TSTrajectorySetType(trajectory, ts, TSTRAJECTORYMEMORY));
  // PETSc options may change the method (-ts_type cn): what the TS runs decides what is refused
  // and whether Newton gets the assembled Jacobian and LU.
  method = set_up_ts(ts, solver_, "", g.assembled);
  const auto theta_type = [](const ActiveMethod& m) {
    return m.ts_type == TSTHETA || m.ts_type == TSCN || m.ts_type == TSBEULER;
  };
  if (theta_type(method) != g.assembled) {
    g.assembled = theta_type(method);
    method = set_up_ts(ts, solver_, "", g.assembled);
  }
  const bool exact_rk = method.ts_type == TSRK &&
                        (method.subtype == TSRK1FE || method.subtype == TSRK4 || method.subtype == TSRK3BS);
  if (!method.fixed_step || !(exact_rk || g.assembled))
    throw std::invalid_argument(
        "gradient: tsadjoint is exact only for fixed steps of euler, rk4, bs3, cn, beuler "
        "and theta; PETSc options made it " +
        method.description() + "; use gradient: discrete or continuous");
  if (g.assembled) require_assembled_jacobians(model_, method.description());
  if (g.assembled) {
    // Preallocated for the pattern at the start (the column model's does not change).
    g.entries.clear();
    model_.jacobian_entries(t0, g.segment, y0.data(), g.entries);
    g.jacobian = assembled_matrix(n, n, g.entries);
    g.entries.clear();
    model_.parameter_jacobian_entries(t0, g.segment, y0.data(), g.entries);
    g.parameter_jacobian = assembled_matrix(n, std::max<std::size_t>(P, 1), g.entries);
  } else {
    g.jacobian = shell_matrix(n, n, &g);
    NEURODE_PETSC_CHECK(
        MatShellSetOperation(g.jacobian, MATOP_MULT, (void (*)(void)) & TrajectorySolve::jacobian_mult));
    NEURODE_PETSC_CHECK(MatShellSetOperation(g.jacobian, MATOP_MULT_TRANSPOSE,
                                             (void (*)(void)) & TrajectorySolve::jacobian_mult_transpose));
    g.parameter_jacobian = shell_matrix(n, std::max<std::size_t>(P, 1), &g);
    NEURODE_PETSC_CHECK(MatShellSetOperation(g.parameter_jacobian, MATOP_MULT_TRANSPOSE,
                                             (void (*)(void)) & TrajectorySolve::parameter_mult_transpose));
  }
  NEURODE_PETSC_CHECK(TSSetRHSJacobian(ts, g.jacobian, g.jacobian, &TrajectorySolve::rhs_jacobian, &g));
  if (P > 0)
    NEURODE_PETSC_CHECK(TSSetRHSJacobianP(ts, g.parameter_jacobian, &TrajectorySolve::rhs_jacobian_p, &g));
  g.dt = method.dt;
  // The memory trajectory reserves a slot per allowed step: allow what the grid needs.
  double steps = 2;
  for (std::size_t c = 0; c + 1 < cuts.size(); ++c)
    steps += std::ceil((cuts[c + 1] - cuts[c]) / g.dt * (1 + 1e-12));
  if (steps > static_cast<double>(solver_.max_steps))
    throw std::invalid_argument("gradient: tsadjoint would take " + std::to_string(static_cast<long>(steps)) +
                                " steps, above solver.max_steps");
  g.step_segments.reserve(static_cast<std::size_t>(steps));
  NEURODE_PETSC_CHECK(TSSetMaxSteps(ts, static_cast<PetscInt>(steps)));
  NEURODE_PETSC_CHECK(TSSetPreStep(ts, &TrajectorySolve::pre_step));
  NEURODE_PETSC_CHECK(TSSetPostStep(ts, &TrajectorySolve::post_step));
  NEURODE_PETSC_CHECK(TSAdjointMonitorSet(ts, &TrajectorySolve::adjoint_monitor, &g, nullptr));
  NEURODE_PETSC_CHECK(TSSetTime(ts, t0));
  NEURODE_PETSC_CHECK(TSSetTimeStep(ts, g.dt));
  NEURODE_PETSC_CHECK(TSSetMaxTime(ts, t_end));
  const bool solved = solve_until_non_finite(ts, state);
  PetscInt taken;
  NEURODE_PETSC_CHECK(TSGetStepNumber(ts, &taken));
  forward.statistics.steps = taken;
  forward.time_reached = g.stop_time;
  if (g.off_grid) {
    std::ostringstream message;
    message << "gradient: tsadjoint takes the loss at the fixed steps' ends, and output time "
            << g.off_grid_time << " s is not on the grid of dt = " << g.dt << " s from " << g.start
            << " s; choose output times on the grid, or use gradient: discrete";
    throw std::invalid_argument(message.str());
  }
  forward.statistics.rhs_evaluations = rhs_evaluations;
  forward.method = method.description();
  SolveEnd end;
  end.diverged = g.diverged || !solved;
  end.interrupted = g.interrupted;
  NEURODE_PETSC_CHECK(TSGetConvergedReason(ts, &end.reason));
  end.reached_end = same_time(g.stop_time, t_end);
  end.all_outputs = forward.valid_rows == output_times.size();
  end.steps = taken;
  explain_end(forward, end, solver_);
  forward.statistics.wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  result.method = "PETSc TSAdjoint of " + forward.method;
  if (!forward.ok()) return result;

  // Backward: lambda = dL/dy, mu = dL/dp, from the end in pieces between the observations, each
  // adding its cotangent to lambda.
  const auto backward_start = std::chrono::steady_clock::now();
  petsc::VecHandle lambda, mu;
  NEURODE_PETSC_CHECK(VecCreateSeq(PETSC_COMM_SELF, static_cast<PetscInt>(n), lambda.out()));
  NEURODE_PETSC_CHECK(
      VecCreateSeq(PETSC_COMM_SELF, static_cast<PetscInt>(std::max<std::size_t>(P, 1)), mu.out()));
  NEURODE_PETSC_CHECK(VecZeroEntries(lambda));
  NEURODE_PETSC_CHECK(VecZeroEntries(mu));
  const auto add_cotangent = [&](std::size_t k) {
    PetscScalar* l;
    NEURODE_PETSC_CHECK(VecGetArray(lambda, &l));
    cost.add_cotangent(k, forward.state(k), l);
    NEURODE_PETSC_CHECK(VecRestoreArray(lambda, &l));
  };
  Vec lambdas[1] = {lambda}, mus[1] = {mu};
  NEURODE_PETSC_CHECK(TSSetCostGradients(ts, 1, lambdas, P > 0 ? mus : nullptr));
  const auto& observations = g.observations;
  PetscInt position = taken;
  for (std::size_t i = observations.size(); i-- > 0;) {
    const auto [k, step] = observations[i];
    if (step < position) {
      NEURODE_PETSC_CHECK(TSAdjointSetSteps(ts, position - step));
      NEURODE_PETSC_CHECK(TSAdjointSolve(ts));
      result.backward_steps += position - step;
      position = step;
    }
    add_cotangent(k);
  }
  if (position > 0) {
    NEURODE_PETSC_CHECK(TSAdjointSetSteps(ts, position));
    NEURODE_PETSC_CHECK(TSAdjointSolve(ts));
    result.backward_steps += position;
  }
  const PetscScalar* l;
  NEURODE_PETSC_CHECK(VecGetArrayRead(lambda, &l));
  result.dl_dy0.assign(l, l + n);
  NEURODE_PETSC_CHECK(VecRestoreArrayRead(lambda, &l));
  const PetscScalar* m;
  NEURODE_PETSC_CHECK(VecGetArrayRead(mu, &m));
  result.gradient.assign(m, m + P);
  NEURODE_PETSC_CHECK(VecRestoreArrayRead(mu, &m));
  result.backward_wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - backward_start).count();
  return result;
}

}  // namespace neurode::solvers
