#include "solvers/gradient.hpp"

#include <memory>
#include <stdexcept>

#include "solvers/butcher_tableau.hpp"
#include "solvers/continuous_adjoint.hpp"
#include "solvers/method_table.hpp"
#include "solvers/observed_rows_cost.hpp"
#include "solvers/rk_discrete_adjoint.hpp"
#include "solvers/trajectory_store.hpp"
#include "solvers/ts_adjoint.hpp"

namespace neurode::solvers {

GradientMethod parse_gradient_method(const std::string& name) {
  if (name == "discrete") return GradientMethod::discrete;
  if (name == "continuous") return GradientMethod::continuous;
  if (name == "backprop-euler") return GradientMethod::backprop_euler;
  if (name == "tsadjoint") return GradientMethod::tsadjoint;
  throw std::invalid_argument("unknown gradient method '" + name +
                              "' (expected discrete, continuous, backprop-euler or tsadjoint)");
}

const char* to_string(GradientMethod method) {
  switch (method) {
    case GradientMethod::discrete:
      return "discrete";
    case GradientMethod::continuous:
      return "continuous";
    case GradientMethod::backprop_euler:
      return "backprop-euler";
    case GradientMethod::tsadjoint:
      return "tsadjoint";
  }
  return "?";
}

double GradientResult::loss() const {
  double total = 0;
  for (double v : loss_per_trial) total += v;
  return total;
}

std::vector<double> GradientResult::summed_gradient() const {
  const std::size_t trials = gradient_rows;
  const std::size_t P = trials ? gradient.size() / trials : 0;
  std::vector<double> total(P, 0.0);
  for (std::size_t b = 0; b < trials; ++b)
    for (std::size_t k = 0; k < P; ++k) total[k] += gradient[b * P + k];
  return total;
}

void check_supported(const SolverSettings& solver, GradientMethod method) {
  if (method == GradientMethod::discrete && !method_info(solver.method).butcher_tableau)
    throw std::invalid_argument("gradient: 'discrete' is not available for the implicit method '" +
                                solver.method +
                                "' (PETSc 3.18 has no exact adjoint for it); use gradient: continuous, or an "
                                "explicit method (" +
                                butcher_tableau_method_names() + ")");
  // The model's part (assembled Jacobians for the theta methods) is checked with the model.
  if (method == GradientMethod::tsadjoint) check_tsadjoint_method(solver);
}

struct GradientSolver::Impl {
  models::Model& model;
  SolverSettings solver;
  GradientSettings settings;
  std::unique_ptr<Integrator> integrator;
  TrajectoryStore store;
  std::unique_ptr<RkDiscreteAdjoint> discrete;
  std::unique_ptr<ContinuousAdjoint> continuous;
  std::unique_ptr<RkDiscreteAdjoint> stepper;  // the forward method's step, for the continuous adjoint
  std::unique_ptr<TsAdjoint> petsc_adjoint;

