#include "train/hopf_task.hpp"

#include <cmath>
#include "io/config_limits.hpp"

#include <cmath>
#include <stdexcept>

#include "solvers/integrator.hpp"

namespace neurode::train {
namespace {

// Held-out samples come from a disjoint range of sample indices of the same seeded data set (as
// in the winner-take-all task), so growing the training set never changes the evaluation set.
constexpr std::uint64_t kEvaluationOffset = std::uint64_t{1} << 40;

}  // namespace

double behaviour_mu(const models::HopfSample& sample, const BehaviourCriterion& criterion) {
  const double mu = sample.mu0();
  if (std::abs(mu) >= criterion.critical_band) return mu;
  return mu < 0.0 ? -criterion.critical_band : criterion.critical_band;
}

bool is_correct_behaviour(double mu, double final_radius, const BehaviourCriterion& criterion) {
  if (!std::isfinite(final_radius)) return false;
  if (mu > 0.0) return std::abs(final_radius - std::sqrt(mu)) <= criterion.radius_tolerance * std::sqrt(mu);
  return final_radius < criterion.decay_radius;
}

std::vector<double> behaviour_scores(const FieldFactory& make_field,
                                     const std::vector<models::HopfSample>& samples,
                                     const BehaviourCriterion& criterion,
                                     const solvers::SolverSettings& solver) {
  std::vector<double> scores;
  scores.reserve(samples.size());
  const std::vector<double> times = {0.0, criterion.duration};
  for (const auto& sample : samples) {
    const double mu = behaviour_mu(sample, criterion);
    models::MuForcing forcing;
    forcing.phases = {std::asin(mu)};  // held: mu = sin(phase) for all t
    forcing.held = true;
    auto field = make_field(forcing);
    solvers::Integrator integrator(*field, solver, "hopf_behaviour_");
    const auto solution = integrator.solve(0.0, {sample.x0, sample.y0}, times);
    if (!solution.ok()) {
      scores.push_back(0.0);
      continue;
    }
    const double* end = solution.state(1);
    scores.push_back(is_correct_behaviour(mu, std::hypot(end[0], end[1]), criterion) ? 1.0 : 0.0);
  }
  return scores;
}

std::vector<double> hopf_true_trajectory(const models::HopfSample& sample, const std::vector<double>& times,
                                         double angular_frequency, const solvers::SolverSettings& solver) {
  models::MuForcing forcing;
  forcing.phases = {sample.phase};
  forcing.angular_frequency = angular_frequency;
  models::HopfGroundTruth truth(forcing);
  solvers::Integrator integrator(truth, solver, "hopf_truth_");
  const auto solution = integrator.solve(times.front(), {sample.x0, sample.y0}, times);
  if (!solution.ok()) throw std::runtime_error("hopf ground truth: " + solution.message);
  return std::vector<double>(solution.states.begin(),
                             solution.states.begin() + static_cast<std::ptrdiff_t>(2 * times.size()));
}

std::vector<double> uniform_times(double t_end, std::size_t count) {
  if (count < 2 || !(t_end > 0.0))
    throw std::invalid_argument("hopf: need at least 2 observation times and t_end > 0");
  std::vector<double> times(count);
  // i * t_end / (count - 1) rather than a running sum, so the last time is t_end exactly.
  for (std::size_t i = 0; i < count; ++i)
    times[i] = t_end * static_cast<double>(i) / static_cast<double>(count - 1);
  return times;
}

solvers::SolverSettings hopf_truth_solver() {
  solvers::SolverSettings s;
  s.method = "dopri5";
  s.adaptive = true;
  s.dt = 1e-3;
  s.rtol = s.atol = 1e-9;
  return s;
}

solvers::SolverSettings hopf_behaviour_solver() {
  solvers::SolverSettings s;
  s.method = "dopri5";
  s.adaptive = true;
  s.dt = 1e-3;
  s.rtol = s.atol = 1e-7;
  s.max_steps = 100'000;
  return s;
}

HopfObservationCost::HopfObservationCost(std::vector<double> targets, std::size_t observations)
    : targets_(std::move(targets)), observations_(observations) {
  if (observations_ == 0 || targets_.size() % (2 * observations_) != 0)
    throw std::invalid_argument("hopf loss: targets must be trials x observations x 2");
  trials_ = targets_.size() / (2 * observations_);
  weight_ = 1.0 / (2.0 * static_cast<double>(observations_));
}

void HopfObservationCost::add_value(std::size_t k, const double* y, std::vector<double>& per_trial) const {
  for (std::size_t b = 0; b < trials_; ++b) {
    const double* target = &targets_[(b * observations_ + k) * 2];
    const double dx = y[2 * b] - target[0], dy = y[2 * b + 1] - target[1];
    per_trial[b] += weight_ * (dx * dx + dy * dy);
  }
}

void HopfObservationCost::add_cotangent(std::size_t k, const double* y, double* dl_dy) const {
  for (std::size_t b = 0; b < trials_; ++b) {
    const double* target = &targets_[(b * observations_ + k) * 2];
    dl_dy[2 * b] += 2.0 * weight_ * (y[2 * b] - target[0]);
    dl_dy[2 * b + 1] += 2.0 * weight_ * (y[2 * b + 1] - target[1]);
  }
}

HopfTask::HopfTask(HopfSettings settings) : settings_(std::move(settings)) {
  models::validate(settings_.mlp);
  if (settings_.training_samples == 0)
    throw std::invalid_argument("hopf task: training_samples must be positive");
  if (!(settings_.behaviour.duration > 0.0))
    throw std::invalid_argument("hopf task: the behaviour duration must be positive");
  times_ = uniform_times(settings_.t_end, settings_.observations);
  for (std::size_t i = 0; i < settings_.training_samples; ++i)
    training_targets_.push_back(hopf_true_trajectory(sample(Split::training, i), times_,
                                                     settings_.angular_frequency, settings_.truth_solver));
  for (std::size_t i = 0; i < settings_.evaluation_samples; ++i)
    evaluation_targets_.push_back(hopf_true_trajectory(sample(Split::evaluation, i), times_,
                                                       settings_.angular_frequency, settings_.truth_solver));
}

models::HopfSample HopfTask::sample(Split split, std::size_t index) const {
  if (index >= samples(split)) throw std::out_of_range("hopf task: sample index out of range");
  return models::sample_hopf(settings_.seed, split == Split::training ? index : kEvaluationOffset + index);
}

const std::vector<double>& HopfTask::targets(Split split, std::size_t index) const {
  if (index >= samples(split)) throw std::out_of_range("hopf task: sample index out of range");
  return split == Split::training ? training_targets_[index] : evaluation_targets_[index];
}

std::vector<double> HopfTask::initial_parameters() const {
  return models::initial_mlp_parameters(settings_.mlp, settings_.seed);
}

std::vector<std::string> HopfTask::parameter_labels() const {
  return models::mlp_parameter_labels(settings_.mlp);
}

BatchProblem HopfTask::make_problem(Split split, const std::vector<std::size_t>& indices,
                                    const std::vector<double>& parameters, std::uint64_t) const {
  models::MuForcing forcing;
  forcing.angular_frequency = settings_.angular_frequency;
  BatchProblem problem;
  std::vector<double> targets_of_batch;
  for (std::size_t index : indices) {
    const auto s = sample(split, index);
    forcing.phases.push_back(s.phase);
    problem.initial_state.push_back(s.x0);
    problem.initial_state.push_back(s.y0);
    const auto& t = targets(split, index);
    targets_of_batch.insert(targets_of_batch.end(), t.begin(), t.end());
  }
  problem.model = std::make_unique<models::MlpVectorField>(settings_.mlp, std::move(forcing), parameters);
  problem.loss = std::make_unique<HopfObservationCost>(std::move(targets_of_batch), times_.size());
  problem.t0 = 0.0;
  problem.observation_times = times_;
  return problem;
}

std::vector<double> HopfTask::score(Split split, const std::vector<std::size_t>& indices,
                                    const solvers::Solution& solution,
                                    const std::vector<double>& parameters) const {
  std::vector<models::HopfSample> samples_of_batch;
  for (std::size_t index : indices) samples_of_batch.push_back(sample(split, index));
  const auto behaviour = behaviour_scores(
      [&](const models::MuForcing& forcing) {
        return std::make_unique<models::MlpVectorField>(settings_.mlp, forcing, parameters);
      },
      samples_of_batch, settings_.behaviour, settings_.behaviour_solver);
  const std::size_t T = times_.size();
  const double weight = 1.0 / (2.0 * static_cast<double>(T));
  std::vector<double> out;
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const auto& target = targets(split, indices[b]);
    double mse = 0.0;
    for (std::size_t k = 0; k < T; ++k) {
      const double* y = solution.state(k) + 2 * b;
      const double dx = y[0] - target[2 * k], dy = y[1] - target[2 * k + 1];
      mse += weight * (dx * dx + dy * dy);
    }
    out.push_back(mse);
    out.push_back(behaviour[b]);
  }
  return out;
}

