#include "models/column/network_file.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "io/hdf5_file.hpp"
#include "io/memory_limit.hpp"
#include "models/column/column_parameters.hpp"

namespace neurode::models {

using io::Array;
using io::describe_memory_limit;
using io::format_bytes;
using io::Hdf5Error;
using io::Hdf5File;
using io::memory_limit_bytes;

namespace {

// Every number of a network file is checked against a range before use. The bounds are far
// beyond any physiological value and keep the model's products finite: a weight, a rate (Hz) or a
// state beyond 1e6 would otherwise overflow in the first steps and reach the solver as infinity.
constexpr double kMaxMagnitude = 1e6;
// Times in seconds; time constants between a microsecond and about eleven days.
constexpr double kMaxTime = 1e6, kMinTimeConstant = 1e-6;
constexpr std::size_t kAny = static_cast<std::size_t>(-1);

std::string format_number(double x) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, result.ptr);
}

// "a scalar" or "of shape [4 x 2]", to follow "is".
std::string shape_text(const std::vector<std::size_t>& shape) {
  if (shape.empty()) return "a scalar";
  std::string text;
  for (std::size_t d : shape) text += (text.empty() ? "" : " x ") + std::to_string(d);
  return "of shape [" + text + "]";
}

class Reader {
 public:
  explicit Reader(const std::string& path) : file_(path, Hdf5File::Mode::read), path_(path) {}

  bool has(const std::string& name) const { return file_.has(name); }

  [[noreturn]] void fail(const std::string& name, const std::string& what) const {
    throw Hdf5Error(path_ + ": dataset '" + name + "' " + what);
  }

  /// The shape of `name`, checked against `expected` (its rank, and each size not kAny) before
  /// any value is read; `description` says what is expected ("16 x 16 (target x source)").
  std::vector<std::size_t> shape(const std::string& name, const std::vector<std::size_t>& expected,
                                 const std::string& description) const {
    const auto dims = file_.shape(name);
    bool ok = dims.size() == expected.size();
    for (std::size_t i = 0; ok && i < dims.size(); ++i) ok = expected[i] == kAny || dims[i] == expected[i];
    if (!ok) fail(name, "is " + shape_text(dims) + ", expected " + description);
    return dims;
  }

  /// The values of `name` after its shape check, each finite, in [lower, upper] and, when
  /// `integral`, a whole number (an index).
  Array read(const std::string& name, const std::vector<std::size_t>& expected,
             const std::string& description, double lower, double upper, bool integral = false) const {
    shape(name, expected, description);
    Array a = file_.read(name);
    for (std::size_t i = 0; i < a.values.size(); ++i) {
      const double x = a.values[i];
      if (x >= lower && x <= upper && (!integral || x == std::floor(x))) continue;
      std::string at = "element " + std::to_string(i);
      if (a.shape.size() == 2)
        at += " (row " + std::to_string(i / a.cols()) + ", column " + std::to_string(i % a.cols()) + ")";
      fail(name, "holds " + format_number(x) + " at " + at + ", expected " +
                     (integral ? "whole numbers" : "finite numbers") + " in [" + format_number(lower) + ", " +
                     format_number(upper) + "]");
    }
    return a;
  }

  /// A model constant stored as a root attribute: absent gives `fallback`; present, it must be one
  /// finite number in [lower, upper] (an array or a string is an error, not a silent default).
  double constant(const std::string& name, double fallback, double lower, double upper) const {
    if (!file_.has_attribute("/", name)) return fallback;
    const double x = file_.read_attribute("/", name);
    if (!(x >= lower && x <= upper))
      throw Hdf5Error(path_ + ": attribute '" + name + "' is " + format_number(x) +
                      ", expected a number in [" + format_number(lower) + ", " + format_number(upper) + "]");
    return x;
  }

  /// Refuses a run whose memory estimate exceeds what this process may use.
  void require_memory(double bytes, const std::string& what) const {
    if (bytes <= static_cast<double>(memory_limit_bytes())) return;
    throw Hdf5Error(path_ + ": " + what + " needs about " + format_bytes(bytes) + ", more than the " +
                    describe_memory_limit() + " this process may use");
  }

  const std::string& path() const { return path_; }

 private:
  Hdf5File file_;
  std::string path_;
};

}  // namespace

