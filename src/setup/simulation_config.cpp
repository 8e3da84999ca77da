#include "setup/simulation_config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "io/config_reader.hpp"
#include "io/memory_limit.hpp"
#include "models/column/column_config.hpp"
#include "models/column/column_network.hpp"
#include "models/noise/noise_config.hpp"
#include "solvers/method_table.hpp"

namespace neurode::setup {

using io::Bounds;
using io::ConfigNode;
using io::kMaxColumns;
using io::kMaxRate_Hz;
using io::kMaxSigma;
using io::kMaxTime_s;
using io::kMaxWeight;
using io::kMinTolerance;
using io::memory_limit_bytes;
using io::parse_config_text;
using io::read_config_text;
using io::require_memory;
using io::trajectory_bytes;

namespace {

using models::PopulationMatrix;
using models::PopulationVector;
constexpr std::size_t kPopulations = models::kPopulationsPerColumn;
constexpr std::size_t kUnbounded = SIZE_MAX;
const Bounds kRate = Bounds::closed(0.0, kMaxRate_Hz);
const Bounds kTime = Bounds::closed(-kMaxTime_s, kMaxTime_s);
const Bounds kWeight = Bounds::closed(-kMaxWeight, kMaxWeight);
const Bounds kState = Bounds::closed(-kMaxWeight, kMaxWeight);

std::string format_number(double x) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, result.ptr);
}

// ---- simulation --------------------------------------------------------------------------------

// Strictly increasing values, each checked where it is written.
std::vector<double> read_increasing(const ConfigNode& node, const std::string& noun) {
  std::vector<double> values;
  for (const auto& element : node.items(1, kUnbounded, noun)) {
    const double value = element.as<double>(kTime);
    if (!values.empty() && !(value > values.back()))
      element.fail("expected increasing " + noun + ", got " + format_number(value) + " after " +
                   format_number(values.back()));
    values.push_back(value);
  }
  return values;
}

// `areas` is where a network too large for the output grid is reported.
void read_simulation(const ConfigNode& simulation, const ConfigNode& areas, SimulationConfig& config) {
  simulation.check_keys({"t_start", "t_end", "output_times", "initial_state", "block_size"});
  config.block_size = simulation.get_or<unsigned long>("block_size", config.block_size, Bounds::at_least(1));
  const double t_start = config.t_start = simulation.get_or("t_start", 0.0, kTime);
  const ConfigNode output_times = simulation.child("output_times");
  const ConfigNode t_end_node = simulation.child("t_end");
  if (output_times.is_list()) {
    config.output_times = read_increasing(output_times, "output times");
    if (config.output_times.front() < t_start)
      output_times.fail("expected output times >= t_start = " + format_number(t_start) + ", got " +
                        format_number(config.output_times.front()) + " first");
    if (!(config.output_times.back() > t_start))
      output_times.fail("expected the last output time (the end time) > t_start = " + format_number(t_start));
    if (t_end_node.present() && t_end_node.as<double>() != config.output_times.back())
      t_end_node.fail("expected the last output time " + format_number(config.output_times.back()) +
                      ", got " + t_end_node.describe_value());
  } else {
    if (output_times.present() && !output_times.is_map())
      output_times.fail("expected {count: N} or an increasing list of times, got " +
                        output_times.describe_value());
    const double t_end = simulation.get<double>("t_end", Bounds{t_start, kMaxTime_s, true, false});
    output_times.check_keys({"count"});
    const int count = output_times.get_or("count", 101, Bounds::at_least(2));
    // Checked before the grid is made: one run's trajectory must fit (all runs are checked later).
    const double states = 3.0 * models::column_count(config.network) * kPopulations;
    require_memory(states > count              ? areas
                   : output_times.has("count") ? output_times.child("count")
                                               : output_times,
                   trajectory_bytes(1, count, states),
                   "the trajectory of one run (" + std::to_string(count) + " output times x " +
                       format_number(states) + " states of " +
                       std::to_string(models::column_count(config.network)) + " columns)");
    // As numpy.linspace: t_start + k * step, the end point exact, so grids match the references.
    const double step = (t_end - t_start) / (count - 1);
    config.output_times.resize(static_cast<std::size_t>(count));
    for (int k = 0; k < count; ++k) config.output_times[static_cast<std::size_t>(k)] = t_start + k * step;
    config.output_times.back() = t_end;
  }

  const ConfigNode initial = simulation.child("initial_state");
  const std::size_t states =
      3 * static_cast<std::size_t>(models::column_count(config.network)) * kPopulations;
  if (initial.is_list()) {
    config.initial_state = initial.numbers(kState, states);
  } else if (initial.present() && initial.scalar_text() != "zero") {
    initial.fail("expected 'zero' or a list of " + std::to_string(states) + " numbers ([V, a, r]), got " +
                 initial.describe_value());
  }
}

