// The floor (bench/floor/): hand-written RK4 and Dormand-Prince 5(4) with a hand-written discrete
// adjoint on the WTA trial with gradient_wta.h5's loss. Compare with BM_Gradient/wta_discrete_rk4,
// BM_Forward/rk4, BM_Forward/dopri5 and BM_Gradient/wta_discrete_dopri5 (bench/compare.sh does).
#include <benchmark/benchmark.h>

#include <vector>

#include "floor_problem.hpp"
#include "models/column/network_file.hpp"
#include "problems.hpp"
#include "statistics.hpp"

namespace neurode::bench {

const FloorProblem& floor_wta_problem() {
  static const FloorProblem problem = [] {
    const auto net = models::load_network_file(reference_path("gradient_wta.h5"));
    const auto& c = net.constants;
    return make_floor_problem(net.weights, c.tau_synapse_s, c.tau_membrane_s, c.tau_adaptation_s,
                              c.resistance, c.background_rate_Hz, c.transfer, net.drive, net.initial_state,
                              net.times, net.loss_populations, net.loss_target_rates);
  }();
  return problem;
}

}  // namespace neurode::bench

namespace {

using neurode::bench::Dp5Tableau;
using neurode::bench::FloorRk;
using neurode::bench::Rk4Tableau;

// Room for the WTA trial's 1500 steps and then some: the floor allocates its whole trajectory up front.
constexpr std::size_t kMaxSteps = 4000;

template <class Floor>
void set_counters(benchmark::State& state, const Floor& floor) {
  state.counters["states"] = static_cast<double>(3 * neurode::bench::floor_wta_problem().n);
  state.counters["steps"] = static_cast<double>(floor.steps());
  state.counters["rejected"] = static_cast<double>(floor.rejected_steps());
  state.counters["rhs_evals"] = static_cast<double>(floor.rhs_evaluations());
  state.counters["trajectory_bytes"] = static_cast<double>(floor.trajectory_bytes());
}

void BM_Floor_rk4(benchmark::State& state, bool gradient) {
  FloorRk<Rk4Tableau> floor(neurode::bench::floor_wta_problem(), kMaxSteps);
  for (auto _ : state) {
    floor.forward_fixed(1e-4);
    if (gradient) floor.backward();
    benchmark::DoNotOptimize(floor.loss());
    benchmark::DoNotOptimize(floor.gradient().data());
  }
  set_counters(state, floor);
}

// output_stride 100: observations every 10 ms (forward only; the loss then differs from the WTA one).
void BM_Floor_dp5(benchmark::State& state, bool gradient, std::size_t output_stride = 1) {
  neurode::bench::FloorProblem problem = neurode::bench::floor_wta_problem();
  if (output_stride > 1) {
    std::vector<double> times;
    for (std::size_t k = 0; k < problem.times.size(); k += output_stride) times.push_back(problem.times[k]);
    if (times.back() != problem.times.back()) times.push_back(problem.times.back());
    problem.times = times;
    problem.obs_weight.assign(times.size(), 1.0 / static_cast<double>(times.size()));
  }
  FloorRk<Dp5Tableau> floor(problem, kMaxSteps);
  for (auto _ : state) {
    floor.forward_adaptive(1e-6, 1e-6, 1e-4);
    if (gradient) floor.backward();
    benchmark::DoNotOptimize(floor.loss());
    benchmark::DoNotOptimize(floor.gradient().data());
  }
  set_counters(state, floor);
}

NEURODE_BENCHMARK_CAPTURE(BM_Floor_rk4, forward, false)->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Floor_rk4, gradient, true)->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Floor_dp5, forward, false)->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Floor_dp5, gradient, true)->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_Floor_dp5, forward_outputs_10ms, false, 100)->Unit(benchmark::kMillisecond);

}  // namespace