NetworkFile load_network_file(const std::string& path) {
  const Reader file(path);
  NetworkFile net;
  net.path = path;

  // Shapes first: the population count fixes every other dataset's size, and the output grid with
  // it the size of the run, which is checked before the large datasets are read.
  const auto w_shape = file.shape("W", {kAny, kAny}, "a square N x N matrix (target x source)");
  const std::size_t n = w_shape[0];
  if (n == 0 || w_shape[1] != n)
    file.fail("W",
              "is " + shape_text(w_shape) + ", expected a square N x N matrix with N >= 1 (target x source)");
  const std::string N = std::to_string(n);
  const std::size_t T = file.shape("t", {kAny}, "a list of output times")[0];
  if (T == 0) file.fail("t", "is empty, expected at least one output time");
  // The trajectory is held by the solve, gathered, and built into the in-memory output file.
  file.require_memory(3.0 * static_cast<double>(T) * 3.0 * static_cast<double>(n) * sizeof(double),
                      "the trajectory of " + std::to_string(3 * n) + " states at " + std::to_string(T) +
                          " output times ('t')");

  const Array W = file.read("W", {n, n}, N + " x " + N, -kMaxMagnitude, kMaxMagnitude);
  auto& weights = net.weights;
  weights.populations = n;
  std::map<std::pair<std::size_t, std::size_t>, double> entries;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (W.at(i, j) != 0.0) entries[{i, j}] = W.at(i, j);

  weights.feedforward = file.read("W_ff", {n}, N + " values", -kMaxMagnitude, kMaxMagnitude).values;
  weights.background = file.read("W_bg", {n}, N + " values", -kMaxMagnitude, kMaxMagnitude).values;
  weights.adaptation_strength = file.read("kappa", {n}, N + " values", 0.0, kMaxMagnitude).values;
  for (std::size_t i = 0; i < n; ++i)
    weights.column_of_population.push_back(static_cast<int>(i / models::kPopulationsPerColumn));

  // Trainable entries must exist in the sparse pattern even when their value is zero. Indices are
  // whole numbers inside the network before they become indices; each entry is listed once, since
  // two parameters for one weight would have no defined gradient.
  std::vector<std::pair<std::size_t, std::size_t>> trainable;
  if (file.has("grad_entries")) {
    const Array g =
        file.read("grad_entries", {kAny, 2}, "P x 2 (target, source)", 0.0, static_cast<double>(n - 1), true);
    if (g.rows() == 0) file.fail("grad_entries", "is empty, expected at least one (target, source) row");
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> seen;
    for (std::size_t p = 0; p < g.rows(); ++p) {
      const std::pair<std::size_t, std::size_t> entry{static_cast<std::size_t>(g.at(p, 0)),
                                                      static_cast<std::size_t>(g.at(p, 1))};
      const auto [first, inserted] = seen.emplace(entry, p);
      if (!inserted)
        file.fail("grad_entries", "names W[" + std::to_string(entry.first) + "," +
                                      std::to_string(entry.second) + "] in rows " +
                                      std::to_string(first->second) + " and " + std::to_string(p) +
                                      ", expected each entry once");
      trainable.push_back(entry);
      entries.try_emplace(entry, 0.0);
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
  net.constants.tau_synapse_s = file.constant("tau_s", defaults.tau_synapse_s, kMinTimeConstant, kMaxTime);
  net.constants.tau_membrane_s = file.constant("tau_m", defaults.tau_membrane_s, kMinTimeConstant, kMaxTime);
  net.constants.tau_adaptation_s =
      file.constant("tau_a", defaults.tau_adaptation_s, kMinTimeConstant, kMaxTime);
  net.constants.resistance = file.constant("R", defaults.resistance, 1e-6, kMaxMagnitude);
  net.constants.background_rate_Hz = file.constant("nu_bg", defaults.background_rate_Hz, 0.0, kMaxMagnitude);

  net.times = file.read("t", {T}, "a list of " + std::to_string(T) + " times", -kMaxTime, kMaxTime).values;
  for (std::size_t k = 1; k < net.times.size(); ++k)
    if (!(net.times[k] > net.times[k - 1]))
      file.fail("t", "holds " + format_number(net.times[k]) + " after " + format_number(net.times[k - 1]) +
                         " at element " + std::to_string(k) + ", expected increasing times");

  const std::size_t K = file.shape("input_times", {kAny}, "a list of segment start times")[0];
  if (K == 0) file.fail("input_times", "is empty, expected at least one segment start time");
  const Array times = file.read("input_times", {K}, std::to_string(K) + " times", -kMaxTime, kMaxTime);
  if (times.values.front() > net.times.front())
    file.fail("input_times", "starts at " + format_number(times.values.front()) +
                                 ", expected a first segment from the first output time " +
                                 format_number(net.times.front()) + " on or before");
  const Array rates =
      file.read("input_rates", {K, n}, std::to_string(K) + " x " + N + " (one row per input_times entry)",
                0.0, kMaxMagnitude);
  net.drive.times = times.values;
  net.drive.population_rates.assign(K, std::vector<double>(n));
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t i = 0; i < n; ++i) net.drive.population_rates[k][i] = rates.at(k, i);
  try {
    net.drive.validate(n, 0);
  } catch (const std::invalid_argument& e) {
    throw Hdf5Error(path + ": 'input_times'/'input_rates': " + e.what());
  }

  net.initial_state =
      file.read("y0", {3 * n}, std::to_string(3 * n) + " values ([V, a, r])", -kMaxMagnitude, kMaxMagnitude)
          .values;

  const bool has_populations = file.has("loss_target_populations"), has_rates = file.has("loss_target_rates");
  if (has_populations != has_rates)
    throw Hdf5Error(path + ": 'loss_target_populations' and 'loss_target_rates' must be given together");
  if (has_populations) {
    const std::size_t L = file.shape("loss_target_populations", {kAny}, "a list of population indices")[0];
    if (L == 0) file.fail("loss_target_populations", "is empty, expected at least one population index");
    for (double p : file.read("loss_target_populations", {L}, std::to_string(L) + " indices", 0.0,
                              static_cast<double>(n - 1), true)
                        .values)
      net.loss_populations.push_back(static_cast<std::size_t>(p));
    net.loss_target_rates = file.read("loss_target_rates", {L},
                                      std::to_string(L) + " rates (one per loss_target_populations entry)",
                                      -kMaxMagnitude, kMaxMagnitude)
                                .values;
  }
  return net;
}

}  // namespace neurode::models
