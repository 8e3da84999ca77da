#include "train/column_task.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "io/config_limits.hpp"
#include "models/column/column_config.hpp"
#include "models/kernels/random_stream.hpp"
#include "models/noise/column_noise.hpp"
#include "models/noise/noise_config.hpp"

namespace neurode::train {

Sign parse_sign(const std::string& text) {
  if (text == "free") return Sign::free;
  if (text == "nonnegative") return Sign::nonnegative;
  if (text == "nonpositive") return Sign::nonpositive;
  throw std::invalid_argument("expected free, nonnegative or nonpositive, got '" + text + "'");
}

namespace {

void read_constraints(const io::ConfigNode& node, ColumnTaskSettings& column) {
  node.check_keys({"recurrent", "lateral", "feedforward", "feedback", "input", "output"});
  for (const std::string kind : {"recurrent", "lateral", "feedforward", "feedback", "input", "output"})
    if (node.has(kind))
      column.constraints[kind] = parse_sign(node.child(kind).choice({"free", "nonnegative", "nonpositive"}));
}

void read_loss(const io::ConfigNode& node, ColumnTaskSettings& column) {
  node.check_keys({"type", "beta", "readout", "rate_limit", "rate_limit_weight"});
  if (node.has("type")) {
    const std::string type = node.child("type").choice({"mse", "huber", "l1"});
    column.loss = type == "mse" ? LossKind::mse : type == "huber" ? LossKind::huber : LossKind::l1;
  }
  column.huber_beta = node.get_or("beta", column.huber_beta, io::Bounds::positive());
  column.rate_limit = node.get_or("rate_limit", column.rate_limit, io::Bounds::closed(0.0, io::kMaxRate_Hz));
  column.rate_limit_weight =
      node.get_or("rate_limit_weight", column.rate_limit_weight, io::Bounds::non_negative());
  if (node.has("readout"))
    column.readout = node.child("readout").choice({"rate_state", "rate"}) == "rate"
                         ? Readout::instantaneous_rate
                         : Readout::state_rate;
}

}  // namespace

ColumnTaskSettings read_column_task_settings(const TaskSources& sources, ColumnTaskSettings column) {
  const io::ConfigNode& root = sources.root;
  if (root.has("model")) {
    // A network given in full replaces the task's default (same keys as `neurode simulate`).
    models::ColumnModelConfig model = models::read_column_model(root.child("model"), sources.config_path);
    column.parameters = std::move(model.parameters);
    column.network = std::move(model.network);
  }
  column.seed = sources.seed;
  const io::ConfigNode noise = root.child("noise");
  column.noise = models::read_noise_section(noise, {"realisations"});
  column.realisations = noise.get_or<unsigned long>("realisations", 1, io::Bounds::at_least(1));
  if (column.realisations > 1 && !column.noise.enabled())
    noise.child("realisations").fail("expected 1 without noise (sigma 0): a deterministic run has one path");
  read_constraints(root.child("constraints"), column);
  read_loss(root.child("loss"), column);
  column.initial_jitter =
      root.get_or("initial_jitter", column.initial_jitter, io::Bounds::half_open(0.0, 1.0));
  return column;
}

TaskSize column_task_size(const ColumnTaskSettings& column, double duration_s, double observations,
                          double training_samples, double evaluation_samples) {
  TaskSize size;
  size.duration_s = duration_s;
  size.observations = observations;
  size.states = 3.0 * models::column_count(column.network) * models::kPopulationsPerColumn;
  size.training_samples = training_samples;
  size.evaluation_samples = evaluation_samples;
  return size;
}

ColumnTask::ColumnTask(ColumnTaskSettings settings)
    : settings_(std::move(settings)),
      weights_(models::build_network(settings_.parameters, settings_.network)),
      constants_(models::ColumnConstants::from(settings_.parameters)) {
  if (weights_.parameters.empty()) throw std::invalid_argument("task: the network has no trainable weights");
  const models::StateLayout layout = models::column_state_layout(weights_.populations);
  trial_size_ = layout.trial_size();
  rate_offset_ = layout.offset(layout.find("r"));
  if (settings_.output_readout)
    for (int p = 0; p < models::kPopulationsPerColumn; ++p)
      if (settings_.parameters.output_mask[static_cast<std::size_t>(p)] != 0.0)
        readout_init_.push_back(settings_.parameters.output_init[static_cast<std::size_t>(p)]);
}

std::vector<std::size_t> ColumnTask::readout_populations() const {
  std::vector<std::size_t> pops;
  const std::size_t last = weights_.populations - models::kPopulationsPerColumn;
  for (int p = 0; p < models::kPopulationsPerColumn; ++p)
    if (settings_.parameters.output_mask[static_cast<std::size_t>(p)] != 0.0)
      pops.push_back(last + static_cast<std::size_t>(p));
  return pops;
}

std::vector<double> ColumnTask::initial_parameters() const {
  std::vector<double> values = models::ColumnNetwork::parameter_values(weights_, constants_);
  if (settings_.initial_jitter > 0) {
    for (std::size_t k = 0; k < values.size(); ++k) {
      models::RandomStream stream(settings_.seed, models::RandomDomain::initial_weights, k);
      values[k] *= 1.0 + settings_.initial_jitter * (2.0 * stream.uniform(0) - 1.0);
    }
  }
  if (settings_.output_readout && settings_.output_trainable)
    values.insert(values.end(), readout_init_.begin(), readout_init_.end());
  project(values);
  return values;
}

std::vector<std::string> ColumnTask::parameter_labels() const {
  std::vector<std::string> labels;
  for (const auto& ref : weights_.parameters) labels.push_back(ref.label);
  if (settings_.output_readout && settings_.output_trainable)
    for (std::size_t pop : readout_populations()) labels.push_back("output w[" + std::to_string(pop) + "]");
  return labels;
}

void ColumnTask::project(std::vector<double>& parameters) const {
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    const std::string kind = k < weights_.parameters.size() ? weights_.parameters[k].kind : "output";
    const auto found = settings_.constraints.find(kind);
    if (found == settings_.constraints.end()) continue;
    if (found->second == Sign::nonnegative) parameters[k] = std::max(parameters[k], 0.0);
    if (found->second == Sign::nonpositive) parameters[k] = std::min(parameters[k], 0.0);
  }
}