void HopfTask::record(const solvers::Solution& solution, std::size_t k, std::size_t b,
                      const std::vector<double>&, double* out) const {
  out[0] = solution.state(k)[2 * b];
  out[1] = solution.state(k)[2 * b + 1];
}

TaskSetup read_hopf_task(const TaskSources& sources) {
  const io::ConfigNode& node = sources.task;
  for (const std::string section : {"model", "constraints", "loss", "noise", "initial_jitter"})
    if (sources.root.has(section))
      sources.root.child(section).fail("expected no " + section +
                                       " section for the hopf task: it configures the column tasks' networks "
                                       "(wta, xor, parity)");
  node.check_keys({"type", "layers", "activation", "output_gain", "training_samples", "evaluation_samples",
                   "t_end", "observations", "angular_frequency"});
  HopfSettings h;
  h.seed = sources.seed;
  if (node.has("layers")) {
    const io::ConfigNode layers = node.child("layers");
    h.mlp.layers.clear();
    for (double width : layers.numbers(io::Bounds::closed(1, 1e6))) {
      if (width != std::floor(width)) layers.fail("expected whole numbers of units per layer");
      h.mlp.layers.push_back(static_cast<std::size_t>(width));
    }
    if (h.mlp.layers.size() < 2 || h.mlp.layers.front() != 3 || h.mlp.layers.back() != 2)
      layers.fail("expected widths from 3 inputs (x, y, mu) to 2 outputs, e.g. [3, 100, 100, 100, 2]");
  }
  if (node.has("activation"))
    h.mlp.activation =
        models::parse_activation(node.child("activation").choice({"relu", "tanh", "softplus"}));
  h.mlp.output_gain = node.get_or("output_gain", h.mlp.output_gain, io::Bounds::non_negative());
  h.training_samples =
      node.get_or<unsigned long>("training_samples", h.training_samples, io::Bounds::at_least(1));
  h.evaluation_samples =
      node.get_or<unsigned long>("evaluation_samples", h.evaluation_samples, io::Bounds::at_least(1));
  h.t_end = node.get_or("t_end", h.t_end, io::Bounds{0.0, io::kMaxTime_s, true, false});
  h.observations = node.get_or<unsigned long>("observations", h.observations, io::Bounds::at_least(2));
  h.angular_frequency =
      node.get_or("angular_frequency", h.angular_frequency, io::Bounds{0.0, 1e6, true, false});
  TaskSetup setup;
  setup.size.duration_s = h.t_end;
  setup.size.observations = static_cast<double>(h.observations);
  setup.size.states = 2;
  setup.size.training_samples = static_cast<double>(h.training_samples);
  setup.size.evaluation_samples = static_cast<double>(h.evaluation_samples);
  for (std::size_t i = 0; i + 1 < h.mlp.layers.size(); ++i)
    setup.size.parameters +=
        static_cast<double>(h.mlp.layers[i] + 1) * static_cast<double>(h.mlp.layers[i + 1]);
  setup.make = [h] { return std::make_unique<HopfTask>(h); };
  return setup;
}

}  // namespace neurode::train
