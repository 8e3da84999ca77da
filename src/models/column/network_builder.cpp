#include "models/column/network_builder.hpp"

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace neurode::models {
namespace {

using EntryMap = std::map<std::pair<std::size_t, std::size_t>, double>;

struct ColumnSlot {
  int area = 0;
  int first_population = 0;
};

// The within-column block from anatomy. Inhibitory sources are scaled by N_E / N_I of their layer.
void add_column_block(const ColumnParameters& parameters, const PopulationVector& sizes, std::size_t offset,
                      EntryMap& entries) {
  const double J = parameters.synaptic_strength;
  for (int i = 0; i < kPopulationsPerColumn; ++i) {
    for (int j = 0; j < kPopulationsPerColumn; ++j) {
      const double p = parameters.connection_probability[i][j];
      if (p == 0.0) continue;
      const double K = synapse_count(p, sizes[i], sizes[j]);
      const bool inhibitory = (j % 2) == 1;
      const double strength = inhibitory ? -(sizes[j - 1] / sizes[j]) * J : J;
      entries[{offset + i, offset + j}] = K * strength;
    }
  }
}

void add_pattern(const ConnectionSpec& connection, const char* kind, std::size_t target_column,
                 std::size_t source_column, EntryMap& entries,
                 std::vector<std::pair<std::size_t, std::size_t>>& trainable,
                 std::map<std::pair<std::size_t, std::size_t>, std::string>& labels) {
  for (int i = 0; i < kPopulationsPerColumn; ++i) {
    for (int j = 0; j < kPopulationsPerColumn; ++j) {
      if (connection.pattern.mask[i][j] == 0.0) continue;
      const std::pair<std::size_t, std::size_t> key{target_column * kPopulationsPerColumn + i,
                                                    source_column * kPopulationsPerColumn + j};
      entries[key] += connection.pattern.init[i][j];
      labels[key] = kind;
      if (connection.trainable) trainable.push_back(key);
    }
  }
}

}  // namespace

double synapse_count(double probability, double target_size, double source_size) {
  return std::log1p(-probability) / std::log1p(-1.0 / (target_size * source_size)) / target_size;
}

int column_count(const NetworkSpec& spec) {
  int total = 0;
  for (const auto& area : spec.areas) total += area.columns;
  return total;
}

namespace {

using Key = std::pair<std::size_t, std::size_t>;

// The recurrent and input weights while they are collected: entries, which of them are trained,
// and the kind of each recurrent entry (for labels and sign constraints).
struct Assembly {
  EntryMap entries;
  std::vector<Key> trainable;
  std::map<Key, std::string> labels;
  EntryMap input_entries;
  std::vector<Key> input_trainable;
  std::vector<std::vector<int>> columns_of_area;
};

// 1. Every column of every area: its intra-column block and its populations' constants.
void add_columns(const ColumnParameters& parameters, const NetworkSpec& spec, NetworkWeights& net,
                 Assembly& a) {
  int next_column = 0;
  const double J = parameters.synaptic_strength;
  for (const auto& area : spec.areas) {
    const auto found = parameters.population_size.find(area.name);
    if (found == parameters.population_size.end())
      throw std::invalid_argument("network: unknown area '" + area.name + "'");
    if (area.columns < 1) throw std::invalid_argument("network: area '" + area.name + "' needs >= 1 column");
    PopulationVector sizes = found->second;
    if (spec.small_network)
      for (double& s : sizes) s /= area.columns;
    const PopulationVector& k_bg =
        spec.small_network ? parameters.background_synapses_small_network : parameters.background_synapses;
    a.columns_of_area.emplace_back();
    for (int c = 0; c < area.columns; ++c) {
      const int column = next_column++;
      a.columns_of_area.back().push_back(column);
      net.area_of_column.push_back(area.name);
      const std::size_t offset = static_cast<std::size_t>(column) * kPopulationsPerColumn;
      add_column_block(parameters, sizes, offset, a.entries);
      for (int p = 0; p < kPopulationsPerColumn; ++p) {
        net.background[offset + p] = k_bg[p] * J;
        net.feedforward[offset + p] = parameters.feedforward_synapses[p] * J;
        net.adaptation_strength[offset + p] = parameters.adaptation_strength[p];
        net.column_of_population.push_back(column);
      }
    }
  }
}

// 2. The connections between columns: lateral within an area, feed-forward and feedback between
//    consecutive areas.
void add_connections(const NetworkSpec& spec, Assembly& a) {
  for (std::size_t area = 0; area < a.columns_of_area.size(); ++area) {
    const auto& here = a.columns_of_area[area];
    if (spec.lateral.enabled)
      for (int target : here)
        for (int source : here)
          if (target != source)
            add_pattern(spec.lateral, "lateral", target, source, a.entries, a.trainable, a.labels);
    if (area + 1 < a.columns_of_area.size()) {
      const auto& next = a.columns_of_area[area + 1];
      if (spec.feedforward.enabled)
        for (int target : next)
          for (int source : here)
            add_pattern(spec.feedforward, "feedforward", target, source, a.entries, a.trainable, a.labels);
      if (spec.feedback.enabled)
        for (int target : here)
          for (int source : next)
            add_pattern(spec.feedback, "feedback", target, source, a.entries, a.trainable, a.labels);
    }
  }
}

// 3. The config's explicit weight entries: set or added, and trained when they say so.
void add_weight_entries(const NetworkSpec& spec, std::size_t n, Assembly& a) {
  for (const auto& entry : spec.weights) {
    if (entry.target >= n || entry.source >= n)
      throw std::invalid_argument("network: weight entry [" + std::to_string(entry.target) + ", " +
                                  std::to_string(entry.source) + "] outside the " + std::to_string(n) +
                                  " populations");
    const Key key{entry.target, entry.source};
    if (entry.value)
      a.entries[key] = *entry.value;
    else
      a.entries.try_emplace(key, 0.0);
    if (!a.labels.count(key)) a.labels[key] = "recurrent";
    if (entry.trainable) a.trainable.push_back(key);
  }
}

// 4. Network input channels reach every column of the first area.
void add_inputs(const NetworkSpec& spec, Assembly& a) {
  for (int channel = 0; channel < spec.input.channels; ++channel)
    for (int column : a.columns_of_area.front())
      for (int p = 0; p < kPopulationsPerColumn; ++p)
        if (spec.input.mask[p] != 0.0) {
          const Key key{static_cast<std::size_t>(column) * kPopulationsPerColumn + p,
                        static_cast<std::size_t>(channel)};
          a.input_entries[key] = spec.input.init[p];
          if (spec.input.trainable) a.input_trainable.push_back(key);
        }
}

// 5. The trainable parameters in a fixed order: recurrent entries sorted by (target, source), then
//    input weights, then the trainable scalars.
void list_parameters(const NetworkSpec& spec, Assembly& a, NetworkWeights& net) {
  const std::set<Key> unique(a.trainable.begin(), a.trainable.end());
  for (const auto& key : unique) {
    ParameterRef ref;
    ref.matrix = ParameterRef::Matrix::recurrent;
    ref.row = key.first;
    ref.column = key.second;
    ref.index = net.recurrent.find(key.first, key.second);
    ref.kind = a.labels[key];
    ref.label = a.labels[key] + " W[" + std::to_string(key.first) + "," + std::to_string(key.second) + "]";
    net.parameters.push_back(ref);
  }
  for (const auto& key : a.input_trainable) {
    ParameterRef ref;
    ref.matrix = ParameterRef::Matrix::input;
    ref.row = key.first;
    ref.column = key.second;
    ref.index = net.input.find(key.first, key.second);
    ref.kind = "input";
    ref.label = "input W_in[" + std::to_string(key.first) + "," + std::to_string(key.second) + "]";
    net.parameters.push_back(ref);
  }
  for (const auto& scalar : spec.trainable_scalars) {
    ParameterRef ref;
    ref.kind = scalar;
    if (scalar == "tau_membrane" || scalar == "tau_adaptation") {
      ref.matrix = scalar == "tau_membrane" ? ParameterRef::Matrix::tau_membrane
                                            : ParameterRef::Matrix::tau_adaptation;
      ref.label = scalar;
      net.parameters.push_back(ref);
    } else if (scalar == "adaptation_strength") {
      for (std::size_t i = 0; i < net.populations; ++i) {
        if (net.adaptation_strength[i] == 0.0) continue;
        ref.matrix = ParameterRef::Matrix::adaptation_strength;
        ref.row = i;
        ref.label = "adaptation_strength[" + std::to_string(i) + "]";
        net.parameters.push_back(ref);
      }
    } else {
      throw std::invalid_argument("network: unknown trainable scalar '" + scalar +
                                  "' (expected tau_membrane, tau_adaptation or adaptation_strength)");
    }
  }
}

}  // namespace

NetworkWeights build_network(const ColumnParameters& parameters, const NetworkSpec& spec) {
  if (spec.areas.empty()) throw std::invalid_argument("network: at least one area is needed");
  NetworkWeights net;
  net.populations = static_cast<std::size_t>(column_count(spec)) * kPopulationsPerColumn;
  const std::size_t n = net.populations;
  net.feedforward.assign(n, 0.0);
  net.background.assign(n, 0.0);
  net.adaptation_strength.assign(n, 0.0);
  Assembly assembly;
  add_columns(parameters, spec, net, assembly);
  add_connections(spec, assembly);
  add_weight_entries(spec, n, assembly);
  net.recurrent = SparseMatrix::from_entries(n, n, assembly.entries);
  add_inputs(spec, assembly);
  net.input =
      SparseMatrix::from_entries(n, static_cast<std::size_t>(spec.input.channels), assembly.input_entries);
  list_parameters(spec, assembly, net);
  return net;
}

}  // namespace neurode::models