// ---- stimulus and trials -----------------------------------------------------------------------

struct DriveShape {
  std::size_t columns = 0, channels = 0;
  double t_start = 0, t_end = 0;
};

// A trial's key is taken from the trial when given there and from `stimulus` otherwise.
ConfigNode pick(const ConfigNode* trial, const ConfigNode& stimulus, const std::string& key) {
  if (trial && trial->has(key)) return trial->child(key);
  return stimulus.child(key);
}

std::vector<int> read_populations(const ConfigNode& node) {
  const auto entries = node.is_list() ? node.items(1, kUnbounded, "population names") : std::vector{node};
  std::vector<int> indices;
  for (const auto& entry : entries) {
    const int p = models::population_index(entry.as<std::string>());
    if (p < 0)
      entry.fail("expected a population name (L2/3e, L2/3i, L4e, L4i, L5e, L5i, L6e, L6i), got " +
                 entry.describe_value());
    indices.push_back(p);
  }
  return indices;
}

std::vector<double> read_segment(const ConfigNode& node, const DriveShape& shape) {
  std::vector<double> rates(shape.columns * kPopulations, 0.0);
  std::vector<bool> given(rates.size(), false);
  const Bounds column_range = Bounds::closed(0, static_cast<double>(shape.columns - 1));
  for (const auto& entry : node.items(0, kUnbounded, "drive entries")) {
    entry.check_keys({"column", "populations", "rate"});
    const auto column = static_cast<std::size_t>(entry.get<int>("column", column_range));
    const ConfigNode populations = entry.require("populations");
    const double rate = entry.get<double>("rate", kRate);
    for (const int p : read_populations(populations)) {
      const std::size_t index = column * kPopulations + static_cast<std::size_t>(p);
      if (given[index])
        populations.fail("expected each population once per segment, got " +
                         std::string(models::kPopulationNames[static_cast<std::size_t>(p)]) + " of column " +
                         std::to_string(column) + " again");
      given[index] = true;
      rates[index] = rate;
    }
  }
  return rates;
}

models::PiecewiseDrive read_drive(const ConfigNode* trial, const ConfigNode& stimulus,
                                  const DriveShape& shape) {
  models::PiecewiseDrive drive;
  const ConfigNode times = pick(trial, stimulus, "times");
  drive.times = {shape.t_start};
  if (times.present()) {
    drive.times = read_increasing(times, "times");
    const auto elements = times.items();
    if (drive.times.front() != shape.t_start)
      elements.front().fail("expected the first time to equal simulation.t_start = " +
                            format_number(shape.t_start) + ", got " + format_number(drive.times.front()));
    if (!(drive.times.back() < shape.t_end))
      elements.back().fail("expected times before the end time " + format_number(shape.t_end) + ", got " +
                           format_number(drive.times.back()));
  }
  const std::size_t segments = drive.times.size();
  drive.population_rates.assign(segments, std::vector<double>(shape.columns * kPopulations, 0.0));
  const ConfigNode segment_list = pick(trial, stimulus, "segments");
  if (segment_list.present()) {
    const auto entries = segment_list.items(segments, segments, "segments (one per entry of times)");
    for (std::size_t k = 0; k < segments; ++k) drive.population_rates[k] = read_segment(entries[k], shape);
  }

  const ConfigNode channels = pick(trial, stimulus, "channels");
  if (channels.present() && shape.channels == 0)
    channels.fail("expected no channel values (model.input.channels is 0), got " + channels.describe_value());
  if (shape.channels > 0) {
    drive.channel_values.assign(segments, std::vector<double>(shape.channels, 0.0));
    if (channels.present()) {
      const auto rows = channels.items(segments, segments, "rows (one per entry of times)");
      for (std::size_t k = 0; k < segments; ++k)
        drive.channel_values[k] = rows[k].numbers(kRate, shape.channels);
    }
  }
  try {
    drive.validate(shape.columns * kPopulations, shape.channels);
  } catch (const std::invalid_argument& e) {
    // Unreachable when the checks above are complete; kept so a gap surfaces as a config error.
    (trial ? *trial : stimulus).fail(std::string("expected a consistent drive, got: ") + e.what());
  }
  return drive;
}

