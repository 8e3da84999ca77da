//                       neurode example: psychometric curves of the winner-take-all decision
//
// Compile with: cmake --build build --target neurode_example_wta_psychometric
//
// Sample runs:  build/examples/neurode_example_wta_psychometric
//               build/examples/neurode_example_wta_psychometric out/train_wta.h5 out/psychometric.csv
//
// Description:  The probability of choosing column (pool) A against the stimulus difference
//               mu_A - mu_B (mean input 30 Hz), over noise realisations, for Wong & Wang's model
//               with its own background noise (sigma = 0.02 nA on I_noise, tau_AMPA = 2 ms, the
//               prototype's Euler protocol; choice: the pool with the higher rate at the end of the
//               stimulus) and for the two-column network of the `wta` task with additive noise on V
//               (sigma 5, 10 and 20 mV/sqrt(s); choice: the column with the higher L2/3e rate at the
//               end of the stimulus). The column network's trainable weights come from a training's
//               output file (`/parameters/final`, the `wta` task's four weights), or are the task's
//               initial ones. Prints the table and, given a second argument, writes it as CSV
//               (tools/plot_psychometric.py draws it). It checks that every curve rises from
//               mu_A << mu_B to mu_A >> mu_B (P(A) at +20 Hz above P(A) at -20 Hz) and that Wong-
//               Wang's own curve is a decision (below 0.1 at -20 Hz, above 0.9 at +20 Hz), and exits
//               with 1 otherwise.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"
#include "models/column/column_network.hpp"
#include "models/column/network_builder.hpp"
#include "models/kernels/random_stream.hpp"
#include "models/noise/additive_noise.hpp"
#include "models/wong_wang/wong_wang.hpp"
#include "petsc/session.hpp"
#include "solvers/integrator.hpp"
#include "train/wta_task.hpp"

namespace {

using namespace neurode;

constexpr std::size_t kRealisations = 100;
constexpr std::uint64_t kSeed = 7;
const std::vector<double> kDifferences = {-20, -12, -8, -5, -3, -1, 1, 3, 5, 8, 12, 20};

// P(A) of Wong-Wang's model at mu_A = 30 + d/2, mu_B = 30 - d/2.
double wong_wang_choice(double difference) {
  models::WongWangParameters p;
  p.sigma_nA = 0.02;
  std::size_t chose_a = 0;
  for (std::size_t k = 0; k < kRealisations; ++k) {
    const models::RandomStream noise(kSeed, models::RandomDomain::wong_wang_noise, k);
    const auto run = models::simulate_wong_wang_euler(p, 30 + difference / 2, 30 - difference / 2, &noise);
    const std::size_t last = run.stimulus_end - 1;  // the last step with the stimulus on
    chose_a += run.r_Hz[2 * last] > run.r_Hz[2 * last + 1] ? 1 : 0;
  }
  return static_cast<double>(chose_a) / kRealisations;
}

// P(A) of the column network: every realisation a trial of one block.
double column_choice(const models::NetworkWeights& weights, const models::ColumnConstants& constants,
                     const std::vector<double>& parameters, double sigma, double difference) {
  const std::size_t n = weights.populations;
  std::vector<models::PiecewiseDrive> drives;
  std::vector<models::RandomStream> paths;
  for (std::size_t k = 0; k < kRealisations; ++k) {
    models::PiecewiseDrive d;
    d.times = {0.0, 0.05, 0.10};
    d.population_rates.assign(3, std::vector<double>(n, 0.0));
    for (std::size_t pop : {2, 3}) {
      d.population_rates[1][pop] = 30 + difference / 2;
      d.population_rates[1][8 + pop] = 30 - difference / 2;
    }
    drives.push_back(d);
    paths.emplace_back(kSeed, models::RandomDomain::brownian_path, k);
  }
  auto network = std::make_unique<models::ColumnNetwork>(weights, constants, drives);
  network->set_parameters(parameters);
  auto membrane = network->membrane_offsets();
  models::AdditiveNoise model(std::move(network), models::NoiseSettings{sigma, 1e-4}, membrane, paths, 0.0,
                              0.1);
  solvers::SolverSettings s;
  s.rtol = s.atol = 1e-6;
  solvers::Integrator integrator(model, s);
  const auto solution = integrator.solve(0.0, std::vector<double>(model.state_size(), 0.0), {0.0, 0.1});
  if (!solution.ok()) throw std::runtime_error("column network: " + solution.message);
  std::size_t chose_a = 0;
  for (std::size_t k = 0; k < kRealisations; ++k) {
    const double* y = solution.state(1) + 3 * n * k;
    chose_a += y[2 * n] > y[2 * n + 8] ? 1 : 0;
  }
  return static_cast<double>(chose_a) / kRealisations;
}

}  // namespace

int main(int argc, char** argv) {
  petsc::Session session(&argc, &argv);
  const auto column = train::default_wta_network();
  const auto weights = models::build_network(column.parameters, column.network);
  const auto constants = models::ColumnConstants::from(column.parameters);
  models::PiecewiseDrive quiet;
  quiet.times = {0.0};
  quiet.population_rates.assign(1, std::vector<double>(weights.populations, 0.0));
  std::vector<double> parameters = models::ColumnNetwork(weights, constants, {quiet}).parameters();
  std::string source = "the task's initial weights";
  if (argc > 1 && argv[1][0] != '-') {
    io::Hdf5File file(argv[1], io::Hdf5File::Mode::read);
    parameters = file.read("/parameters/final").values;
    source = argv[1];
  }
  const std::vector<double> sigmas = {5, 10, 20};
  std::printf("P(choose A) over %zu realisations; column network: %s\n", kRealisations, source.c_str());
  std::printf("| mu_A - mu_B (Hz) | Wong-Wang (0.02 nA) |");
  for (double s : sigmas) std::printf(" column, sigma %g |", s);
  std::printf("\n|---|---|---|---|---|\n");
  std::vector<std::vector<double>> rows;
  for (double d : kDifferences) {
    std::vector<double> row = {d, wong_wang_choice(d)};
    for (double s : sigmas) row.push_back(column_choice(weights, constants, parameters, s, d));
    std::printf("| %g |", d);
    for (std::size_t j = 1; j < row.size(); ++j) std::printf(" %.2f |", row[j]);
    std::printf("\n");
    rows.push_back(row);
  }
  if (argc > 2) {
    std::ofstream csv(argv[2]);
    csv << "difference_Hz,wong_wang";
    for (double s : sigmas) csv << ",column_sigma_" << s;
    csv << "\n";
    for (const auto& row : rows) {
      for (std::size_t j = 0; j < row.size(); ++j) csv << (j ? "," : "") << row[j];
      csv << "\n";
    }
  }
  bool ok = rows.front()[1] < 0.1 && rows.back()[1] > 0.9;
  for (std::size_t j = 1; j < rows.front().size(); ++j) ok = ok && rows.back()[j] > rows.front()[j];
  std::printf("%s\n", ok ? "checks passed" : "CHECK FAILED");
  return ok ? 0 : 1;
}
