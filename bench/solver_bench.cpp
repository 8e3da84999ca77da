// neurode's forward solves and gradients on the WTA trial (0.15 s), and the gradients that the
// PyTorch baseline is compared against (WTA and XOR, batch 1 and 16, Euler and RK4 at dt = 1e-4).
// The Integrator / GradientSolver is built once outside the timed loop, as training reuses it, so
// the time is that of solve() / compute(): PETSc TS stepping, callbacks, the model, the trajectory
// store and the adjoint sweep. As in a training, the gradients keep only the forward states their
// loss reads (GradientSettings::keep_forward_states).
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "models/noise/additive_noise.hpp"
#include "problems.hpp"
#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"
#include "statistics.hpp"

namespace {

using neurode::solvers::GradientMethod;
using neurode::solvers::SolverSettings;

SolverSettings solver(const std::string& method, bool adaptive, double dt = 1e-4, double tol = 1e-6) {
  SolverSettings s;
  s.method = method;
  s.adaptive = adaptive;
  s.dt = dt;
  s.rtol = tol;
  s.atol = tol;
  return s;
}

void BM_Forward(benchmark::State& state, SolverSettings settings, std::size_t output_stride = 1) {
  auto p = neurode::bench::wta_trial(output_stride);
  neurode::solvers::Integrator integrator(*p.model, settings);
  neurode::solvers::Solution solution;
  for (auto _ : state) {
    solution = integrator.solve(0.0, p.y0, p.times);
    if (!solution.ok()) {
      state.SkipWithError(solution.message.c_str());
      break;
    }
    benchmark::DoNotOptimize(solution.states.data());
  }
  state.counters["states"] = static_cast<double>(p.model->state_size());
  state.counters["steps"] = static_cast<double>(solution.statistics.steps);
  state.counters["rejected"] = static_cast<double>(solution.statistics.rejected_steps);
  state.counters["rhs_evals"] = static_cast<double>(solution.statistics.rhs_evaluations);
  state.counters["jacobians"] = static_cast<double>(solution.statistics.jacobian_evaluations);
  state.counters["linear_its"] = static_cast<double>(solution.statistics.linear_iterations);
  state.SetLabel(solution.method);
}

NEURODE_BENCHMARK_CAPTURE(BM_Forward, euler, solver("euler", false))->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Forward, rk4, solver("rk4", false))->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Forward, bs3, solver("bs3", true))->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Forward, dopri5, solver("dopri5", true))->Unit(benchmark::kMillisecond);
// Outputs every 10 ms instead of every 0.1 ms: the steps the error control alone chooses.
NEURODE_BENCHMARK_CAPTURE(BM_Forward, dopri5_outputs_10ms, solver("dopri5", true), 100)
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Forward, cn, solver("cn", false))->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Forward, bdf, solver("bdf", true))->Unit(benchmark::kMillisecond);

enum class Task { wta, xor_net };

struct GradientCase {
  Task task;
  std::size_t trials;
  SolverSettings solver;
  GradientMethod method;
  double noise_sigma = 0.0;  ///< > 0: a stochastic run, noise on V on a grid of the solver's dt
};