void read_trials(const ConfigNode& stimulus, const ConfigNode& trials, SimulationConfig& config) {
  const std::vector<std::string> drive_keys{"times", "segments", "channels"};
  stimulus.check_keys(drive_keys);
  DriveShape shape;
  shape.columns = static_cast<std::size_t>(models::column_count(config.network));
  shape.channels = static_cast<std::size_t>(config.network.input.channels);
  shape.t_start = config.t_start;
  shape.t_end = config.output_times.back();
  config.trials.clear();
  if (!trials.present()) {
    config.trials.push_back(read_drive(nullptr, stimulus, shape));
    return;
  }
  for (const auto& trial : trials.items(1, kUnbounded, "trials")) {
    trial.check_keys(drive_keys);
    config.trials.push_back(read_drive(&trial, stimulus, shape));
  }
}

// ---- solver and output -------------------------------------------------------------------------

solvers::SolverSettings read_solver(const ConfigNode& node) {
  node.check_keys({"method", "adaptive", "dt", "rtol", "atol", "theta", "bdf_order", "dt_min", "max_steps",
                   "divergence_bound", "dense_output"});
  solvers::SolverSettings s;
  if (node.has("method")) s.method = node.child("method").choice(solvers::known_methods());
  s.adaptive = node.get_or("adaptive", solvers::default_adaptive(s.method));
  s.dt = node.get_or("dt", s.dt, Bounds::positive());
  // Below 1e-15 a tolerance asks for more than double precision holds (the solver refuses it);
  // a relative tolerance above 1 asks for no accuracy at all.
  s.rtol = node.get_or("rtol", s.rtol, Bounds::closed(kMinTolerance, 1.0));
  s.atol = node.get_or("atol", s.atol, Bounds::at_least(kMinTolerance));
  // PETSc's theta method takes theta in (0, 1]: theta = 0 would be forward Euler (method: euler).
  s.theta = node.get_or("theta", s.theta, Bounds{0.0, 1.0, true, false});
  s.bdf_order = node.get_or("bdf_order", s.bdf_order, Bounds::closed(1, 6));
  s.dt_min = node.get_or("dt_min", s.dt_min, Bounds::positive());
  s.max_steps = node.get_or("max_steps", s.max_steps, Bounds::at_least(1));
  s.divergence_bound = node.get_or("divergence_bound", s.divergence_bound, Bounds::positive());
  s.dense_output = node.get_or("dense_output", s.dense_output);
  if (s.dense_output && !solvers::has_dense_output(s.method))
    node.child("dense_output")
        .fail("expected false for method '" + s.method + "': dense output needs one of " +
              solvers::dense_output_method_names() + " (their interpolants)");
  return s;
}

OutputSettings read_output(const ConfigNode& node) {
  node.check_keys({"file", "variables"});
  OutputSettings output;
  if (node.has("file")) {
    const ConfigNode file = node.child("file");
    output.file = file.as<std::string>();
    if (output.file.empty()) file.fail("expected a file name, got an empty string");
  }
  if (node.has("variables")) {
    output.variables.clear();
    const std::vector<std::string> names = models::column_state_layout(0).names();
    for (const auto& entry : node.child("variables").items(1, names.size(), "variable names")) {
      const std::string name = entry.choice(names);
      if (std::find(output.variables.begin(), output.variables.end(), name) != output.variables.end())
        entry.fail("expected each variable once, got '" + name + "' again");
      output.variables.push_back(name);
    }
  }
  return output;
}

}  // namespace

