//                       neurode example: strong error against cost of the stochastic solvers
//
// Compile with: cmake --build build --target neurode_example_sde_error_cost
//
// Sample runs:  build/examples/neurode_example_sde_error_cost            (XOR, a few points)
//               build/examples/neurode_example_sde_error_cost --full out/sde-error-cost.csv
//
// Description:  The noisy column networks of the `xor`, `wta` and (with --full) `parity` tasks,
//               sigma = 10 mV/sqrt(s) on every V, one trial block each (4 XOR patterns, 4 WTA
//               pairs, 16 parity patterns), integrated to the trial's end by
//                 1. the grid method (models/noise/additive_noise.hpp: the path fixed on a grid of
//                    `resolution`, Dormand-Prince 1e-6 between grid points), the path a coarse view
//                    of a 1e-5 s grid, against Dormand-Prince 1e-10 on the 1e-5 s grid;
//                 2. Euler-Maruyama at fixed steps, and
//                 3. adaptive SRA1 at several tolerances (solvers/sde/additive_sde.hpp), both on
//                    Brownian trees, against SRA1 at 1e-5 s on the same trees.
//               Each line: the vector-field evaluations, the wall time, the time per simulated
//               second of the block, and the strong error (the largest |y - y_ref| over the state
//               at the end, V in mV and a, r in Hz). tools/plot_error_cost.py draws the CSV. The
//               check: SRA1's error falls as its tolerance tightens, and at its loosest tolerance it
//               needs fewer evaluations than the grid method at its coarsest grid.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "models/column/column_network.hpp"
#include "models/noise/additive_noise.hpp"
#include "models/noise/brownian_tree.hpp"
#include "petsc/session.hpp"
#include "setup/training_config.hpp"
#include "solvers/integrator.hpp"
#include "solvers/sde/additive_sde.hpp"

