#include "setup/simulation_config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "io/config_reader.hpp"
#include "io/memory_limit.hpp"

namespace neurode::setup {

using io::ConfigNode;
using io::Bounds;
using io::memory_limit_bytes;
using io::kMaxRate_Hz;
using io::kMaxWeight;
using io::kMaxSigma;
using io::kMaxTime_s;
using io::kMinTolerance;
using io::kMaxColumns;
using io::trajectory_bytes;
using io::require_memory;
using io::parse_config_text;
using io::read_config_text;

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

// ---- Per-population vectors and 8 x 8 patterns ------------------------------------------------

// A per-population vector written flat ([0, 0, 1, ...]) or, as column-parameters.yaml writes the
// input pattern, as an 8 x 1 column ([[0], [0], [1], ...]).
std::vector<ConfigNode> population_entries(const ConfigNode& node) {
  const auto rows = node.items(kPopulations, kPopulations, "numbers");
  if (!rows.front().is_list()) return rows;
  std::vector<ConfigNode> entries;
  for (const auto& row : rows) entries.push_back(row.items(1, 1, "number").front());
  return entries;
}

PopulationVector read_population_vector(const ConfigNode& node, const Bounds& bounds = {}) {
  const auto entries = population_entries(node);
  PopulationVector values{};
  for (std::size_t p = 0; p < kPopulations; ++p) values[p] = entries[p].as<double>(bounds);
  return values;
}

// Mask entries are switches; a 0.5 there is more likely an init value in the wrong place than intent.
double read_switch(const ConfigNode& node) {
  const double value = node.as<double>();
  if (value != 0.0 && value != 1.0) node.fail("expected 0 or 1 (a mask entry), got " + node.describe_value());
  return value;
}

PopulationVector read_mask_vector(const ConfigNode& node) {
  const auto entries = population_entries(node);
  PopulationVector mask{};
  for (std::size_t p = 0; p < kPopulations; ++p) mask[p] = read_switch(entries[p]);
  return mask;
}

PopulationMatrix read_mask_matrix(const ConfigNode& node) {
  const auto rows = node.items(kPopulations, kPopulations, "rows");
  PopulationMatrix mask{};
  for (std::size_t i = 0; i < kPopulations; ++i) {
    const auto entries = rows[i].items(kPopulations, kPopulations, "numbers");
    for (std::size_t j = 0; j < kPopulations; ++j) mask[i][j] = read_switch(entries[j]);
  }
  return mask;
}

// ---- Parameter file (layout of column-parameters.yaml) -----------------------------------------

// Reads the masks or the inits of the connection patterns into `p`.
void read_patterns(const ConfigNode& node, bool masks, models::ColumnParameters& p) {
  node.check_keys({"input", "output", "feedforward", "lateral", "feedback"});
  const auto vector = [&](const std::string& key) {
    return masks ? read_mask_vector(node.require(key)) : read_population_vector(node.require(key), kWeight);
  };
  const auto matrix = [&](const ConfigNode& value) {
    return masks ? read_mask_matrix(value) : value.matrix<kPopulations, kPopulations>(kWeight);
  };
  (masks ? p.input_mask : p.input_init) = vector("input");
  (masks ? p.output_mask : p.output_init) = vector("output");
  (masks ? p.feedforward.mask : p.feedforward.init) = matrix(node.require("feedforward"));
  (masks ? p.lateral.mask : p.lateral.init) = matrix(node.require("lateral"));
  // The published layout has no feedback pattern; keep the built-in one unless a file gives it.
  if (node.has("feedback")) (masks ? p.feedback.mask : p.feedback.init) = matrix(node.child("feedback"));
}

models::ColumnParameters parse_column_parameters(const ConfigNode& root) {
  root.check_keys({"background_drive", "capacitance", "adaptation_strength", "time_constants",
                   "transfer_function", "synaptic_strength", "synapse_counts", "connection_probabilities",
                   "population_size", "connection_masks", "connection_inits"});
  models::ColumnParameters p = models::default_column_parameters();
  p.background_rate_Hz = root.get<double>("background_drive", kRate);
  p.capacitance = root.get<double>("capacitance", Bounds::positive());
  p.adaptation_strength = read_population_vector(root.require("adaptation_strength"), Bounds::non_negative());

  const ConfigNode tau = root.require("time_constants");
  tau.check_keys({"synapse", "membrane", "adaptation"});
  p.tau_synapse_s = tau.get<double>("synapse", Bounds::positive());
  p.tau_membrane_s = tau.get<double>("membrane", Bounds::positive());
  p.tau_adaptation_s = tau.get<double>("adaptation", Bounds::positive());

  const ConfigNode transfer = root.require("transfer_function");
  transfer.check_keys({"gain", "threshold", "noise_factor", "exponent_clamp"});
  p.transfer.gain = transfer.get<double>("gain", Bounds::positive());
  p.transfer.threshold = transfer.get<double>("threshold");
  p.transfer.noise_factor = transfer.get<double>("noise_factor", Bounds::positive());
  p.transfer.exponent_clamp = transfer.get<double>("exponent_clamp", Bounds::positive());

  const ConfigNode strength = root.require("synaptic_strength");
  strength.check_keys({"baseline"});
  p.synaptic_strength = strength.get<double>("baseline", Bounds::positive());

  const ConfigNode counts = root.require("synapse_counts");
  counts.check_keys({"background", "background_small_network", "feedforward"});
  p.background_synapses = read_population_vector(counts.require("background"), Bounds::non_negative());
  p.background_synapses_small_network =
      read_population_vector(counts.require("background_small_network"), Bounds::non_negative());
  p.feedforward_synapses = read_population_vector(counts.require("feedforward"), Bounds::non_negative());

  // p = 1 would make ln(1 - p) infinite in the synapse count.
  const ConfigNode probabilities = root.require("connection_probabilities");
  probabilities.check_keys({"internal"});
  p.connection_probability =
      probabilities.require("internal").matrix<kPopulations, kPopulations>(Bounds::half_open(0.0, 1.0));

  const ConfigNode sizes = root.require("population_size");
  if (!sizes.is_map())
    sizes.fail("expected a map from area names to 8 population sizes, got " + sizes.describe_value());
  sizes.check_keys(sizes.keys());  // any area name, but each only once
  p.population_size.clear();
  // At least one neuron: smaller sizes leave the synapse counts undefined.
  for (const auto& area : sizes.keys())
    p.population_size[area] = read_population_vector(sizes.child(area), Bounds::at_least(1));

  read_patterns(root.require("connection_masks"), true, p);
  read_patterns(root.require("connection_inits"), false, p);
  return p;
}

// ---- model -------------------------------------------------------------------------------------

models::ColumnParameters read_parameters(const ConfigNode& node, const std::string& config_path,
                                         std::string& source) {
  if (!node.present()) return models::default_column_parameters();
  const std::string value = node.as<std::string>();
  if (value == "default") return models::default_column_parameters();
  std::filesystem::path file(value);
  if (file.is_relative()) file = std::filesystem::path(config_path).parent_path() / file;
  std::error_code error;
  // Checked here so that the message points at this key of the config, not at a file that is not there.
  if (!std::filesystem::is_regular_file(file, error))
    node.fail("expected 'default' or an existing parameter file, got '" + value + "' (no file " +
              file.string() + ")");
  source = file.string();
  return load_column_parameters(source);
}

std::vector<models::AreaSpec> read_areas(const ConfigNode& node, const models::ColumnParameters& parameters,
                                         bool small_network) {
  std::vector<std::string> known;
  for (const auto& [name, sizes] : parameters.population_size) known.push_back(name);
  std::vector<models::AreaSpec> areas;
  // The total is bounded too: the populations are counted in an int, and a larger network would
  // not fit in memory anyway.
  const Bounds columns = Bounds::closed(1, static_cast<double>(kMaxColumns));
  long total = 0;
  for (const auto& entry : node.items(1, kUnbounded, "areas")) {
    entry.check_keys({"name", "columns"});
    models::AreaSpec area;
    area.name = entry.require("name").choice(known);
    area.columns = entry.get_or<int>("columns", 1, columns);
    // A small network divides the area's population sizes among its columns: below one neuron per
    // population the synapse counts (and so the weights) are not defined.
    const auto& sizes = parameters.population_size.at(area.name);
    const double smallest = *std::min_element(sizes.begin(), sizes.end());
    if (small_network && area.columns > smallest)
      entry.child("columns").fail("expected at most " + format_number(std::floor(smallest)) +
                                  " columns with small_network: true (area '" + area.name +
                                  "' then keeps at least one neuron per population), got " +
                                  std::to_string(area.columns));
    total += area.columns;
    if (total > kMaxColumns)
      (entry.has("columns") ? entry.child("columns") : entry)
          .fail("expected at most " + std::to_string(kMaxColumns) + " columns in all areas together, got " +
                std::to_string(total) + " up to here");
    areas.push_back(area);
  }
  return areas;
}

// An absent section means "no such connections"; a present one is enabled unless it says otherwise.
models::ConnectionSpec read_connection(const ConfigNode& node, const models::ConnectionPattern& defaults) {
  models::ConnectionSpec spec;
  spec.pattern = defaults;
  if (!node.present()) return spec;
  node.check_keys({"enabled", "trainable", "mask", "init"});
  spec.enabled = node.get_or("enabled", true);
  spec.trainable = node.get_or("trainable", false);
  if (node.has("mask")) spec.pattern.mask = read_mask_matrix(node.child("mask"));
  if (node.has("init")) spec.pattern.init = node.child("init").matrix<kPopulations, kPopulations>(kWeight);
  return spec;
}

models::InputSpec read_input(const ConfigNode& node, const models::ColumnParameters& parameters) {
  models::InputSpec input;
  input.mask = parameters.input_mask;
  input.init = parameters.input_init;
  node.check_keys({"channels", "trainable", "mask", "init"});
  input.channels = node.get_or("channels", 0, Bounds::non_negative());
  input.trainable = node.get_or("trainable", false);
  if (node.has("mask")) input.mask = read_mask_vector(node.child("mask"));
  if (node.has("init")) input.init = read_population_vector(node.child("init"), kWeight);
  return input;
}

std::vector<models::WeightEntry> read_weights(const ConfigNode& node, std::size_t populations) {
  std::vector<models::WeightEntry> weights;
  if (!node.present()) return weights;
  const Bounds index = Bounds::closed(0, static_cast<double>(populations - 1));
  std::map<std::pair<std::size_t, std::size_t>, std::string> seen;
  for (const auto& entry : node.items(0, kUnbounded, "weights")) {
    entry.check_keys({"target", "source", "value", "trainable"});
    models::WeightEntry weight;
    weight.target = entry.get<unsigned long>("target", index);
    weight.source = entry.get<unsigned long>("source", index);
    if (entry.has("value")) weight.value = entry.child("value").as<double>(kWeight);
    weight.trainable = entry.get_or("trainable", false);
    const auto [first, inserted] = seen.emplace(std::pair{weight.target, weight.source}, entry.key_path());
    if (!inserted)
      entry.fail("expected each weight once, got W[" + std::to_string(weight.target) + "," +
                 std::to_string(weight.source) + "] again (first as " + first->second + ")");
    weights.push_back(weight);
  }
  return weights;
}

void read_model(const ConfigNode& model, const std::string& config_path, SimulationConfig& config) {
  model.check_keys(
      {"parameters", "small_network", "areas", "connections", "input", "weights", "trainable_scalars"});
  config.parameters = read_parameters(model.child("parameters"), config_path, config.parameters_source);
  models::NetworkSpec& network = config.network;
  network.small_network = model.get_or("small_network", false);
  network.areas = read_areas(model.require("areas"), config.parameters, network.small_network);
  const ConfigNode connections = model.child("connections");
  connections.check_keys({"lateral", "feedforward", "feedback"});
  network.lateral = read_connection(connections.child("lateral"), config.parameters.lateral);
  network.feedforward = read_connection(connections.child("feedforward"), config.parameters.feedforward);
  network.feedback = read_connection(connections.child("feedback"), config.parameters.feedback);
  network.input = read_input(model.child("input"), config.parameters);
  const auto populations = static_cast<std::size_t>(models::column_count(network)) * kPopulations;
  network.weights = read_weights(model.child("weights"), populations);
  if (model.has("trainable_scalars"))
    for (const auto& entry : model.child("trainable_scalars").items(0, 3, "scalar names")) {
      const std::string name = entry.choice({"tau_membrane", "tau_adaptation", "adaptation_strength"});
      if (std::find(network.trainable_scalars.begin(), network.trainable_scalars.end(), name) !=
          network.trainable_scalars.end())
        entry.fail("expected each scalar once, got '" + name + "' again");
      network.trainable_scalars.push_back(name);
    }
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
                   "divergence_bound"});
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
    for (const auto& entry : node.child("variables").items(1, 3, "variable names")) {
      const std::string name = entry.choice({"V", "a", "r"});
      if (std::find(output.variables.begin(), output.variables.end(), name) != output.variables.end())
        entry.fail("expected each variable once, got '" + name + "' again");
      output.variables.push_back(name);
    }
  }
  return output;
}

}  // namespace