std::vector<models::RandomStream> ColumnTask::wiener_paths(Split split,
                                                           const std::vector<std::size_t>& indices,
                                                           std::uint64_t draw) const {
  std::vector<models::RandomStream> paths;
  // Draw 0 of the held-out samples is the stream of their index, as with a single realisation.
  const std::uint64_t per_draw = samples(split);
  for (std::size_t index : indices)
    paths.emplace_back(settings_.seed,
                       split == Split::training ? models::RandomDomain::brownian_path
                                                : models::RandomDomain::held_out_brownian_path,
                       draw * per_draw + index);
  return paths;
}

BatchProblem ColumnTask::make_problem(Split split, const std::vector<std::size_t>& indices,
                                      const std::vector<double>& parameters, std::uint64_t draw) const {
  std::vector<models::PiecewiseDrive> drives;
  for (std::size_t index : indices) drives.push_back(drive(split, index));
  BatchProblem problem;
  auto model = std::make_unique<models::ColumnNetwork>(weights_, constants_, std::move(drives));
  const std::size_t P = weights_.parameters.size();
  model->set_parameters(
      std::vector<double>(parameters.begin(), parameters.begin() + static_cast<std::ptrdiff_t>(P)));
  problem.initial_state.assign(model->state_size(), 0.0);
  problem.observation_times = observation_times();
  problem.t0 = 0.0;
  if (settings_.noise.enabled()) {
    problem.model =
        models::with_column_noise(std::move(model), settings_.noise, wiener_paths(split, indices, draw),
                                  problem.t0, problem.observation_times.back());
  } else {
    problem.model = std::move(model);
  }
  problem.loss = make_loss(split, indices, parameters);
  return problem;
}

bool ColumnTask::refresh_problem(BatchProblem& problem, Split split, const std::vector<std::size_t>& indices,
                                 const std::vector<double>& parameters, std::uint64_t) const {
  // A noisy model's Wiener paths are its own: it is made anew.
  auto* model = dynamic_cast<models::ColumnNetwork*>(problem.model.get());
  if (settings_.noise.enabled() || model == nullptr || model->trial_count() != indices.size()) return false;
  std::vector<models::PiecewiseDrive> drives;
  for (std::size_t index : indices) drives.push_back(drive(split, index));
  model->set_drives(std::move(drives));
  const std::size_t P = weights_.parameters.size();
  model->set_parameters(
      std::vector<double>(parameters.begin(), parameters.begin() + static_cast<std::ptrdiff_t>(P)));
  problem.loss = make_loss(split, indices, parameters);
  return true;
}

