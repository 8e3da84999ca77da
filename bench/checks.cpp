#include "checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "floor_problem.hpp"
#include "io/hdf5_file.hpp"
#include "problems.hpp"
#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"

namespace neurode::bench {
namespace {

double max_relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  double scale = 0, error = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    scale = std::max(scale, std::abs(b[i]));
    error = std::max(error, std::abs(a[i] - b[i]));
  }
  return a.size() == b.size() ? error / scale : INFINITY;
}

solvers::SolverSettings settings(const std::string& method, bool adaptive) {
  solvers::SolverSettings s;
  s.method = method;
  s.adaptive = adaptive;
  s.dt = 1e-4;
  s.rtol = s.atol = 1e-6;
  return s;
}

solvers::GradientResult neurode_gradient(GradientProblem& p, const solvers::SolverSettings& solver,
                                         solvers::GradientMethod method) {
  solvers::GradientSettings g;
  g.method = method;
  g.adjoint_solver = solver;
  solvers::GradientSolver gradient(*p.model, solver, g);
  auto result = gradient.compute(0.0, p.y0, p.times, *p.loss);
  if (!result.forward.ok()) throw std::runtime_error("neurode gradient failed: " + result.forward.message);
  return result;
}

// Accepted step end times of a forward solve.
struct StepEnds final : solvers::StepObserver {
  std::vector<double> ends;
  void on_start(double, const double*, std::size_t) override { ends.clear(); }
  void on_step(double, double t_end, std::size_t, const double*) override { ends.push_back(t_end); }
};

std::vector<std::int64_t> as_integers(const std::vector<std::size_t>& v) { return {v.begin(), v.end()}; }

}  // namespace

int run_checks() {
  int failures = 0;
  auto check = [&](const char* what, double error, double tolerance) {
    const bool pass = error <= tolerance;
    if (!pass) ++failures;
    std::printf("%-68s %10.3e  (<= %.0e) %s\n", what, error, tolerance, pass ? "ok" : "FAILED");
  };
  auto info = [](const char* what, double value) {
    std::printf("%-68s %10.3e  (information)\n", what, value);
  };
  const FloorProblem& fp = floor_wta_problem();
  const std::vector<double> reference =
      io::Hdf5File(reference_path("gradient_wta.h5"), io::Hdf5File::Mode::read).read("dL_dW").values;

  // 1. RK4, dt = 1e-4: the floor against neurode's discrete adjoint.
  auto p = wta_problem(1);
  const auto rk4 = neurode_gradient(p, settings("rk4", false), solvers::GradientMethod::discrete);
  FloorRk<Rk4Tableau> floor_rk4(fp, 200000);
  floor_rk4.forward_fixed(1e-4);
  floor_rk4.backward();
  check("WTA rk4 dt 1e-4: steps |floor - neurode|",
        std::abs(static_cast<double>(floor_rk4.steps()) - static_cast<double>(rk4.backward_steps)), 0);
  check("WTA rk4 dt 1e-4: loss, floor vs neurode (relative)",
        std::abs(floor_rk4.loss() - rk4.loss()) / rk4.loss(), 1e-12);
  check("WTA rk4 dt 1e-4: gradient, floor vs neurode discrete (max rel)",
        max_relative_error(floor_rk4.gradient(), rk4.summed_gradient()), 1e-9);

  // 2. Dormand-Prince on neurode's own accepted steps: the floor's DP5 adjoint against neurode's.
  const auto dp = neurode_gradient(p, settings("dopri5", true), solvers::GradientMethod::discrete);
  StepEnds ends;
  {
    solvers::Integrator integrator(*p.model, settings("dopri5", true));
    integrator.solve(0.0, p.y0, p.times, &ends);
  }
  FloorRk<Dp5Tableau> floor_dp5(fp, 200000);
  floor_dp5.forward_steps(ends.ends);
  floor_dp5.backward();
  check("WTA dopri5 on neurode's steps: loss, floor vs neurode (relative)",
        std::abs(floor_dp5.loss() - dp.loss()) / dp.loss(), 1e-12);
  check("WTA dopri5 on neurode's steps: gradient, floor vs neurode (max rel)",
        max_relative_error(floor_dp5.gradient(), dp.summed_gradient()), 1e-9);

  // 3. The floor's own adaptive DP5 (its controller is not PETSc's: same tolerance, other steps).
  floor_dp5.forward_adaptive(1e-6, 1e-6, 1e-4);
  floor_dp5.backward();
  info("WTA dopri5 1e-6: accepted steps, neurode", static_cast<double>(dp.forward.statistics.steps));
  info("WTA dopri5 1e-6: accepted steps, floor", static_cast<double>(floor_dp5.steps()));
  info("WTA dopri5 1e-6: gradient, floor adaptive vs neurode (max rel)",
       max_relative_error(floor_dp5.gradient(), dp.summed_gradient()));
  info("WTA dopri5 1e-6: gradient, floor adaptive vs gradient_wta.h5 dL_dW (max rel)",
       max_relative_error(floor_dp5.gradient(), reference));
  info("WTA rk4 dt 1e-4: gradient, floor vs gradient_wta.h5 dL_dW (max rel)",
       max_relative_error(floor_rk4.gradient(), reference));
  std::printf("%s\n", failures == 0 ? "all checks passed" : "CHECKS FAILED");
  return failures;
}