void read_model_section(const ConfigNode& model, const std::string& config_path, SimulationConfig& config) {
  read_model(model, config_path, config);
}

solvers::SolverSettings read_solver_section(const ConfigNode& node) { return read_solver(node); }

void check_noise_and_step(const ConfigNode& noise, const models::NoiseSettings& settings,
                          const solvers::SolverSettings& solver) {
  if (!settings.enabled() || solver.adaptive || solver.dt <= settings.resolution_s * (1 + 1e-12)) return;
  const ConfigNode resolution = noise.child("resolution");
  (resolution.present() ? resolution : noise)
      .fail("expected a noise resolution >= the fixed step solver.dt = " + format_number(solver.dt) +
            " s, got " + format_number(settings.resolution_s) +
            " s: no step crosses a grid point of the noise, so the step would be cut to the resolution");
}

models::NoiseSettings read_noise_section(const ConfigNode& node, std::vector<std::string> extra_keys) {
  models::NoiseSettings noise;
  if (!node.present()) return noise;
  extra_keys.insert(extra_keys.end(), {"sigma", "resolution"});
  node.check_keys(extra_keys);
  noise.sigma = node.require("sigma").as<double>(Bounds::closed(0.0, kMaxSigma));
  noise.resolution_s = node.get_or("resolution", noise.resolution_s, Bounds::positive());
  return noise;
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

models::ColumnParameters load_column_parameters(const std::string& path) {
  return parse_column_parameters(parse_config_text(read_config_text(path), path));
}

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
  // Order matters: the network fixes the sizes, the time grid fixes where drives may change.
  read_model(root.require("model"), path, config);
  read_simulation(root.child("simulation"), root.child("model").child("areas"), config);
  read_trials(root.child("stimulus"), root.child("trials"), config);
  config.solver = read_solver(root.child("solver"));
  config.output = read_output(root.child("output"));
  const ConfigNode noise = root.child("noise");
  config.noise = read_noise_section(noise, {"realisations"});
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