namespace {

using namespace neurode;

constexpr double kSigma = 10.0;
constexpr std::uint64_t kSeed = 3;

struct Row {
  std::string task, method;
  double setting = 0, evaluations = 0, seconds = 0, per_simulated_second = 0, error = 0;
};

double largest_difference(const double* a, const double* b, std::size_t n) {
  double e = 0;
  for (std::size_t i = 0; i < n; ++i) e = std::max(e, std::abs(a[i] - b[i]));
  return e;
}

template <class F>
double timed(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Case {
  std::string name;
  std::string config;  // a training config without noise whose held-out samples are the block
  std::size_t trials;
};

void run_case(const Case& c, bool full, std::vector<Row>& rows) {
  const auto config = setup::parse_training_config(c.config, c.name + ".yaml");
  const auto task = config.task.make();
  std::vector<std::size_t> indices(c.trials);
  for (std::size_t i = 0; i < c.trials; ++i) indices[i] = i;
  auto problem = task->make_problem(train::Split::evaluation, indices, task->initial_parameters(), 0);
  auto* network = dynamic_cast<models::ColumnNetwork*>(problem.model.get());
  if (network == nullptr) throw std::logic_error("expected a column network");
  const auto membrane = network->membrane_offsets();
  const double T = problem.observation_times.back();
  const std::size_t n = network->state_size();
  const std::vector<double> y0 = problem.initial_state;

  // 1. The grid method, on coarse views of one 1e-5 s grid.
  auto grid_solve = [&](std::size_t coarsening, double tolerance, std::vector<double>& end,
                        long& evaluations) {
    std::vector<models::RandomStream> streams;
    for (std::size_t b = 0; b < c.trials; ++b)
      streams.emplace_back(kSeed, models::RandomDomain::brownian_path, b);
    auto inner = task->make_problem(train::Split::evaluation, indices, task->initial_parameters(), 0);
    models::AdditiveNoise model(std::move(inner.model), models::NoiseSettings{kSigma, 1e-5}, membrane,
                                streams, 0.0, T, coarsening);
    solvers::SolverSettings s;
    s.rtol = s.atol = tolerance;
    solvers::Integrator integrator(model, s);
    const auto solution = integrator.solve(0.0, y0, {T});
    if (!solution.ok()) throw std::runtime_error(c.name + ", grid method: " + solution.message);
    end.assign(solution.state(0), solution.state(0) + n);
    evaluations = solution.statistics.rhs_evaluations;
  };
  std::vector<double> grid_reference, end;
  long evaluations = 0;
  if (full) grid_solve(1, 1e-10, grid_reference, evaluations);
  for (std::size_t coarsening :
       full ? std::vector<std::size_t>{100, 30, 10, 3} : std::vector<std::size_t>{100}) {
    Row row{c.name, "grid + dopri5 1e-6", coarsening * 1e-5};
    row.seconds = timed([&] { grid_solve(coarsening, 1e-6, end, evaluations); });
    row.evaluations = static_cast<double>(evaluations);
    row.error = full ? largest_difference(end.data(), grid_reference.data(), n) : NAN;
    rows.push_back(row);
  }

  // 2 and 3. Euler-Maruyama and SRA1 on Brownian trees with leaves of at most 1e-6 s.
  const int depth = static_cast<int>(std::ceil(std::log2(T / 1e-6)));
  std::vector<models::BrownianTree> trees;
  for (std::size_t b = 0; b < c.trials; ++b)
    trees.emplace_back(models::RandomStream(kSeed, models::RandomDomain::brownian_path, b), membrane.size(),
                       0.0, T, depth);
  const solvers::AdditiveNoiseSpec noise{membrane, std::vector<double>(membrane.size(), kSigma)};
  auto tree_solve = [&](solvers::SdeSettings s, std::vector<double>& y_end, long& count) {
    auto inner = task->make_problem(train::Split::evaluation, indices, task->initial_parameters(), 0);
    s.keep_for_gradient = false;  // forward solves only
    solvers::AdditiveSdeSolver solver(*inner.model, noise, trees, s);
    const auto solution = solver.solve(0.0, y0, {T});
    if (!solution.ok) throw std::runtime_error(c.name + ", SDE solver: " + solution.message);
    y_end.assign(solution.state(0), solution.state(0) + n);
    count = solution.rhs_evaluations;
  };
  solvers::SdeSettings reference_settings;
  reference_settings.adaptive = false;
  reference_settings.dt = 1e-5;
  std::vector<double> tree_reference;
  tree_solve(reference_settings, tree_reference, evaluations);
  if (full) {
    for (double dt : {3e-4, 1e-4, 3e-5}) {
      solvers::SdeSettings s = reference_settings;
      s.scheme = solvers::SdeScheme::euler_maruyama;
      s.dt = dt;
      Row row{c.name, "euler-maruyama", dt};
      row.seconds = timed([&] { tree_solve(s, end, evaluations); });
      row.evaluations = static_cast<double>(evaluations);
      row.error = largest_difference(end.data(), tree_reference.data(), n);
      rows.push_back(row);
    }
  }
  for (double tolerance :
       full ? std::vector<double>{1e-2, 1e-3, 1e-4, 1e-5} : std::vector<double>{1e-2, 1e-4}) {
    solvers::SdeSettings s;
    s.rtol = s.atol = tolerance;
    s.dt = 1e-4;
    Row row{c.name, "sra1 adaptive", tolerance};
    row.seconds = timed([&] { tree_solve(s, end, evaluations); });
    row.evaluations = static_cast<double>(evaluations);
    row.error = largest_difference(end.data(), tree_reference.data(), n);
    rows.push_back(row);
  }
  for (Row& row : rows)
    if (row.task == c.name) row.per_simulated_second = row.seconds / T;
}

}  // namespace

int main(int argc, char** argv) {
  petsc::Session session(&argc, &argv);
  const bool full = argc > 1 && std::string(argv[1]) == "--full";
  std::vector<Case> cases = {{"xor", "task: {type: xor}\n", 4},
                             {"wta", "task: {type: wta, evaluation_samples: 4}\n", 4}};
  if (full) cases.push_back({"parity", "task: {type: parity}\n", 16});
  if (!full) cases.resize(1);
  std::vector<Row> rows;
  for (const Case& c : cases) run_case(c, full, rows);
  std::printf(
      "| task | method | grid / dt / tolerance | evaluations | seconds | s per simulated s | error |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows)
    std::printf("| %s | %s | %g | %.0f | %.3f | %.3f | %.3g |\n", r.task.c_str(), r.method.c_str(), r.setting,
                r.evaluations, r.seconds, r.per_simulated_second, r.error);
  if (argc > 2) {
    std::ofstream csv(argv[2]);
    csv << "task,method,setting,evaluations,seconds,seconds_per_simulated_second,error\n";
    for (const Row& r : rows)
      csv << r.task << "," << r.method << "," << r.setting << "," << r.evaluations << "," << r.seconds << ","
          << r.per_simulated_second << "," << r.error << "\n";
  }
  // The check, on the first task: SRA1's error falls with its tolerance, and its loosest tolerance
  // needs fewer evaluations than the coarsest grid.
  std::vector<const Row*> sra, grid;
  for (const Row& r : rows)
    if (r.task == cases.front().name) (r.method == "sra1 adaptive" ? sra : grid).push_back(&r);
  const bool ok =
      sra.back()->error < sra.front()->error && sra.front()->evaluations < grid.front()->evaluations;
  std::printf("%s\n", ok ? "checks passed" : "CHECK FAILED");
  return ok ? 0 : 1;
}
