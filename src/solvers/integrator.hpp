#pragma once
/// Forward integration of a Model by PETSc TS. Steps land exactly on the forcing's breakpoints and,
/// unless the method's interpolant writes them (SolverSettings::dense_output), on the output times;
/// at every breakpoint the method is restarted, so that multistage and FSAL
/// methods never use a stage computed with the previous segment's input. One Integrator owns one TS
/// and can solve many times (training reuses it); it lives on PETSC_COMM_SELF, because batches,
/// not states, are spread over MPI ranks. It composes the TS set-up (ts_setup.hpp), the output
/// schedule (output_schedule.hpp), the stage recording for a discrete adjoint (stage_recorder.hpp),
/// the implicit methods' residual and Jacobian (implicit_system.hpp), the IMEX split
/// (imex_system.hpp) and the divergence guard (divergence_guard.hpp).
#include <memory>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "solvers/solution.hpp"
#include "solvers/solver_settings.hpp"
#include "solvers/step_observer.hpp"

namespace neurode::solvers {

struct ButcherTableau;

class Integrator {
 public:
  /// `options_prefix` selects a PETSc options namespace (e.g. "adjoint_" for -adjoint_ts_type).
  /// The settings are defaults: PETSc options given on the command line override them.
  Integrator(models::Model& model, const SolverSettings& settings, const std::string& options_prefix = "");
  ~Integrator();
  Integrator(const Integrator&) = delete;
  Integrator& operator=(const Integrator&) = delete;

  /// Integrates from (t0, y0) and returns the states at `output_times` (increasing, >= t0; the last
  /// one is the end time). An output time equal to t0 returns y0. Non-empty `output_components`
  /// (state indices): each output row keeps only these (Solution::components).
  Solution solve(double t0, const std::vector<double>& y0, const std::vector<double>& output_times,
                 StepObserver* observer = nullptr, const std::vector<std::size_t>& output_components = {});

  /// The PETSc method after options, e.g. "rk/5dp, adaptive (basic, rtol 1e-06, atol 1e-06)".
  std::string method_description() const;
  bool is_fixed_step() const;
  /// The Butcher tableau of the explicit Runge-Kutta method the TS runs after options, or nullptr
  /// when it runs another kind of method.
  const ButcherTableau* butcher_tableau() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neurode::solvers