solvers::SolverSettings read_solver_section(const ConfigNode& node) { return read_solver(node); }

void check_noise_and_step(const ConfigNode& noise, const models::NoiseSettings& settings,
                          const solvers::SolverSettings& solver) {
  if (settings.enabled() && settings.type == models::NoiseType::multiplicative) {
    const solvers::MethodInfo* info = solvers::find_method(solver.method);
    const int order = info == nullptr            ? 2
                      : info->order > 0          ? info->order
                      : solver.method == "theta" ? (solver.theta == 0.5 ? 2 : 1)
                      : solver.method == "bdf"   ? solver.bdf_order
                                                 : 2;
    if (order < 2)
      noise.child("type").fail(
          "expected a solver of order >= 2 with multiplicative noise, got solver.method " + solver.method +
          " of order 1: its steps read the grid's field as Ito, whichever noise.interpretation is asked "
          "for (docs/model.md, \"Noise\"); rk4, bs3, dopri5, rk8, cn, theta 0.5 or bdf_order >= 2 give "
          "the interpretation asked for");
  }
  if (settings.enabled() && settings.path == models::NoisePath::tree) {
    // The tree's schemes: SRA1, adaptive or at solver.dt, or Euler-Maruyama at solver.dt.
    if (solver.method == "euler" && solver.adaptive)
      noise.child("path").fail(
          "expected a fixed step (solver.adaptive: false) for Euler-Maruyama on the "
          "Brownian tree (solver.method: euler has no error estimate), got an adaptive one");
    return;  // no grid, so no grid to cut the steps
  }
  if (!settings.enabled() || solver.adaptive || solver.dt <= settings.resolution_s * (1 + 1e-12)) return;
  const ConfigNode resolution = noise.child("resolution");
  (resolution.present() ? resolution : noise)
      .fail("expected a noise resolution >= the fixed step solver.dt = " + format_number(solver.dt) +
            " s, got " + format_number(settings.resolution_s) +
            " s: no step crosses a grid point of the noise, so the step would be cut to the resolution");
}

void check_run_length(const ConfigNode& solver_node, const ConfigNode& noise_node,
                      const solvers::SolverSettings& solver, const models::NoiseSettings& noise,
                      double duration_s) {
  const double steps = static_cast<double>(solver.max_steps);
  if (!solver.adaptive && duration_s / solver.dt > steps) {
    const ConfigNode dt = solver_node.child("dt");
    (dt.present() ? dt : solver_node)
        .fail("expected a fixed step >= " + format_number(duration_s / steps) +
              " s: " + format_number(duration_s) + " s in steps of " + format_number(solver.dt) + " s take " +
              format_number(std::ceil(duration_s / solver.dt)) +
              " steps, more than solver.max_steps = " + std::to_string(solver.max_steps));
  }
  if (noise.enabled() && duration_s / noise.resolution_s > steps) {
    const ConfigNode resolution = noise_node.child("resolution");
    (resolution.present() ? resolution : noise_node)
        .fail("expected a noise resolution >= " + format_number(duration_s / steps) + " s: " +
              format_number(duration_s) + " s at a resolution of " + format_number(noise.resolution_s) +
              " s are " + format_number(std::ceil(duration_s / noise.resolution_s)) +
              " noise intervals, each at least one step, more than solver.max_steps = " +
              std::to_string(solver.max_steps));
  }
}

