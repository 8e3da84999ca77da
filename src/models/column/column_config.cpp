#include "models/column/column_config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>

#include "io/config_limits.hpp"

namespace neurode::models {

using io::Bounds;
using io::ConfigNode;
using io::kMaxColumns;

namespace {

constexpr std::size_t kPopulations = kPopulationsPerColumn;
constexpr std::size_t kUnbounded = SIZE_MAX;
const Bounds kRate = Bounds::closed(0.0, io::kMaxRate_Hz);
const Bounds kWeight = Bounds::closed(-io::kMaxWeight, io::kMaxWeight);

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
void read_patterns(const ConfigNode& node, bool masks, ColumnParameters& p) {
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

ColumnParameters parse_column_parameters(const ConfigNode& root) {
  root.check_keys({"background_drive", "capacitance", "adaptation_strength", "time_constants",
                   "transfer_function", "synaptic_strength", "synapse_counts", "connection_probabilities",
                   "population_size", "connection_masks", "connection_inits"});
  ColumnParameters p = default_column_parameters();
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

ColumnParameters read_parameters(const ConfigNode& node, const std::string& config_path,
                                 std::string& source) {
  if (!node.present()) return default_column_parameters();
  const std::string value = node.as<std::string>();
  if (value == "default") return default_column_parameters();
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

std::vector<AreaSpec> read_areas(const ConfigNode& node, const ColumnParameters& parameters,
                                 bool small_network) {
  std::vector<std::string> known;
  for (const auto& [name, sizes] : parameters.population_size) known.push_back(name);
  std::vector<AreaSpec> areas;
  // The total is bounded too: the populations are counted in an int, and a larger network would
  // not fit in memory anyway.
  const Bounds columns = Bounds::closed(1, static_cast<double>(kMaxColumns));
  long total = 0;
  for (const auto& entry : node.items(1, kUnbounded, "areas")) {
    entry.check_keys({"name", "columns"});
    AreaSpec area;
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
ConnectionSpec read_connection(const ConfigNode& node, const ConnectionPattern& defaults) {
  ConnectionSpec spec;
  spec.pattern = defaults;
  if (!node.present()) return spec;
  node.check_keys({"enabled", "trainable", "mask", "init"});
  spec.enabled = node.get_or("enabled", true);
  spec.trainable = node.get_or("trainable", false);
  if (node.has("mask")) spec.pattern.mask = read_mask_matrix(node.child("mask"));
  if (node.has("init")) spec.pattern.init = node.child("init").matrix<kPopulations, kPopulations>(kWeight);
  return spec;
}

InputSpec read_input(const ConfigNode& node, const ColumnParameters& parameters) {
  InputSpec input;
  input.mask = parameters.input_mask;
  input.init = parameters.input_init;
  node.check_keys({"channels", "trainable", "mask", "init"});
  input.channels = node.get_or("channels", 0, Bounds::non_negative());
  input.trainable = node.get_or("trainable", false);
  if (node.has("mask")) input.mask = read_mask_vector(node.child("mask"));
  if (node.has("init")) input.init = read_population_vector(node.child("init"), kWeight);
  return input;
}

std::vector<WeightEntry> read_weights(const ConfigNode& node, std::size_t populations) {
  std::vector<WeightEntry> weights;
  if (!node.present()) return weights;
  const Bounds index = Bounds::closed(0, static_cast<double>(populations - 1));
  std::map<std::pair<std::size_t, std::size_t>, std::string> seen;
  for (const auto& entry : node.items(0, kUnbounded, "weights")) {
    entry.check_keys({"target", "source", "value", "trainable"});
    WeightEntry weight;
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

}  // namespace

ColumnModelConfig read_column_model(const ConfigNode& model, const std::string& config_path) {
  ColumnModelConfig config;
  model.check_keys({"parameters", "small_network", "areas", "connections", "input", "output", "weights",
                    "trainable_scalars"});
  config.parameters = read_parameters(model.child("parameters"), config_path, config.parameters_source);
  if (model.has("output")) {
    const ConfigNode output = model.child("output");
    output.check_keys({"init"});
    config.parameters.output_init = read_population_vector(output.require("init"), kWeight);
  }
  NetworkSpec& network = config.network;
  network.small_network = model.get_or("small_network", false);
  network.areas = read_areas(model.require("areas"), config.parameters, network.small_network);
  const ConfigNode connections = model.child("connections");
  connections.check_keys({"lateral", "feedforward", "feedback"});
  network.lateral = read_connection(connections.child("lateral"), config.parameters.lateral);
  network.feedforward = read_connection(connections.child("feedforward"), config.parameters.feedforward);
  network.feedback = read_connection(connections.child("feedback"), config.parameters.feedback);
  network.input = read_input(model.child("input"), config.parameters);
  const auto populations = static_cast<std::size_t>(column_count(network)) * kPopulations;
  network.weights = read_weights(model.child("weights"), populations);
  if (model.has("trainable_scalars"))
    for (const auto& entry : model.child("trainable_scalars").items(0, 3, "scalar names")) {
      const std::string name = entry.choice({"tau_membrane", "tau_adaptation", "adaptation_strength"});
      if (std::find(network.trainable_scalars.begin(), network.trainable_scalars.end(), name) !=
          network.trainable_scalars.end())
        entry.fail("expected each scalar once, got '" + name + "' again");
      network.trainable_scalars.push_back(name);
    }
  return config;
}

ColumnParameters load_column_parameters(const std::string& path) {
  return parse_column_parameters(io::parse_config_text(io::read_config_text(path), path));
}

}  // namespace neurode::models
