#include "simulation_tree_noise.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "models/column/column_network.hpp"
#include "models/noise/brownian_tree.hpp"
#include "models/noise/column_noise.hpp"
#include "solvers/sde/additive_sde.hpp"

namespace neurode::app {
namespace {

solvers::SdeSettings sde_settings(const solvers::SolverSettings& solver) {
  solvers::SdeSettings s;
  s.scheme = solver.method == "euler" ? solvers::SdeScheme::euler_maruyama : solvers::SdeScheme::sra1;
  s.adaptive = solver.adaptive && s.scheme == solvers::SdeScheme::sra1;
  s.dt = solver.dt;
  s.rtol = solver.rtol;
  s.atol = solver.atol;
  s.dt_min = solver.dt_min;
  s.max_steps = solver.max_steps;
  s.keep_for_gradient = false;  // a simulation needs no gradient
  return s;
}

}  // namespace

std::string tree_noise_method(const solvers::SolverSettings& solver) {
  const solvers::SdeSettings s = sde_settings(solver);
  char text[160];
  if (s.adaptive)
    std::snprintf(text, sizeof text, "SRA1 on Brownian trees, adaptive (rtol %g, atol %g)", s.rtol, s.atol);
  else
    std::snprintf(text, sizeof text, "%s on Brownian trees, fixed step %g s",
                  s.scheme == solvers::SdeScheme::sra1 ? "SRA1" : "Euler-Maruyama", s.dt);
  return text;
}

BlockSolve tree_noise_block_solve(const setup::SimulationConfig& config,
                                  const models::NetworkWeights& weights,
                                  const models::ColumnConstants& constants) {
  return [config, weights, constants](std::size_t first, std::size_t count, const std::vector<double>& y0) {
    const auto start = std::chrono::steady_clock::now();
    const std::size_t R = config.realisations, trials = config.trials.size();
    const double t0 = config.t_start, t_end = config.output_times.back();
    const auto noisy = models::column_noisy_components(config.noise, weights.populations);
    // Leaves no longer than noise.leaf.
    const int depth =
        std::clamp(static_cast<int>(std::ceil(std::log2((t_end - t0) / config.noise.tree_leaf_s))), 0, 40);
    std::vector<models::PiecewiseDrive> drives;
    std::vector<models::BrownianTree> trees;
    for (std::size_t run = first; run < first + count; ++run) {
      drives.push_back(config.trials[run / R]);
      trees.emplace_back(models::RandomStream(config.seed, models::RandomDomain::brownian_path,
                                              (run % R) * trials + run / R),
                         noisy.offsets.size(), t0, t_end, depth);
    }
    models::ColumnNetwork network(weights, constants, std::move(drives));
    solvers::AdditiveSdeSolver solver(network, {noisy.offsets, noisy.sigma}, trees,
                                      sde_settings(config.solver));
    const solvers::SdeSolution r = solver.solve(t0, y0, config.output_times);
    solvers::Solution out;
    out.state_size = network.state_size();
    out.times = config.output_times;
    out.states.assign(r.states.begin(), r.states.end());
    out.valid_rows = r.ok ? out.times.size() : 0;
    out.status = r.ok            ? solvers::SolveStatus::success
                 : r.interrupted ? solvers::SolveStatus::interrupted
                                 : solvers::SolveStatus::diverged;
    out.message = r.message;
    out.time_reached = r.ok ? t_end : t0;
    out.statistics.steps = static_cast<long>(r.steps.size());
    out.statistics.rejected_steps = r.rejected;
    out.statistics.rhs_evaluations = r.rhs_evaluations;
    out.statistics.wall_time_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.method = tree_noise_method(config.solver);
    return out;
  };
}

}  // namespace neurode::app
