#pragma once
/// Forward integration of a Model by PETSc TS. Steps land exactly on the forcing's breakpoints and
/// on the output times; at every breakpoint the method is restarted, so that multistage and FSAL
/// methods never use a stage computed with the previous segment's input. One Integrator owns one TS
/// and can solve many times (training reuses it); it lives on PETSC_COMM_SELF, because batches,
/// not states, are spread over MPI ranks.
#include <memory>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "solvers/solution.hpp"
#include "solvers/solver_settings.hpp"
#include "solvers/step_observer.hpp"

namespace neurode::solvers {

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

  /// The PETSc method after options, e.g. "rk/5dp, adaptive (basic)".
  std::string method_description() const;
  bool is_fixed_step() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neurode::solvers
