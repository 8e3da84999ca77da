// Optimisers, the trainer's loss and gradient, constraints, and training configs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>

#include "io/build_info.hpp"
#include "io/config_reader.hpp"
#include "models/noise/additive_noise.hpp"
#include "models/noise/multiplicative_noise.hpp"
#include "setup/training_config.hpp"
#include "solvers/integrator.hpp"
#include "support/reference.hpp"
#include "train/optimizer.hpp"
#include "train/parity_task.hpp"
#include "train/task_registry.hpp"
#include "train/trainer.hpp"
#include "train/xor_task.hpp"

namespace neurode {
namespace {

// Minimises 0.5 sum_i c_i (x_i - 1)^2 with each optimiser.
double quadratic_after(train::OptimizerSettings s, int steps) {
  train::Optimizer optimizer(s, 3);
  std::vector<double> x{5.0, -3.0, 0.0};
  const double c[3] = {1.0, 10.0, 0.1};
  for (int k = 0; k < steps; ++k) {
    std::vector<double> g(3);
    for (int i = 0; i < 3; ++i)
      g[static_cast<std::size_t>(i)] = c[i] * (x[static_cast<std::size_t>(i)] - 1.0);
    optimizer.step(x, g, k);
  }
  double e = 0;
  for (double v : x) e = std::max(e, std::abs(v - 1.0));
  return e;
}

TEST(Optimizer, EachTypeConvergesOnAQuadratic) {
  train::OptimizerSettings adam;
  adam.learning_rate = 0.1;
  EXPECT_LT(quadratic_after(adam, 2000), 1e-3);
  train::OptimizerSettings rms;
  rms.type = "rmsprop";
  rms.learning_rate = 0.01;
  EXPECT_LT(quadratic_after(rms, 3000), 2e-2);
  train::OptimizerSettings sgd;
  sgd.type = "sgd";
  sgd.learning_rate = 0.05;
  sgd.momentum = 0.9;
  EXPECT_LT(quadratic_after(sgd, 3000), 1e-3);
}

TEST(Optimizer, SchedulesAndClipping) {
  train::OptimizerSettings s;
  s.learning_rate = 1.0;
  s.schedule = "step";
  s.gamma = 0.5;
  s.step_every = 10;
  train::Optimizer step(s, 1);
  EXPECT_DOUBLE_EQ(step.learning_rate(9), 1.0);
  EXPECT_DOUBLE_EQ(step.learning_rate(10), 0.5);
  s.schedule = "cosine";
  s.total_epochs = 100;
  train::Optimizer cosine(s, 1);
  EXPECT_NEAR(cosine.learning_rate(50), 0.5, 1e-12);
  EXPECT_NEAR(cosine.learning_rate(100), 0.0, 1e-12);
  s.schedule = "constant";
  s.type = "sgd";
  s.clip_norm = 1.0;
  train::Optimizer clipped(s, 2);
  std::vector<double> x{0.0, 0.0};
  EXPECT_DOUBLE_EQ(clipped.step(x, {30.0, 40.0}, 0), 50.0);
  EXPECT_NEAR(std::hypot(x[0], x[1]), 1.0, 1e-12);
  train::Optimizer copy(s, 2);
  copy.restore(clipped.state());
  EXPECT_EQ(copy.state(), clipped.state());
}

TEST(Optimizer, BadSettingsAreRefused) {
  train::OptimizerSettings s;
  s.type = "lbfgs";
  EXPECT_THROW(train::Optimizer(s, 1), std::invalid_argument);
  s.type = "adam";
  s.learning_rate = -1;
  EXPECT_THROW(train::Optimizer(s, 1), std::invalid_argument);
}

TEST(Optimizer, MultiplicativeUpdateIsAdamOnLogMagnitudeAndKeepsSigns) {
  // Minimises 0.5 (log|x| - log 2)^2 per entry through x: the optimum is |x| = 2 whatever the sign
  // and the scale it starts from; a zero entry cannot move.
  train::OptimizerSettings s;
  s.learning_rate = 0.05;
  s.update = "multiplicative";
  train::Optimizer optimizer(s, 4);
  std::vector<double> x{1e-3, -50.0, 300.0, 0.0};
  for (int k = 0; k < 1500; ++k) {
    std::vector<double> g(4, 0.0);
    for (std::size_t i = 0; i < 3; ++i) g[i] = (std::log(std::abs(x[i])) - std::log(2.0)) / x[i];
    optimizer.step(x, g, k);
    ASSERT_GT(x[0], 0.0);
    ASSERT_LT(x[1], 0.0);
    ASSERT_GT(x[2], 0.0);
    ASSERT_EQ(x[3], 0.0);
  }
  EXPECT_NEAR(x[0], 2.0, 1e-2);
  EXPECT_NEAR(x[1], -2.0, 1e-2);
  EXPECT_NEAR(x[2], 2.0, 1e-2);
  // One step from the same state: p * exp(-lr * sign) (Adam's first step has magnitude lr).
  train::Optimizer first(s, 2);
  std::vector<double> y{4.0, -4.0};
  first.step(y, {1.0, 1.0}, 0);
  EXPECT_NEAR(y[0], 4.0 * std::exp(-0.05), 1e-8);  // Adam's epsilon: 1e-8 relative
  EXPECT_NEAR(y[1], -4.0 * std::exp(0.05), 1e-8);
  s.update = "logarithmic";
  EXPECT_THROW(train::Optimizer(s, 1), std::invalid_argument);
}

// The loss of one pattern alone as the task weighs it in `split`.
double pattern_loss(const train::ParityTask& task, train::Split split, std::size_t pattern,
                    const std::vector<double>& parameters) {
  auto problem = task.make_problem(split, {pattern}, parameters, 0);
  solvers::Integrator integrator(*problem.model, solvers::SolverSettings{});
  const auto solution = integrator.solve(problem.t0, problem.initial_state, problem.observation_times);
  std::vector<double> per_trial(1, 0.0);
  for (std::size_t k = 0; k < solution.times.size(); ++k)
    problem.loss->add_value(k, solution.state(k), per_trial);
  return per_trial[0];
}

TEST(ParityTask, CurriculumWeighsOnlyPatternsWithTheTrainedInputCounts) {
  // Trained counts {0, 1, 4}: a pattern with 3 active inputs is integrated (for the activity bound)
  // but its task term does not count in training; held out, it counts.
  train::ParitySettings parity;
  parity.observations = 11;
  parity.trained_input_counts = {0, 1, 4};
  const auto task = std::make_unique<train::ParityTask>(train::default_parity_network(), parity);
  EXPECT_EQ(task->samples(train::Split::training), 16u);
  EXPECT_EQ(task->samples(train::Split::evaluation), 16u);
  const auto parameters = task->initial_parameters();
  auto loss_of = [&](train::Split split, std::size_t pattern) {
    return pattern_loss(*task, split, pattern, parameters);
  };
  EXPECT_EQ(loss_of(train::Split::training, 0b0111), 0.0);
  EXPECT_GT(loss_of(train::Split::evaluation, 0b0111), 1e-3);  // odd: target 0 Hz, output > 0
  EXPECT_GT(loss_of(train::Split::training, 0b0100), 1e-3);    // one input: trained
  EXPECT_GT(loss_of(train::Split::training, 0b1111), 1e-3);    // four inputs: trained
  EXPECT_EQ(loss_of(train::Split::training, 0b0101), 0.0);     // two inputs: not yet
}

TEST(ParityTask, CountWeightsScaleTheTrainedPatternsTermsByTheirNumberOfInputs) {
  // count_weights {1, 0.5, 1, 1, 4}: in training the four-input pattern's term is 4x its held-out
  // one and a one-input pattern's half; untrained counts stay at 0, held-out terms unweighted.
  train::ParitySettings parity;
  parity.observations = 11;
  parity.trained_input_counts = {0, 1, 2, 4};
  parity.count_weights = {1, 0.5, 1, 1, 4};
  const auto task = std::make_unique<train::ParityTask>(train::default_parity_network(), parity);
  const auto parameters = task->initial_parameters();
  auto loss_of = [&](train::Split split, std::size_t pattern) {
    return pattern_loss(*task, split, pattern, parameters);
  };
  const double four = loss_of(train::Split::evaluation, 0b1111),
               one = loss_of(train::Split::evaluation, 0b0010);
  ASSERT_GT(four, 1e-3);
  ASSERT_GT(one, 1e-3);
  EXPECT_NEAR(loss_of(train::Split::training, 0b1111), 4 * four, 1e-12 * four);
  EXPECT_NEAR(loss_of(train::Split::training, 0b0010), 0.5 * one, 1e-12 * one);
  EXPECT_EQ(loss_of(train::Split::training, 0b0111), 0.0);
}

TEST(ParityTask, PeakRateIsTheHighestRateStateOfItsOwnTrial) {
  // Two patterns in one block: each sample's peak_rate_Hz must come from its own trial's r states.
  train::ParitySettings parity;
  parity.observations = 11;
  const auto task = std::make_unique<train::ParityTask>(train::default_parity_network(), parity);
  const auto parameters = task->initial_parameters();
  const std::vector<std::size_t> patterns{0b0000, 0b1111};
  auto problem = task->make_problem(train::Split::evaluation, patterns, parameters, 0);
  solvers::Integrator integrator(*problem.model, solvers::SolverSettings{});
  const auto solution = integrator.solve(problem.t0, problem.initial_state, problem.observation_times);
  ASSERT_TRUE(solution.ok());
  const auto metrics = task->score(train::Split::evaluation, patterns, solution, parameters);
  const auto names = task->metric_names();
  const std::size_t M = names.size(), peak = 2;
  ASSERT_EQ(names[peak], "peak_rate_Hz");
  const std::size_t n = problem.model->state_size() / (3 * patterns.size());
  for (std::size_t b = 0; b < patterns.size(); ++b) {
    double expected = 0;
    for (std::size_t k = 0; k < solution.times.size(); ++k)
      for (std::size_t p = 0; p < n; ++p)
        expected = std::max(expected, solution.state(k)[3 * n * b + 2 * n + p]);
    EXPECT_EQ(metrics[b * M + peak], expected) << b;
  }
  EXPECT_GT(metrics[1 * M + peak], metrics[0 * M + peak]);  // four inputs on drive the network harder
}

TEST(ParityTask, MaxActiveInputsIsShorthandForTheCountsUpToIt) {
  auto counts = [](const std::string& text) {
    const auto task = setup::parse_training_config(text, "p.yaml").task.make();
    return dynamic_cast<const train::ParityTask&>(*task).settings().trained_input_counts;
  };
  EXPECT_EQ(counts("task: {type: parity, max_active_inputs: 2}\n"), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(counts("task: {type: parity, trained_input_counts: [0, 1, 4]}\n"),
            (std::vector<std::size_t>{0, 1, 4}));
}

// The XOR task of the trainer tests: a coarse grid, the loss over the last 0.1 s, jittered weights.
struct XorConfig {
  train::ColumnTaskSettings column = train::default_xor_network();
  train::XorSettings xor_settings;
  XorConfig() {
    xor_settings.observations = 11;
    xor_settings.loss_window_s = 0.1;
    column.initial_jitter = 0.2;
  }
};
XorConfig xor_config() { return {}; }
std::unique_ptr<train::Task> make_task(const XorConfig& config) {
  return std::make_unique<train::XorTask>(config.column, config.xor_settings);
}

train::TrainingSettings settings(int epochs) {
  train::TrainingSettings s;
  s.epochs = epochs;
  s.eval_every = epochs;
  s.optimizer.learning_rate = 1.0;
  s.solver.rtol = s.solver.atol = 1e-6;
  return s;
}

TEST(Trainer, GradientIsTheFiniteDifferenceOfTheMeanLoss) {
  const auto task = make_task(xor_config());
  train::Trainer trainer(*task, settings(1));
  auto p = task->initial_parameters();
  const std::vector<std::size_t> samples{0, 1, 2, 3};
  // Fixed-step RK4, so that finite differences see the same discretisation.
  auto s = settings(1);
  s.solver.method = "rk4";
  s.solver.adaptive = false;
  s.solver.dt = 1e-3;
  train::Trainer fixed(*task, s);
  const auto [loss, gradient] = fixed.loss_and_gradient(p, samples, 0);
  for (std::size_t k : {0u, 5u, 17u, 23u}) {
    const double h = 1e-4 * std::max(1.0, std::abs(p[k]));
    auto plus = p, minus = p;
    plus[k] += h;
    minus[k] -= h;
    const double fd =
        (fixed.loss_and_gradient(plus, samples, 0).first - fixed.loss_and_gradient(minus, samples, 0).first) /
        (2 * h);
    EXPECT_NEAR(gradient[k], fd, 1e-5 * std::max(std::abs(fd), 1e-3 * std::abs(loss))) << "parameter " << k;
  }
}

TEST(Trainer, SharedPrefixGivesTheLossAndGradientOfTheUnsharedBlocks) {
  // XOR's four patterns are silent for 0.5 s: with training.shared_prefix each block of 2 solves
  // that once. Fixed steps: the same loss bit for bit, the same gradient to rounding.
  const auto task = make_task(xor_config());
  const std::vector<std::size_t> all{0, 1, 2, 3};
  EXPECT_EQ(task->shared_prefix_end(train::Split::training, all), std::optional<double>(0.5));
  EXPECT_EQ(task->shared_prefix_end(train::Split::training, {2}), std::nullopt);
  auto s = settings(1);
  s.solver.method = "rk4";
  s.solver.adaptive = false;
  s.solver.dt = 1e-3;
  s.block_size = 2;
  train::Trainer unshared(*task, s);
  s.shared_prefix = true;
  train::Trainer shared(*task, s);
  const auto p = task->initial_parameters();
  const auto [loss, gradient] = unshared.loss_and_gradient(p, all, 0);
  const auto [shared_loss, shared_gradient] = shared.loss_and_gradient(p, all, 0);
  EXPECT_EQ(shared_loss, loss);
  double largest = 0;
  for (double g : gradient) largest = std::max(largest, std::abs(g));
  for (std::size_t k = 0; k < gradient.size(); ++k)
    EXPECT_NEAR(shared_gradient[k], gradient[k], 1e-12 * largest) << "parameter " << k;
}

TEST(ParityTask, SamplesShareTheSilentPeriodOnlyWithoutNoise) {
  train::ParitySettings parity;
  parity.observations = 11;
  const auto task = std::make_unique<train::ParityTask>(train::default_parity_network(), parity);
  std::vector<std::size_t> all(16);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(task->shared_prefix_end(train::Split::training, all), std::optional<double>(parity.silent_s));
  auto noisy_network = train::default_parity_network();
  noisy_network.noise.sigma = 1.0;
  const auto noisy = std::make_unique<train::ParityTask>(noisy_network, parity);
  EXPECT_EQ(noisy->shared_prefix_end(train::Split::training, all), std::nullopt);
}

// A task that counts how its problems are made: new, or refreshed in place.
class CountingTask final : public train::Task {
 public:
  explicit CountingTask(const train::Task& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  std::size_t samples(train::Split split) const override { return inner_.samples(split); }
  std::vector<double> initial_parameters() const override { return inner_.initial_parameters(); }
  std::vector<std::string> parameter_labels() const override { return inner_.parameter_labels(); }
  void project(std::vector<double>& p) const override { inner_.project(p); }
  train::BatchProblem make_problem(train::Split split, const std::vector<std::size_t>& indices,
                                   const std::vector<double>& parameters,
                                   std::uint64_t epoch) const override {
    ++made;
    return inner_.make_problem(split, indices, parameters, epoch);
  }
  bool refresh_problem(train::BatchProblem& problem, train::Split split,
                       const std::vector<std::size_t>& indices, const std::vector<double>& parameters,
                       std::uint64_t epoch) const override {
    const bool done = inner_.refresh_problem(problem, split, indices, parameters, epoch);
    refreshed += done ? 1 : 0;
    return done;
  }
  std::vector<std::string> metric_names() const override { return inner_.metric_names(); }
  std::vector<double> score(train::Split split, const std::vector<std::size_t>& indices,
                            const solvers::Solution& solution,
                            const std::vector<double>& parameters) const override {
    return inner_.score(split, indices, solution, parameters);
  }
  std::vector<std::string> recorded_names() const override { return inner_.recorded_names(); }
  void record(const solvers::Solution& solution, std::size_t k, std::size_t b,
              const std::vector<double>& parameters, double* out) const override {
    inner_.record(solution, k, b, parameters, out);
  }
  mutable int made = 0, refreshed = 0;

 private:
  const train::Task& inner_;
};

// The trainer makes one model and gradient solver per rank and refreshes it for every later group
// of as many samples: the same bits as a solver made for the group alone.
TEST(Trainer, ReusedGroupSolversGiveTheSameBitsAsNewOnes) {
  const auto task = make_task(xor_config());
  CountingTask counting(*task);
  auto s = settings(1);
  s.block_size = 2;
  train::Trainer reusing(counting, s);
  const auto p = task->initial_parameters();
  auto q = p;
  for (double& x : q) x *= 1.01;
  reusing.loss_and_gradient(p, {0, 1, 2, 3}, 0);
  const auto [loss, gradient] = reusing.loss_and_gradient(q, {3, 1, 2, 0}, 1);
  EXPECT_EQ(counting.made, 1);
  EXPECT_EQ(counting.refreshed, 3);
  train::Trainer fresh(*task, s);
  const auto [fresh_loss, fresh_gradient] = fresh.loss_and_gradient(q, {3, 1, 2, 0}, 1);
  EXPECT_EQ(loss, fresh_loss);
  EXPECT_EQ(gradient, fresh_gradient);
}

TEST(Trainer, ATinyXorRunLowersTheLoss) {
  const auto task = make_task(xor_config());
  train::Trainer trainer(*task, settings(25));
  auto state = trainer.initial_state();
  trainer.run(state, [](const train::TrainingState&, const train::EpochRecord&) {});
  ASSERT_EQ(state.history.size(), 25u);
  EXPECT_LT(state.history.back().loss, 0.75 * state.history.front().loss);
  EXPECT_TRUE(state.history.back().evaluated);
}

// training.stop_at ends a run at the first held-out evaluation where the metric reaches the value,
// with the same bits as the run without it up to there.
TEST(Trainer, StopAtEndsTheRunAtTheFirstEvaluationThatMeetsIt) {
  const auto task = make_task(xor_config());
  auto s = settings(12);
  s.eval_every = 1;
  s.snapshot_every = 1;
  train::Trainer full(*task, s);
  auto straight = full.initial_state();
  full.run(straight, [](const train::TrainingState&, const train::EpochRecord&) {});
  // output_Hz (metric 1) after epoch 6, as a bound in the direction it moved from epoch 1.
  const auto& history = straight.history;
  ASSERT_EQ(history.size(), 12u);
  const double target = history[5].metrics[1];
  s.stop_at = {"output_Hz", target, history[0].metrics[1] < target};
  std::size_t first = 0;
  while (!s.stop_at.met_by(history[first].metrics[1])) ++first;
  ASSERT_GT(first, 0u);  // not met at the start: the stop is the metric's doing
  ASSERT_LE(first, 5u);
  train::Trainer stopping(*task, s);
  auto stopped = stopping.initial_state();
  stopping.run(stopped, [](const train::TrainingState&, const train::EpochRecord&) {});
  EXPECT_EQ(stopped.epoch, static_cast<int>(first + 1));
  ASSERT_EQ(stopped.history.size(), first + 1);
  for (std::size_t e = 0; e <= first; ++e) EXPECT_EQ(stopped.history[e].loss, history[e].loss);
  const std::size_t P = stopped.parameters.size();
  EXPECT_TRUE(std::equal(stopped.parameters.begin(), stopped.parameters.end(),
                         straight.snapshots.begin() + static_cast<std::ptrdiff_t>(first * P)));
  // A metric the task does not have is refused, naming the key and the task's metrics.
  s.stop_at.metric = "accuracy";
  try {
    train::Trainer refused(*task, s);
    ADD_FAILURE() << "accepted stop_at.metric accuracy for xor";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("training.stop_at.metric"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("correct, output_Hz"), std::string::npos) << e.what();
  }
}

TEST(Trainer, SignConstraintsHoldAfterEveryStep) {
  auto config = xor_config();
  config.column.constraints = {{"feedforward", train::Sign::nonnegative},
                               {"input", train::Sign::nonpositive}};
  const auto task = make_task(config);
  auto s = settings(3);
  s.snapshot_every = 1;
  s.optimizer.learning_rate = 5.0;  // large steps that would cross zero without the projection
  train::Trainer trainer(*task, s);
  auto state = trainer.initial_state();
  trainer.run(state, [](const train::TrainingState&, const train::EpochRecord&) {});
  const auto labels = task->parameter_labels();
  const std::size_t P = labels.size();
  ASSERT_EQ(state.snapshot_epochs.size(), 3u);
  bool some_input_clamped = false;
  for (std::size_t e = 0; e < state.snapshot_epochs.size(); ++e)
    for (std::size_t k = 0; k < P; ++k) {
      const double w = state.snapshots[e * P + k];
      if (labels[k].rfind("feedforward", 0) == 0) {
        EXPECT_GE(w, 0.0) << labels[k];
      }
      if (labels[k].rfind("input", 0) == 0) {
        EXPECT_LE(w, 0.0) << labels[k];
        some_input_clamped = some_input_clamped || w == 0.0;
      }
    }
  EXPECT_TRUE(some_input_clamped);  // the initial +25.9 input weights were projected
}

TEST(Trainer, ResumingFromAStateContinuesBitForBit) {
  const auto task = make_task(xor_config());
  train::Trainer four(*task, settings(4));
  auto straight = four.initial_state();
  four.run(straight, [](const train::TrainingState&, const train::EpochRecord&) {});
  train::Trainer two(*task, settings(2));
  auto resumed = two.initial_state();
  two.run(resumed, [](const train::TrainingState&, const train::EpochRecord&) {});
  ASSERT_EQ(resumed.epoch, 2);
  four.run(resumed, [](const train::TrainingState&, const train::EpochRecord&) {});
  ASSERT_EQ(resumed.epoch, 4);
  EXPECT_EQ(resumed.parameters, straight.parameters);  // bitwise
  for (std::size_t e = 0; e < 4; ++e) EXPECT_EQ(resumed.history[e].loss, straight.history[e].loss);
}

// `model.output.init` starts the trained read-out where the config says, and the network's
// connection inits reach the trainable parameters as given (the parity config's initial weights).
TEST(TrainingConfig, ParityInitialWeightsComeFromTheModelSection) {
  const std::string path = std::string(io::build_info::source_dir) + "/inputs/train_parity.yaml";
  std::string text = io::read_config_text(path);
  const auto jitter = text.find("initial_jitter: 0.5");
  ASSERT_NE(jitter, std::string::npos);
  text.replace(jitter, 19, "initial_jitter: 0.0");
  const auto config = setup::parse_training_config(text, path);
  const auto task = config.task.make();
  const auto labels = task->parameter_labels();
  const auto values = task->initial_parameters();
  std::map<std::string, double> by_label;
  for (std::size_t k = 0; k < labels.size(); ++k) by_label[labels[k]] = values[k];
  // The read-out of the last column (populations 96-103): L2/3e, L5e, L6e.
  EXPECT_EQ(by_label.at("output w[96]"), 37.0);
  EXPECT_EQ(by_label.at("output w[100]"), 86.0);
  EXPECT_EQ(by_label.at("output w[102]"), 0.044);
  // A feed-forward weight L2/3e of column 0 -> L4i of column 8, a lateral L5i -> L5e, an input.
  EXPECT_EQ(by_label.at("feedforward W[67,0]"), 144.0);
  EXPECT_EQ(by_label.at("lateral W[4,13]"), -2.7);
  EXPECT_EQ(by_label.at("input W_in[3,0]"), 75.0);
}

TEST(TrainingConfig, ExamplesParseAndBadOnesAreRefused) {
  const std::string dir = io::build_info::source_dir;
  for (const char* name : {"train_xor.yaml", "train_wta.yaml", "quickstart_wta.yaml", "train_parity.yaml",
                           "train_fashion_hgru.yaml", "train_pathfinder_hgru.yaml",
                           "paper/pathfinder6_hgru_euler8.yaml", "paper/pathfinder14_hgru_euler8.yaml",
                           "paper/pathfinder6_feedforward.yaml", "paper/pathfinder14_feedforward.yaml"})
    EXPECT_NO_THROW(setup::load_training_config(dir + "/inputs/" + name)) << name;
  EXPECT_FALSE(
      setup::parse_training_config("task: {type: xor}\ngradient: {keep_stages: false}\n", "good.yaml")
          .training.gradient.keep_stage_linearisations);
  EXPECT_TRUE(setup::parse_training_config("task: {type: xor}\n", "good.yaml")
                  .training.gradient.keep_stage_linearisations);
  struct Bad {
    const char* text;
    const char* expected;
  };
  const Bad bad[] = {
      {"task: {type: sudoku}\n", "task.type"},
      {"task: {type: xor}\noptimizer: {type: newton}\n", "optimizer.type"},
      {"task: {type: xor}\ngradient: {method: tsadjoint}\n", "use gradient: discrete"},
      {"task: {type: xor}\noptimizer: {learning_rate: -1}\n", "optimizer.learning_rate"},
      {"task: {type: xor}\noptimizer: {beta1: 1.5}\n", "optimizer.beta1"},
      {"task: {type: xor}\ntraining: {epochs: -1}\n", "training.epochs"},
      {"task: {type: xor}\ntraining: {epoch: 3}\n", "unknown key 'epoch'"},
      {"task: {type: xor, target_high: 0.1}\n", "target_high"},
      {"task: {type: xor}\nsolver: {method: bdf}\ngradient: {method: discrete}\n",
       "use gradient: continuous"},
      {"task: {type: xor}\ngradient: {method: magic}\n", "gradient.method"},
      {"task: {type: xor}\ngradient: {keep_stages: maybe}\n", "gradient.keep_stages"},
      {"task: {type: wta, training_samples: 0}\n", "task.training_samples"},
      {"training: {epochs: 3}\n", "task"},
      {"task: {type: xor}\ninitial_parameters: nowhere.h5\n",
       "initial_parameters: expected an existing training"},
      {"task: {type: hopf, layers: [2, 8, 2]}\n", "task.layers"},
      {"task: {type: parity, max_active_inputs: 5}\n", "task.max_active_inputs"},
      {"task: {type: parity, trained_input_counts: [0, 1.5]}\n", "task.trained_input_counts"},
      {"task: {type: parity, trained_input_counts: [0, 1], max_active_inputs: 1}\n", "not both"},
      {"task: {type: xor}\noptimizer: {update: logarithmic}\n", "optimizer.update"},
      {"task: {type: xor}\ntraining: {stop_at: {metric: correct}}\n", "exactly one of at_least and at_most"},
      {"task: {type: xor}\ntraining: {stop_at: {metric: correct, at_least: 1, at_most: 2}}\n",
       "training.stop_at"},
      {"task: {type: xor}\ntraining: {stop_at: {at_least: 1}}\n", "metric"},
      {"task: {type: xor}\ntraining: {stop_at: {metric: correct, at_least: high}}\n", "at_least"},
  };
  for (const auto& b : bad) {
    try {
      setup::parse_training_config(b.text, "bad.yaml");
      ADD_FAILURE() << "accepted: " << b.text;
    } catch (const io::ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("bad.yaml"), std::string::npos) << what;
      EXPECT_NE(what.find(b.expected), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
}

TEST(TrainingConfig, SeedFromTheCommandLineReplacesTheTopLevelSeedOnly) {
  // Replaced in place (line numbers of errors stay right), an indented (nested) seed untouched.
  EXPECT_EQ(setup::with_seed("# sweep\nseed: 3\nother:\n  seed: 9\n", 17),
            "# sweep\nseed: 17\nother:\n  seed: 9\n");
  const std::string seeded = setup::with_seed("# sweep\nseed: 3\ntask: {type: xor}\n", 17);
  EXPECT_EQ(seeded, "# sweep\nseed: 17\ntask: {type: xor}\n");
  EXPECT_EQ(setup::parse_training_config(seeded, "s.yaml").training.seed, 17u);
  const auto seeded_task = setup::parse_training_config(seeded, "s.yaml").task.make();
  EXPECT_EQ(dynamic_cast<const train::ColumnTask&>(*seeded_task).settings().seed, 17u);
  // Without a seed line, one is added at the end (a text without a final newline too).
  EXPECT_EQ(setup::with_seed("task: {type: xor}", 5), "task: {type: xor}\nseed: 5\n");
  EXPECT_EQ(setup::parse_training_config(setup::with_seed("task: {type: xor}\n", 5), "s.yaml").training.seed,
            5u);
  // The seed changes what is trained: the initial jitter is keyed by it.
  const std::string jittered = "task: {type: xor}\ninitial_jitter: 0.2\n";
  auto initial = [](const std::string& t) {
    const auto config = setup::parse_training_config(t, "s.yaml");
    const auto task = config.task.make();
    return train::Trainer(*task, config.training).initial_state().parameters;
  };
  EXPECT_NE(initial(setup::with_seed(jittered, 1)), initial(setup::with_seed(jittered, 2)));
  EXPECT_EQ(initial(setup::with_seed(jittered, 2)), initial("seed: 2\n" + jittered));
}

}  // namespace
}  // namespace neurode

namespace neurode {
namespace {

// Final V of every population of an XOR pattern's problem built for `split` in `epoch`.
std::vector<double> xor_final_potentials(const train::Task& task, train::Split split, std::uint64_t epoch) {
  const auto parameters = task.initial_parameters();
  auto problem = task.make_problem(split, {3}, parameters, epoch);
  solvers::Integrator integrator(*problem.model, solvers::SolverSettings{});
  const auto solution = integrator.solve(problem.t0, problem.initial_state, problem.observation_times);
  EXPECT_TRUE(solution.ok()) << solution.message;
  const double* last = solution.state(solution.times.size() - 1);
  return std::vector<double>(last, last + problem.model->state_size() / 3);
}

TEST(StochasticTraining, TrainingDrawsANewPathEachEpochAndHeldOutSamplesKeepTheirs) {
  XorConfig config = xor_config();
  const auto deterministic = make_task(config);
  config.column.noise = models::NoiseSettings{10.0, 1e-3};
  const auto noisy = make_task(config);
  const auto quiet = xor_final_potentials(*deterministic, train::Split::training, 0);
  const auto epoch0 = xor_final_potentials(*noisy, train::Split::training, 0);
  EXPECT_NE(epoch0, quiet);
  EXPECT_EQ(xor_final_potentials(*noisy, train::Split::training, 0), epoch0);  // reproducible
  EXPECT_NE(xor_final_potentials(*noisy, train::Split::training, 1), epoch0);
  // A held-out sample's draw is its realisation, the same in every evaluation: draw 0 is its own
  // path, draw 1 another one (its second realisation).
  const auto held_out = xor_final_potentials(*noisy, train::Split::evaluation, 0);
  EXPECT_EQ(xor_final_potentials(*noisy, train::Split::evaluation, 0), held_out);
  EXPECT_NE(xor_final_potentials(*noisy, train::Split::evaluation, 1), held_out);
  EXPECT_NE(held_out, epoch0);
  // The noise moves V by millivolts (sigma sqrt(tau_m / 2) = 1 mV), not more.
  double largest = 0;
  for (std::size_t i = 0; i < quiet.size(); ++i) largest = std::max(largest, std::abs(epoch0[i] - quiet[i]));
  EXPECT_GT(largest, 0.1);
  EXPECT_LT(largest, 20.0);
}

// With R noise realisations per sample, an epoch's loss and gradient are the means over R paths:
// realisation r of epoch e is draw e R + r, so R = 2 in epoch 0 sees the paths that R = 1 sees in
// epochs 0 and 1. Held-out metrics are means over the realisations too.
TEST(StochasticTraining, RealisationsAverageTheLossAndGradientOverPaths) {
  XorConfig config = xor_config();
  config.column.noise = models::NoiseSettings{10.0, 1e-3};
  const auto single = make_task(config);
  config.column.realisations = 2;
  const auto doubled = make_task(config);
  ASSERT_EQ(doubled->realisations(), 2u);
  auto s = settings(1);
  s.block_size = 2;
  const train::Trainer one(*single, s), two(*doubled, s);
  const auto p = single->initial_parameters();
  const std::vector<std::size_t> samples{2, 0, 3};
  const auto [loss0, gradient0] = one.loss_and_gradient(p, samples, 0);
  const auto [loss1, gradient1] = one.loss_and_gradient(p, samples, 1);
  const auto [loss, gradient] = two.loss_and_gradient(p, samples, 0);
  EXPECT_NE(loss0, loss1);  // the two paths differ
  EXPECT_NEAR(loss, 0.5 * (loss0 + loss1), 1e-13 * loss);
  double largest = 0;
  for (double g : gradient) largest = std::max(largest, std::abs(g));
  ASSERT_GT(largest, 0.0);
  for (std::size_t k = 0; k < gradient.size(); ++k)
    EXPECT_NEAR(gradient[k], 0.5 * (gradient0[k] + gradient1[k]), 1e-12 * largest) << "parameter " << k;
  // Held out: realisation 0 is the single-path evaluation's, and the mean over both is reported.
  const auto held_single = one.evaluate(p, true);
  const auto held_doubled = two.evaluate(p, true);
  EXPECT_NE(held_doubled.loss, held_single.loss);
  EXPECT_EQ(held_doubled.trajectories, held_single.trajectories);  // realisation 0's
  ASSERT_EQ(held_doubled.per_sample.size(), held_single.per_sample.size());
  for (std::size_t m = 0; m < held_doubled.metrics.size(); ++m) {
    double mean = 0;
    for (std::size_t i = m; i < held_doubled.per_sample.size(); i += held_doubled.metrics.size())
      mean += held_doubled.per_sample[i];
    EXPECT_NEAR(held_doubled.metrics[m], mean / 4.0, 1e-15);
  }
}

TEST(TrainingConfig, NoiseSectionIsCheckedAndRefusedForHopf) {
  const std::string base = "task: {type: xor}\n";
  const auto config =
      setup::parse_training_config(base + "noise: {sigma: 10, resolution: 0.001}\n", "n.yaml");
  EXPECT_EQ(config.task.noise.sigma, 10.0);
  EXPECT_EQ(config.task.noise.resolution_s, 0.001);
  EXPECT_FALSE(setup::parse_training_config(base, "n.yaml").task.noise.enabled());
  auto message = [](const std::string& text) {
    try {
      setup::parse_training_config(text, "bad.yaml");
    } catch (const io::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message(base + "noise: {sigma: -1}\n").find("noise.sigma"), std::string::npos);
  EXPECT_EQ(setup::parse_training_config(base + "noise: {sigma: 1, realisations: 8}\n", "n.yaml")
                .task.make()
                ->realisations(),
            8u);
  EXPECT_NE(message(base + "noise: {sigma: 1, realisations: 0}\n").find("noise.realisations"),
            std::string::npos);
  EXPECT_NE(message(base + "noise: {sigma: 0, realisations: 2}\n").find("noise.realisations"),
            std::string::npos);
  EXPECT_NE(message(base + "noise: {sigma: 1, resolution: 0}\n").find("noise.resolution"), std::string::npos);
  EXPECT_NE(message(base + "noise: {resolution: 0.001}\n").find("noise.sigma"), std::string::npos);
  EXPECT_NE(message(base + "noise: {sigma: 1, dt: 0.1}\n").find("dt"), std::string::npos);
  EXPECT_NE(message("task: {type: hopf}\nnoise: {sigma: 1}\n").find("column tasks"), std::string::npos);
  // A fixed step longer than the noise grid would be cut to it: refused, naming the resolution.
  const std::string euler = "solver: {method: euler, dt: 0.002}\n";
  EXPECT_NE(message(base + euler + "noise: {sigma: 1, resolution: 0.001}\n").find("noise.resolution"),
            std::string::npos);
  EXPECT_NO_THROW(
      setup::parse_training_config(base + euler + "noise: {sigma: 1, resolution: 0.002}\n", "n.yaml"));
}

// The final state [V, a, r] of XOR pattern 3's training problem in epoch 0.
std::vector<double> final_state(const train::Task& task) {
  auto problem = task.make_problem(train::Split::training, {3}, task.initial_parameters(), 0);
  solvers::Integrator integrator(*problem.model, solvers::SolverSettings{});
  const auto solution = integrator.solve(problem.t0, problem.initial_state, problem.observation_times);
  EXPECT_TRUE(solution.ok()) << solution.message;
  const double* last = solution.state(solution.times.size() - 1);
  return std::vector<double>(last, last + problem.model->state_size());
}

TEST(StochasticTraining, ATaskBuildsTheNoiseItsConfigAsksFor) {
  // The training tasks and `neurode simulate` build the noise in one place (column_noise.hpp): a
  // multiplicative section gives a MultiplicativeNoise of its interpretation, an additive one an
  // AdditiveNoise, and noise on r alone leaves V and a (which do not read r) far less moved than r.
  const std::string base = "task: {type: xor, observations: 11}\n";
  const auto make = [&](const std::string& noise) {
    return setup::parse_training_config(base + noise, "n.yaml").task.make();
  };
  const auto multiplicative =
      make("noise: {type: multiplicative, interpretation: ito, sigma: {r: 2}, resolution: 0.001}\n");
  const auto additive = make("noise: {components: [a, r], sigma: 1, resolution: 0.001}\n");
  const auto quiet = make("");
  auto problem =
      multiplicative->make_problem(train::Split::training, {3}, multiplicative->initial_parameters(), 0);
  const auto* model = dynamic_cast<models::MultiplicativeNoise*>(problem.model.get());
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->interpretation(), models::NoiseInterpretation::ito);
  auto other = additive->make_problem(train::Split::training, {3}, additive->initial_parameters(), 0);
  EXPECT_NE(dynamic_cast<models::AdditiveNoise*>(other.model.get()), nullptr);

  const auto noisy = final_state(*multiplicative), deterministic = final_state(*quiet);
  const std::size_t n = noisy.size() / 3;
  double moved_Va = 0, moved_r = 0;
  for (std::size_t i = 0; i < 2 * n; ++i)
    moved_Va = std::max(moved_Va, std::abs(noisy[i] - deterministic[i]));
  for (std::size_t i = 2 * n; i < 3 * n; ++i)
    moved_r = std::max(moved_r, std::abs(noisy[i] - deterministic[i]));
  EXPECT_GT(moved_r, 1e-3);
  EXPECT_LT(moved_Va, 1e-3 * moved_r);
}

}  // namespace
}  // namespace neurode
