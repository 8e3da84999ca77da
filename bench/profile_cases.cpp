// neurode_bench --profile=CASE: one call of a computation inside a function callgrind can toggle
// on, for instruction counts that do not depend on the machine's load (bench/compare.sh):
//   valgrind --tool=callgrind --toggle-collect='neurode_bench_profiled_region*'
//            neurode_bench --profile=neurode_rk4_gradient
#include <functional>
#include <stdexcept>

#include "checks.hpp"
#include "floor_problem.hpp"
#include "problems.hpp"
#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"

// Outside any namespace, never inlined: the symbol callgrind looks for.
extern "C" __attribute__((noinline)) void neurode_bench_profiled_region(const std::function<void()>* work) {
  (*work)();
  asm volatile("" ::: "memory");
}

namespace neurode::bench {
namespace {

solvers::SolverSettings settings(const std::string& method, bool adaptive) {
  solvers::SolverSettings s;
  s.method = method;
  s.adaptive = adaptive;
  s.dt = 1e-4;
  s.rtol = s.atol = 1e-6;
  return s;
}

void twice(const std::function<void()>& work) {
  work();  // warm-up: first-call allocations and caches
  neurode_bench_profiled_region(&work);
}

FloorProblem with_output_stride(FloorProblem p, std::size_t stride) {
  std::vector<double> times;
  for (std::size_t k = 0; k < p.times.size(); k += stride) times.push_back(p.times[k]);
  if (times.back() != p.times.back()) times.push_back(p.times.back());
  p.times = times;
  p.obs_weight.assign(times.size(), 1.0 / static_cast<double>(times.size()));
  return p;
}

}  // namespace

const char* profile_case_names() {
  return "neurode_rk4_forward neurode_rk4_gradient neurode_dp5_forward neurode_dp5_forward_10ms "
         "neurode_dp5_gradient "
         "neurode_wta_b16_rk4_gradient neurode_wta_b16_euler_gradient neurode_xor_b16_euler_gradient "
         "floor_rk4_forward floor_rk4_gradient "
         "floor_dp5_forward floor_dp5_forward_10ms floor_dp5_gradient";
}

void run_profile_case(const std::string& name) {
  constexpr std::size_t kMaxSteps = 4000;
  if (name.rfind("neurode_wta_b16_", 0) == 0 || name.rfind("neurode_xor_b16_", 0) == 0) {
    // The batches of 16 PyTorch is compared with (bench/solver_bench.cpp's BM_Gradient).
    const bool euler = name.find("euler") != std::string::npos;
    auto p = name.find("xor") != std::string::npos ? xor_problem(16) : wta_problem(16);
    solvers::GradientSettings g;
    g.method = euler ? solvers::GradientMethod::backprop_euler : solvers::GradientMethod::discrete;
    const auto solver = settings(euler ? "euler" : "rk4", false);
    g.adjoint_solver = solver;
    g.keep_forward_states = false;
    solvers::GradientSolver gradient(*p.model, solver, g);
    twice([&] { gradient.compute(0.0, p.y0, p.times, *p.loss); });
  } else if (name.rfind("neurode_", 0) == 0) {
    const bool dp5 = name.find("dp5") != std::string::npos;
    const auto solver = dp5 ? settings("dopri5", true) : settings("rk4", false);
    if (name.find("gradient") != std::string::npos) {
      auto p = wta_problem(1);
      solvers::GradientSettings g;
      g.method = solvers::GradientMethod::discrete;
      g.keep_forward_states = false;
      solvers::GradientSolver gradient(*p.model, solver, g);
      twice([&] { gradient.compute(0.0, p.y0, p.times, *p.loss); });
    } else {
      auto p = wta_trial(name.find("10ms") != std::string::npos ? 100 : 1);
      solvers::Integrator integrator(*p.model, solver);
      twice([&] { integrator.solve(0.0, p.y0, p.times); });
    }
  } else if (name == "floor_rk4_forward" || name == "floor_rk4_gradient") {
    FloorRk<Rk4Tableau> floor(floor_wta_problem(), kMaxSteps);
    const bool gradient = name == "floor_rk4_gradient";
    twice([&] {
      floor.forward_fixed(1e-4);
      if (gradient) floor.backward();
    });
  } else if (name.rfind("floor_dp5", 0) == 0) {
    const FloorProblem problem =
        with_output_stride(floor_wta_problem(), name.find("10ms") != std::string::npos ? 100 : 1);
    FloorRk<Dp5Tableau> floor(problem, kMaxSteps);
    const bool gradient = name == "floor_dp5_gradient";
    twice([&] {
      floor.forward_adaptive(1e-6, 1e-6, 1e-4);
      if (gradient) floor.backward();
    });
  } else {
    throw std::invalid_argument("unknown profile case '" + name + "'; known: " + profile_case_names());
  }
}

}  // namespace neurode::bench
