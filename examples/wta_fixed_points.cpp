//                       neurode example: can the winner-take-all network persist?
//
// Compile with: cmake --build build --target neurode_example_wta_fixed_points
//
// Sample run:   build/examples/neurode_example_wta_fixed_points
//
// Description:  The two-column winner-take-all network of the `wta` task (docs/training.md), with
//               its input gone (the trial after the stimulus), has persistent activity only if its
//               vector field has a stable fixed point with one column active besides the resting
//               one. For L2/3e self-excitation w = W[0,0] = W[8,8] from the anatomical 283 up to
//               5 x 283 and the cross-inhibition W[1,8] = W[9,0] = 50 and 340 (the initial and
//               the trained value), the program looks for fixed points by PETSc's SNES (Newton on
//               the assembled Jacobian, LU) from three states: rest (zero), and the states at the
//               end of a stimulus (40, 20) Hz and (30, 30) Hz; it prints each distinct fixed point's
//               L2/3e rates and the largest real part of the Jacobian's eigenvalues there (LAPACK),
//               and where the winner's state at the end of the (40, 20) Hz stimulus goes without
//               input; then checks that every fixed point found has |F| < 1e-8 and that a run from
//               1% off each stable one returns to it, and exits with 1 otherwise.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "models/column/column_network.hpp"
#include "models/column/network_builder.hpp"
#include "petsc/session.hpp"
#include "solvers/fixed_points.hpp"
#include "solvers/integrator.hpp"

namespace {

using namespace neurode;

// The wta task's network with w on W[0,0], W[8,8] and c on W[1,8], W[9,0].
models::NetworkWeights wta_weights(double w, double c) {
  const auto parameters = models::default_column_parameters();
  models::NetworkSpec spec;
  spec.areas = {{"mt", 2}};
  spec.small_network = true;
  spec.weights = {{1, 8, c, false}, {9, 0, c, false}, {0, 0, w, false}, {8, 8, w, false}};
  return models::build_network(parameters, spec);
}

models::PiecewiseDrive stimulus(std::size_t n, double mu_A, double mu_B) {
  models::PiecewiseDrive d;
  d.times = {0.0, 0.05};
  d.population_rates.assign(2, std::vector<double>(n, 0.0));
  for (std::size_t pop : {2, 3}) {
    d.population_rates[0][pop] = mu_A;
    d.population_rates[0][8 + pop] = mu_B;
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  petsc::Session session(&argc, &argv);
  const auto constants = models::ColumnConstants::from(models::default_column_parameters());
  bool ok = true;
  std::printf(
      "| W[1,8] = W[9,0] | w = W[0,0] = W[8,8] | fixed points without input: (A, B) L2/3e rates in Hz, max "
      "Re(eigenvalue) in 1/s | the winner's state at the end of a (40, 20) Hz stimulus, run on without input "
      "|\n");
  std::printf("|---|---|---|---|\n");
  for (double c : {50.0, 340.0}) {
    for (double factor : {1.0, 1.5, 2.0, 2.25, 2.5, 2.75, 3.0, 4.0, 5.0}) {
      const double w = 282.98448062 * factor;
      const auto weights = wta_weights(w, c);
      const std::size_t n = weights.populations, r = 2 * n;
      models::ColumnNetwork quiet(weights, constants, {stimulus(n, 0.0, 0.0)});
      std::vector<std::vector<double>> guesses = {std::vector<double>(3 * n, 0.0)};
      std::vector<double> winner_state;
      for (const auto& [a, b] : {std::pair{40.0, 20.0}, std::pair{30.0, 30.0}, std::pair{200.0, 0.0}}) {
        models::ColumnNetwork driven(weights, constants, {stimulus(n, a, b)});
        solvers::Integrator integrator(driven, solvers::SolverSettings{});
        const auto s = integrator.solve(0.0, guesses.front(), {0.0, 0.05});
        if (s.ok()) guesses.emplace_back(s.state(1), s.state(1) + 3 * n);
        if (s.ok() && a == 40.0) winner_state.assign(s.state(1), s.state(1) + 3 * n);
      }
      std::vector<solvers::FixedPoint> found;
      for (const auto& guess : guesses) {
        // Segment 1 of `quiet` (from 0.05 s) has no input.
        auto p = solvers::find_fixed_point(quiet, 1, guess, 0.1);
        if (!p.converged) continue;
        bool known = false;
        for (const auto& q : found)
          known = known || (std::abs(q.state[r] - p.state[r]) < 1e-6 &&
                            std::abs(q.state[r + 8] - p.state[r + 8]) < 1e-6);
        if (!known) found.push_back(p);
        ok = ok && p.residual_norm < 1e-8;
      }
      std::printf("| %.0f | %.0f (%.2f x) |", c, w, factor);
      for (const auto& p : found)
        std::printf(" (%.4g, %.4g), %.3g%s;", p.state[r], p.state[r + 8], p.max_real_eigenvalue,
                    p.max_real_eigenvalue < 0 ? " stable" : " unstable");
      if (found.empty()) std::printf(" none found;");
      // Where the winner's state at the end of the (40, 20) Hz stimulus goes without input.
      solvers::SolverSettings settings;
      settings.rtol = settings.atol = 1e-8;
      settings.divergence_bound = 1e5;
      solvers::Integrator free_run(quiet, settings);
      const auto after =
          winner_state.empty() ? solvers::Solution{} : free_run.solve(0.05, winner_state, {0.05, 0.15, 1.05});
      if (winner_state.empty())
        std::printf(" | the stimulus itself runs away |\n");
      else if (after.ok())
        std::printf(" | after the stimulus: (%.3g, %.3g) Hz at 0.1 s, (%.3g, %.3g) Hz at 1 s |\n",
                    after.state(1)[r], after.state(1)[r + 8], after.state(2)[r], after.state(2)[r + 8]);
      else
        std::printf(" | after the stimulus: runs away (a rate above 1e5 Hz at t = %.3g s) |\n",
                    after.time_reached);
      // A stable fixed point attracts: from 1% off it, a run without input comes back to it (the
      // slowest mode is the adaptation, tau_a = 10 s: 150 s).
      for (const auto& q : found) {
        if (q.max_real_eigenvalue >= 0) continue;
        auto start = q.state;
        for (double& x : start) x *= 1.01;
        solvers::SolverSettings tight;
        tight.rtol = tight.atol = 1e-10;
        solvers::Integrator integrator(quiet, tight);
        const auto back = integrator.solve(0.05, start, {0.05, 150.05});
        double gap = 0;
        for (std::size_t i = 0; back.ok() && i < 3 * n; ++i)
          gap = std::max(gap, std::abs(back.state(1)[i] - q.state[i]) / std::max(1.0, std::abs(q.state[i])));
        if (!back.ok() || gap > 1e-5) {
          std::printf("a run from 1%% off a stable fixed point %s\n",
                      back.ok() ? "did not return" : back.message.c_str());
          ok = false;
        }
      }
    }
  }
  std::printf("%s\n", ok ? "checks passed" : "CHECK FAILED");
  return ok ? 0 : 1;
}