void export_problems(const std::string& path) {
  io::Hdf5File file(path, io::Hdf5File::Mode::create);
  struct Case {
    const char* name;
    bool xor_task;
    std::size_t trials;
  };
  for (const Case c : {Case{"wta_b1", false, 1}, Case{"wta_b16", false, 16}, Case{"wta_b256", false, 256},
                       Case{"wta_b1024", false, 1024}, Case{"xor_b1", true, 1}, Case{"xor_b16", true, 16}}) {
    auto p = c.xor_task ? xor_problem(c.trials) : wta_problem(c.trials);
    const auto& model = *p.model;
    const auto& w = model.weights();
    const auto& k = model.constants();
    const std::size_t n = w.populations, channels = w.input.cols, segments = p.drives.front().times.size();
    const std::string g = std::string("/") + c.name + "/";
    file.write(g + "W", {n, n}, w.recurrent.dense().data());
    if (channels > 0) file.write(g + "W_in", {n, channels}, w.input.dense().data());
    file.write(g + "W_ff", w.feedforward);
    file.write(g + "W_bg", w.background);
    file.write(g + "kappa", w.adaptation_strength);
    file.write(g + "segment_times", p.drives.front().times);
    std::vector<double> rates, channel_values;
    for (const auto& d : p.drives)
      for (std::size_t s = 0; s < segments; ++s) {
        rates.insert(rates.end(), d.population_rates[s].begin(), d.population_rates[s].end());
        if (channels > 0)
          channel_values.insert(channel_values.end(), d.channel_values[s].begin(), d.channel_values[s].end());
      }
    file.write(g + "population_rates", {c.trials, segments, n}, rates.data());
    if (channels > 0) file.write(g + "channel_values", {c.trials, segments, channels}, channel_values.data());
    file.write(g + "y0", {c.trials, 3 * n}, p.y0.data());
    file.write(g + "times", p.times);
    file.write(g + "observation_weights", p.observation_weights);
    file.write_integers(g + "loss_populations", {p.loss_populations.size()}, as_integers(p.loss_populations));
    file.write(g + "targets", {c.trials, p.times.size(), p.loss_populations.size()}, p.targets.data());
    std::vector<std::int64_t> kind, row, column;
    for (const auto& ref : w.parameters) {
      kind.push_back(ref.matrix == models::ParameterRef::Matrix::recurrent ? 0 : 1);
      row.push_back(static_cast<std::int64_t>(ref.row));
      column.push_back(static_cast<std::int64_t>(ref.column));
    }
    file.write_integers(g + "parameter_matrix", {kind.size()}, kind);
    file.write_integers(g + "parameter_row", {row.size()}, row);
    file.write_integers(g + "parameter_column", {column.size()}, column);
    for (const char* method : {"euler", "rk4"}) {
      const bool euler = std::string(method) == "euler";
      const auto gradient_method =
          euler ? solvers::GradientMethod::backprop_euler : solvers::GradientMethod::discrete;
      if (c.trials <= 16) {
        const auto r = neurode_gradient(p, settings(method, false), gradient_method);
        file.write_scalar(g + "neurode_" + method + "/loss", r.loss());
        file.write(g + "neurode_" + method + "/gradient", r.summed_gradient());
        file.write_scalar(g + "neurode_" + method + "/steps", static_cast<double>(r.forward.statistics.steps));
        continue;
      }
      // A large WTA batch repeats the 16 drives of wta_b16: its loss and gradient are those of
      // wta_b16 times trials / 16 (as neurode runs it best, in blocks of 16, without a store of
      // 1024 trials' steps).
      auto block = wta_problem(16);
      const auto r = neurode_gradient(block, settings(method, false), gradient_method);
      const double copies = static_cast<double>(c.trials / 16);
      auto gradient = r.summed_gradient();
      for (double& x : gradient) x *= copies;
      file.write_scalar(g + "neurode_" + method + "/loss", copies * r.loss());
      file.write(g + "neurode_" + method + "/gradient", gradient);
      file.write_scalar(g + "neurode_" + method + "/steps", static_cast<double>(r.forward.statistics.steps));
    }
    file.set_attribute(g, "tau_s", k.tau_synapse_s);
    file.set_attribute(g, "tau_m", k.tau_membrane_s);
    file.set_attribute(g, "tau_a", k.tau_adaptation_s);
    file.set_attribute(g, "R", k.resistance);
    file.set_attribute(g, "nu_bg", k.background_rate_Hz);
    file.set_attribute(g, "gain", k.transfer.gain);
    file.set_attribute(g, "threshold", k.transfer.threshold);
    file.set_attribute(g, "noise_factor", k.transfer.noise_factor);
    file.set_attribute(g, "exponent_clamp", k.transfer.exponent_clamp);
    file.set_attribute(g, "dt", 1e-4);
  }
}

}  // namespace neurode::bench