void BM_Gradient(benchmark::State& state, GradientCase c) {
  auto p =
      c.task == Task::wta ? neurode::bench::wta_problem(c.trials) : neurode::bench::xor_problem(c.trials);
  const auto membrane = p.model->membrane_offsets();
  std::unique_ptr<neurode::models::Model> model = std::move(p.model);
  if (c.noise_sigma > 0) {
    // Each solve draws its paths again, as a training step does: the normals are part of the cost.
    std::vector<neurode::models::RandomStream> paths;
    for (std::size_t b = 0; b < c.trials; ++b)
      paths.emplace_back(1, neurode::models::RandomDomain::brownian_path, b);
    model = std::make_unique<neurode::models::AdditiveNoise>(
        std::move(model), neurode::models::NoiseSettings{c.noise_sigma, c.solver.dt}, membrane, paths, 0.0,
        p.times.back());
  }
  neurode::solvers::GradientSettings settings;
  settings.method = c.method;
  settings.adjoint_solver = c.solver;
  settings.keep_forward_states = false;
  neurode::solvers::GradientSolver gradient(*model, c.solver, settings);
  neurode::solvers::GradientResult result;
  for (auto _ : state) {
    result = gradient.compute(0.0, p.y0, p.times, *p.loss);
    if (!result.forward.ok()) {
      state.SkipWithError(result.forward.message.c_str());
      break;
    }
    benchmark::DoNotOptimize(result.gradient.data());
  }
  state.counters["states"] = static_cast<double>(model->state_size());
  state.counters["trials"] = static_cast<double>(c.trials);
  state.counters["steps"] = static_cast<double>(result.forward.statistics.steps);
  state.counters["rhs_evals"] = static_cast<double>(result.forward.statistics.rhs_evaluations);
  state.counters["backward_steps"] = static_cast<double>(result.backward_steps);
  state.counters["backward_rhs"] = static_cast<double>(result.backward_rhs_evaluations);
  state.counters["backward_jtv"] = static_cast<double>(result.backward_transpose_products);
  state.counters["trajectory_bytes"] = static_cast<double>(result.trajectory_bytes);
  state.counters["forward_s"] = result.forward.statistics.wall_time_s;
  state.counters["backward_s"] = result.backward_wall_time_s;
  state.SetLabel(result.method);
}

// The four (solver, gradient method) pairs on the WTA trial with gradient_wta.h5's loss.
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, wta_discrete_dopri5,
                          GradientCase{Task::wta, 1, solver("dopri5", true), GradientMethod::discrete})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, wta_discrete_rk4,
                          GradientCase{Task::wta, 1, solver("rk4", false), GradientMethod::discrete})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, wta_continuous_dopri5,
                          GradientCase{Task::wta, 1, solver("dopri5", true), GradientMethod::continuous})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, wta_backprop_euler,
                          GradientCase{Task::wta, 1, solver("euler", false), GradientMethod::backprop_euler})
    ->Unit(benchmark::kMillisecond);
// Batches and the XOR network, against PyTorch (bench/baselines/column_torch.py).
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, wta_b16_discrete_rk4,
                          GradientCase{Task::wta, 16, solver("rk4", false), GradientMethod::discrete})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, wta_b16_backprop_euler,
                          GradientCase{Task::wta, 16, solver("euler", false), GradientMethod::backprop_euler})
    ->Unit(benchmark::kMillisecond);
// Larger blocks, for the batch in which neurode runs best (bench/pytorch_batches.sh).
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, wta_b64_discrete_rk4,
                          GradientCase{Task::wta, 64, solver("rk4", false), GradientMethod::discrete})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, wta_b64_backprop_euler,
                          GradientCase{Task::wta, 64, solver("euler", false), GradientMethod::backprop_euler})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, xor_discrete_rk4,
                          GradientCase{Task::xor_net, 1, solver("rk4", false), GradientMethod::discrete})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, xor_backprop_euler,
                          GradientCase{Task::xor_net, 1, solver("euler", false),
                                       GradientMethod::backprop_euler})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, xor_b16_discrete_rk4,
                          GradientCase{Task::xor_net, 16, solver("rk4", false), GradientMethod::discrete})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, xor_b16_backprop_euler,
                          GradientCase{Task::xor_net, 16, solver("euler", false),
                                       GradientMethod::backprop_euler})
    ->Unit(benchmark::kMillisecond);

}  // namespace
// Stochastic XOR (noise on V, sigma = 10, the prototype's): Euler-Maruyama with back-propagation
// and RK4 on the same 0.1 ms grid, against the deterministic pair above.
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, xor_b16_backprop_euler_noise,
                          GradientCase{Task::xor_net, 16, solver("euler", false),
                                       GradientMethod::backprop_euler, 10.0})
    ->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Gradient, xor_b16_discrete_rk4_noise,
                          GradientCase{Task::xor_net, 16, solver("rk4", false), GradientMethod::discrete,
                                       10.0})
    ->Unit(benchmark::kMillisecond);
