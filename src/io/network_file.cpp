#include "io/network_file.hpp"

#include <cmath>
#include <map>
#include <stdexcept>

#include "io/hdf5_file.hpp"
#include "models/column_parameters.hpp"

namespace neurode::io {
namespace {

double attribute_or(const Hdf5File& file, const char* name, double fallback) {
  try {
    return file.read_attribute("/", name);
  } catch (const Hdf5Error&) {
    return fallback;
  }
}

void require_length(const Hdf5File& file, const char* name, const Array& a, std::size_t n) {
  if (a.values.size() != n)
    throw Hdf5Error(file.path() + ": dataset '" + name + "' has " + std::to_string(a.values.size()) +
                    " values, expected " + std::to_string(n));
}

}  // namespace

NetworkFile load_network_file(const std::string& path) {
  Hdf5File file(path, Hdf5File::Mode::read);
  NetworkFile net;
  net.path = path;
  const Array W = file.read("W");
  if (W.shape.size() != 2 || W.shape[0] != W.shape[1])
    throw Hdf5Error(path + ": dataset 'W' must be a square matrix (target x source)");
  const std::size_t n = W.shape[0];
  auto& weights = net.weights;
  weights.populations = n;
  std::map<std::pair<std::size_t, std::size_t>, double> entries;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (W.at(i, j) != 0.0) entries[{i, j}] = W.at(i, j);

  const Array W_ff = file.read("W_ff"), W_bg = file.read("W_bg"), kappa = file.read("kappa");
  require_length(file, "W_ff", W_ff, n);
  require_length(file, "W_bg", W_bg, n);
  require_length(file, "kappa", kappa, n);
  weights.feedforward = W_ff.values;
  weights.background = W_bg.values;
  weights.adaptation_strength = kappa.values;
  for (std::size_t i = 0; i < n; ++i)
    weights.column_of_population.push_back(static_cast<int>(i / models::kPopulationsPerColumn));

  // Trainable entries must exist in the sparse pattern even when their value is zero.
  std::vector<std::pair<std::size_t, std::size_t>> trainable;
  if (file.has("grad_entries")) {
    const Array g = file.read("grad_entries");
    if (g.shape.size() != 2 || g.shape[1] != 2)
      throw Hdf5Error(path + ": dataset 'grad_entries' must be P x 2 (target, source)");
    for (std::size_t p = 0; p < g.rows(); ++p) {
      const double target = g.at(p, 0), source = g.at(p, 1);
      if (target < 0 || source < 0 || target >= static_cast<double>(n) || source >= static_cast<double>(n))
        throw Hdf5Error(path + ": grad_entries row " + std::to_string(p) + " is outside the network");
      trainable.emplace_back(static_cast<std::size_t>(target), static_cast<std::size_t>(source));
      entries.try_emplace(trainable.back(), 0.0);
    }
  }
  weights.recurrent = models::SparseMatrix::from_entries(n, n, entries);
  weights.input = models::SparseMatrix::from_entries(n, 0, {});
  for (const auto& [target, source] : trainable) {
    models::ParameterRef ref;
    ref.row = target;
    ref.column = source;
    ref.index = weights.recurrent.find(target, source);
    ref.label = "W[" + std::to_string(target) + "," + std::to_string(source) + "]";
    weights.parameters.push_back(ref);
  }

  const auto defaults = models::ColumnConstants::from(models::default_column_parameters());
  net.constants = defaults;
  net.constants.tau_synapse_s = attribute_or(file, "tau_s", defaults.tau_synapse_s);
  net.constants.tau_membrane_s = attribute_or(file, "tau_m", defaults.tau_membrane_s);
  net.constants.tau_adaptation_s = attribute_or(file, "tau_a", defaults.tau_adaptation_s);
  net.constants.resistance = attribute_or(file, "R", defaults.resistance);
  net.constants.background_rate_Hz = attribute_or(file, "nu_bg", defaults.background_rate_Hz);

  const Array times = file.read("input_times"), rates = file.read("input_rates");
  if (rates.values.size() != times.values.size() * n)
    throw Hdf5Error(path + ": 'input_rates' must be (segments x " + std::to_string(n) +
                    ") with one row per input_times entry");
  net.drive.times = times.values;
  net.drive.population_rates.assign(times.values.size(), std::vector<double>(n));
  for (std::size_t k = 0; k < times.values.size(); ++k)
    for (std::size_t i = 0; i < n; ++i) net.drive.population_rates[k][i] = rates.at(k, i);
  try {
    net.drive.validate(n, 0);
  } catch (const std::invalid_argument& e) {
    throw Hdf5Error(path + ": " + e.what());
  }

  const Array y0 = file.read("y0");
  require_length(file, "y0", y0, 3 * n);
  net.initial_state = y0.values;
  net.times = file.read("t").values;
  if (net.times.empty()) throw Hdf5Error(path + ": dataset 't' is empty");
  for (std::size_t k = 1; k < net.times.size(); ++k)
    if (!(net.times[k] > net.times[k - 1])) throw Hdf5Error(path + ": dataset 't' must increase");

  if (file.has("loss_target_populations")) {
    for (double p : file.read("loss_target_populations").values) {
      if (p < 0 || p >= static_cast<double>(n))
        throw Hdf5Error(path + ": loss_target_populations entry outside the network");
      net.loss_populations.push_back(static_cast<std::size_t>(p));
    }
    net.loss_target_rates = file.read("loss_target_rates").values;
    if (net.loss_target_rates.size() != net.loss_populations.size())
      throw Hdf5Error(path + ": loss_target_rates must have one rate per loss_target_populations entry");
  }
  return net;
}

}  // namespace neurode::io