namespace {

// Recurrent entries of the network as built (the intra-column blocks and the enabled all-to-all
// patterns between columns), about 100 bytes each while the sparse matrix is assembled.
double network_bytes(const models::NetworkSpec& network) {
  double entries = 0, previous = 0;
  const double block = kPopulations * kPopulations;
  for (const auto& area : network.areas) {
    const double c = area.columns;
    entries += c * block;
    if (network.lateral.enabled) entries += c * (c - 1) * block;
    if (network.feedforward.enabled) entries += previous * c * block;
    if (network.feedback.enabled) entries += previous * c * block;
    previous = c;
  }
  return 100.0 * entries;
}

// The whole run's memory, checked once every size is known; the message names the key that
// dominates the estimate.
void check_simulation_size(const ConfigNode& root, const SimulationConfig& config) {
  const double states = 3.0 * models::column_count(config.network) * kPopulations;
  const double trials = static_cast<double>(config.trials.size());
  const double realisations = static_cast<double>(config.realisations);
  const double times = static_cast<double>(config.output_times.size());
  const double trajectories = trajectory_bytes(trials * realisations, times, states);
  const double network = network_bytes(config.network);
  // The noise grid's breakpoints and their segment tables, per block model.
  const double noise = config.noise.enabled()
                           ? 32.0 * (config.output_times.back() - config.t_start) / config.noise.resolution_s
                           : 0.0;
  const double total = trajectories + network + noise;
  if (total <= static_cast<double>(memory_limit_bytes())) return;
  const ConfigNode simulation = root.child("simulation");
  if (network >= trajectories && network >= noise) {
    require_memory(root.child("model").child("areas"), total,
                   "a network of " + std::to_string(models::column_count(config.network)) + " columns");
  } else if (noise >= trajectories) {
    require_memory(root.child("noise").child("resolution"), total,
                   "the noise grid at a resolution of " + format_number(config.noise.resolution_s) + " s");
  } else {
    const ConfigNode key = realisations > 1 && realisations >= times
                               ? root.child("noise").child("realisations")
                           : simulation.child("output_times").present() ? simulation.child("output_times")
                                                                        : simulation;
    require_memory(key, total,
                   "the trajectories of " + format_number(trials * realisations) + " run(s) (" +
                       format_number(trials) + " trial(s) x " + format_number(realisations) +
                       " realisation(s)) x " + format_number(times) + " output times x " +
                       format_number(states) + " states");
  }
}

}  // namespace

SimulationConfig load_simulation_config(const std::string& path) {
  return parse_simulation_config(read_config_text(path), path);
}

SimulationConfig parse_simulation_config(const std::string& text, const std::string& path) {
  const ConfigNode root = parse_config_text(text, path);
  root.check_keys({"seed", "model", "stimulus", "trials", "noise", "simulation", "solver", "output"});
  SimulationConfig config;
  config.path = path;
  config.source_text = text;
  config.seed = root.get_or<unsigned long>("seed", 0);
  if (root.child("model").has("output"))
    root.child("model").child("output").fail(
        "expected no read-out in a simulation (model.output sets the initial weights of a training "
        "task's read-out), got one");
  // Order matters: the network fixes the sizes, the time grid fixes where drives may change.
  models::ColumnModelConfig model = models::read_column_model(root.require("model"), path);
  config.parameters = std::move(model.parameters);
  config.parameters_source = std::move(model.parameters_source);
  config.network = std::move(model.network);
  read_simulation(root.child("simulation"), root.child("model").child("areas"), config);
  read_trials(root.child("stimulus"), root.child("trials"), config);
  config.solver = read_solver(root.child("solver"));
  config.output = read_output(root.child("output"));
  const ConfigNode noise = root.child("noise");
  config.noise = models::read_noise_section(noise, {"realisations"});
  config.realisations = noise.get_or<unsigned long>("realisations", 1, Bounds::at_least(1));
  check_noise_and_step(noise, config.noise, config.solver);
  if (config.realisations > 1 && !config.noise.enabled())
    noise.child("realisations")
        .fail("expected 1 for a deterministic run (noise.sigma = 0): every path is the same");
  check_run_length(root.child("solver"), noise, config.solver, config.noise,
                   config.output_times.back() - config.t_start);
  check_simulation_size(root, config);
  return config;
}

}  // namespace neurode::setup