std::optional<double> ColumnTask::shared_prefix_end(Split split,
                                                    const std::vector<std::size_t>& indices) const {
  if (settings_.noise.enabled() || indices.size() < 2) return std::nullopt;
  const models::PiecewiseDrive first = drive(split, indices.front());
  // Rows j of two segments x values tables (a table may be empty: no such input).
  const auto same_row = [](const std::vector<std::vector<double>>& a,
                           const std::vector<std::vector<double>>& b, std::size_t j) {
    return a.size() > j && b.size() > j ? a[j] == b[j] : a.size() <= j && b.size() <= j;
  };
  const auto same_segment = [&](const models::PiecewiseDrive& d, std::size_t j) {
    return j < d.segments() && j < first.segments() && d.times[j] == first.times[j] &&
           same_row(d.population_rates, first.population_rates, j) &&
           same_row(d.channel_values, first.channel_values, j);
  };
  double end = std::numeric_limits<double>::infinity();
  for (std::size_t index : indices) {
    const models::PiecewiseDrive d = drive(split, index);
    std::size_t j = 0;
    while (same_segment(d, j)) ++j;
    if (j == 0) return std::nullopt;
    // Segment j - 1 is common; it ends where the first of the two drives next changes.
    if (j < first.segments()) end = std::min(end, first.times[j]);
    if (j < d.segments()) end = std::min(end, d.times[j]);
  }
  if (!std::isfinite(end)) return std::nullopt;  // the same drive throughout: nothing to split
  return end;
}

std::unique_ptr<TrajectoryLoss> ColumnTask::make_loss(Split split, const std::vector<std::size_t>& indices,
                                                      const std::vector<double>& parameters) const {
  const std::size_t P = weights_.parameters.size();
  TrajectoryLossSpec spec;
  spec.populations = populations();
  spec.trials = indices.size();
  spec.readout = settings_.readout;
  spec.kind = settings_.loss;
  spec.huber_beta = settings_.huber_beta;
  spec.rate_limit = settings_.rate_limit;
  spec.rate_limit_weight = settings_.rate_limit_weight;
  spec.loss_populations = loss_populations();
  spec.observation_weights = observation_weights();
  spec.transfer = settings_.parameters.transfer;
  if (settings_.output_readout) {
    spec.readout_trainable = settings_.output_trainable;
    spec.readout_weights =
        settings_.output_trainable
            ? std::vector<double>(parameters.begin() + static_cast<std::ptrdiff_t>(P), parameters.end())
            : readout_init_;
  }
  for (std::size_t index : indices) spec.trial_weights.push_back(task_weight(split, index));
  for (std::size_t index : indices) {
    const auto t = targets(split, index);
    spec.targets.insert(spec.targets.end(), t.begin(), t.end());
  }
  return std::make_unique<TrajectoryLoss>(std::move(spec));
}

double ColumnTask::readout_output(const solvers::Solution& solution, std::size_t k, std::size_t b,
                                  const std::vector<double>& parameters) const {
  const auto pops = readout_populations();
  const std::size_t P = weights_.parameters.size();
  double sum = 0;
  for (std::size_t j = 0; j < pops.size(); ++j)
    sum += (settings_.output_trainable ? parameters[P + j] : readout_init_[j]) *
           rate_state(solution, k, b, pops[j]);
  return sum;
}

void ColumnTask::record(const solvers::Solution& solution, std::size_t k, std::size_t b,
                        const std::vector<double>& parameters, double* out) const {
  if (settings_.output_readout) {
    out[0] = readout_output(solution, k, b, parameters);
    return;
  }
  const auto pops = loss_populations();
  for (std::size_t j = 0; j < pops.size(); ++j) out[j] = rate_state(solution, k, b, pops[j]);
}

std::size_t index_of_time(const std::vector<double>& times, double t) {
  for (std::size_t k = 0; k < times.size(); ++k)
    if (std::abs(times[k] - t) <= 1e-12 * std::max(1.0, std::abs(t))) return k;
  throw std::logic_error("observation time " + std::to_string(t) + " is not on the grid");
}

}  // namespace neurode::train