  Impl(models::Model& m, const SolverSettings& s, const GradientSettings& g)
      : model(m), solver(s), settings(g), store(g.checkpoint_every) {
    if (settings.method == GradientMethod::backprop_euler) {
      // The baseline is fixed-step forward Euler whatever the config says about the method.
      solver.method = "euler";
      solver.adaptive = false;
    }
    check_supported(solver, settings.method);
    if (settings.method == GradientMethod::tsadjoint) {
      petsc_adjoint = std::make_unique<TsAdjoint>(model, solver);  // its own TS, made per solve
      return;
    }
    integrator = std::make_unique<Integrator>(model, solver);
    if (settings.method == GradientMethod::continuous) {
      // Between checkpoints the forward states are recomputed by the forward method's own steps.
      StepRecompute recompute;
      if (settings.checkpoint_every > 1 && integrator->butcher_tableau() == nullptr)
        throw std::invalid_argument(
            "gradient: checkpoint_every > 1 with the continuous adjoint recomputes "
            "the forward steps, which needs an explicit Runge-Kutta method, got " +
            integrator->method_description() + "; use checkpoint_every: 1");
      if (settings.checkpoint_every > 1) {
        stepper = std::make_unique<RkDiscreteAdjoint>(model, *integrator->butcher_tableau());
        recompute = [this](double t, double h, std::size_t segment, const double* y, double* y_next) {
          stepper->step(t, h, segment, y, y_next);
        };
      }
      continuous = std::make_unique<ContinuousAdjoint>(model, settings.adjoint_solver, std::move(recompute));
    } else {
      // PETSc options may have replaced the config's method: what the TS runs decides.
      const ButcherTableau* tableau = integrator->butcher_tableau();
      if (tableau == nullptr)
        throw std::invalid_argument(
            "gradient: the discrete adjoint needs an explicit Runge-Kutta method, got " +
            integrator->method_description() + " (from PETSc options?); use gradient: continuous");
      discrete = std::make_unique<RkDiscreteAdjoint>(model, *tableau);
      store.set_record_stages(settings.keep_stage_linearisations && model.linearisation_size() > 0);
      store.set_states_only_where_needed(!model.linearised_products_read_state());
    }
  }
};

GradientSolver::GradientSolver(models::Model& model, const SolverSettings& solver,
                               const GradientSettings& settings)
    : impl_(std::make_unique<Impl>(model, solver, settings)) {}

GradientSolver::~GradientSolver() = default;

GradientResult GradientSolver::compute(double t0, const std::vector<double>& y0,
                                       const std::vector<double>& output_times,
                                       const ObservationCost& full_cost, const AfterForward& after_forward) {
  Impl& s = *impl_;
  GradientResult result;
  // Without the forward states, the outputs keep what the loss reads (for a batch of WTA trials
  // observed every step, 2 of 48 components), and the loss sees them spread back into a state.
  // PETSc's adjoint keeps whole states: it takes the cotangents from them after the forward pass.
  const std::vector<std::size_t>* observed = full_cost.observed_components();
  const bool compact = !s.petsc_adjoint && !s.settings.keep_forward_states && observed != nullptr;
  std::unique_ptr<ObservedRowsCost> spread_cost;
  if (compact) spread_cost = std::make_unique<ObservedRowsCost>(full_cost, *observed, s.model.state_size());
  const ObservationCost& cost = compact ? *spread_cost : full_cost;
  const auto add_loss = [&] {
    result.loss_per_trial.assign(s.model.trial_count(), 0.0);
    for (std::size_t k = 0; k < output_times.size(); ++k)
      cost.add_value(k, result.forward.state(k), result.loss_per_trial);
  };

  AdjointResult adjoint;
  if (s.petsc_adjoint && after_forward)
    throw std::invalid_argument("gradient: PETSc's TSAdjoint runs the forward and backward pass in one call");
  if (s.petsc_adjoint) {
    TsAdjointResult r = s.petsc_adjoint->compute(t0, y0, output_times, cost);
    result.forward = std::move(r.forward);
    if (!result.forward.ok()) return result;
    add_loss();
    adjoint.gradient = std::move(r.gradient);
    adjoint.dl_dy0 = std::move(r.dl_dy0);
    adjoint.transpose_products = r.transpose_products;
    adjoint.wall_time_s = r.backward_wall_time_s;
    result.method = r.method;
    result.backward_steps = r.backward_steps;
  } else {
    const std::vector<std::size_t> no_components;
    result.forward = s.integrator->solve(t0, y0, output_times, &s.store, compact ? *observed : no_components);
    result.trajectory_bytes = s.store.bytes();
    if (!result.forward.ok()) return result;
    add_loss();
    if (after_forward) after_forward(result.forward);
    if (s.discrete) {
      adjoint = s.discrete->run(s.store, result.forward, cost);
      result.method =
          std::string(s.settings.method == GradientMethod::backprop_euler
                          ? "backprop-euler (back-propagation through forward Euler = discrete adjoint of "
                          : "discrete adjoint of ") +
          result.forward.method + (s.settings.method == GradientMethod::backprop_euler ? ")" : "");
      result.backward_steps = static_cast<long>(s.store.steps());
    } else {
      adjoint = s.continuous->run(s.store, result.forward, cost);
      result.trajectory_bytes += adjoint.interpolation_bytes;
      result.method = "continuous adjoint (backward " + s.continuous->method_description() + ") of " +
                      result.forward.method;
      result.backward_steps = adjoint.backward_steps;
    }
  }
  result.gradient = std::move(adjoint.gradient);
  if (const std::size_t Q = cost.parameter_size(); Q > 0) {
    // The loss's own parameters enter only at the observations: no adjoint needed for them.
    const std::size_t trials = s.model.trial_count(), P = s.model.parameter_size();
    std::vector<double> own(trials * Q, 0.0);
    for (std::size_t k = 0; k < output_times.size(); ++k)
      cost.add_parameter_gradient(k, result.forward.state(k), own.data());
    if (s.model.gradient_rows() == 1 && trials > 1) {
      // One row for the block, as the model's own part: the trials' rows summed in trial order.
      for (std::size_t b = 1; b < trials; ++b)
        for (std::size_t j = 0; j < Q; ++j) own[j] += own[b * Q + j];
      own.resize(Q);
    }
    const std::size_t rows = s.model.gradient_rows();
    std::vector<double> merged(rows * (P + Q));
    for (std::size_t b = 0; b < rows; ++b) {
      std::copy(result.gradient.begin() + static_cast<std::ptrdiff_t>(b * P),
                result.gradient.begin() + static_cast<std::ptrdiff_t>((b + 1) * P),
                merged.begin() + static_cast<std::ptrdiff_t>(b * (P + Q)));
      std::copy(own.begin() + static_cast<std::ptrdiff_t>(b * Q),
                own.begin() + static_cast<std::ptrdiff_t>((b + 1) * Q),
                merged.begin() + static_cast<std::ptrdiff_t>(b * (P + Q) + P));
    }
    result.gradient = std::move(merged);
  }
  result.gradient_rows = s.model.gradient_rows();
  result.dl_dy0 = std::move(adjoint.dl_dy0);
  result.backward_rhs_evaluations = adjoint.rhs_evaluations;
  result.backward_transpose_products = adjoint.transpose_products;
  result.backward_linearised_steps = adjoint.linearised_steps;
  result.backward_wall_time_s = adjoint.wall_time_s;
  return result;
}

}  // namespace neurode::solvers
