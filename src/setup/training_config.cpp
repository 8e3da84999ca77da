#include "setup/training_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string_view>

#include "io/config_reader.hpp"
#include "io/memory_limit.hpp"
#include "setup/simulation_config.hpp"

namespace neurode::setup {

using io::Bounds;
using io::ConfigNode;
using io::kMaxRate_Hz;
using io::kMaxTime_s;
using io::memory_limit_bytes;
using io::parse_config_text;
using io::read_config_text;
using io::require_memory;
using io::trajectory_bytes;

namespace {

const Bounds kLearningRate = Bounds{0.0, 1e6, true, false};  // an update of 1e6 x the gradient

void read_gradient(const ConfigNode& node, solvers::GradientSettings& gradient) {
  node.check_keys({"method", "checkpoint_every", "keep_stages"});
  if (node.has("method"))
    gradient.method = solvers::parse_gradient_method(
        node.child("method").choice({"discrete", "continuous", "backprop-euler", "tsadjoint"}));
  gradient.checkpoint_every =
      node.get_or<unsigned long>("checkpoint_every", gradient.checkpoint_every, Bounds::at_least(1));
  gradient.keep_stage_linearisations = node.get_or("keep_stages", gradient.keep_stage_linearisations);
}

// training.stop_at: {metric: NAME, at_least: X} or {metric: NAME, at_most: X}. The name is checked
// against the task's metrics when the trainer is made.
void read_stop_at(const ConfigNode& node, train::StopCondition& stop) {
  node.check_keys({"metric", "at_least", "at_most"});
  stop.metric = node.require("metric").as<std::string>();
  if (node.has("at_least") == node.has("at_most"))
    node.fail("expected exactly one of at_least and at_most beside metric");
  stop.at_least = node.has("at_least");
  stop.value = node.require(stop.at_least ? "at_least" : "at_most").as<double>();
}

void read_training(const ConfigNode& node, train::TrainingSettings& t) {
  node.check_keys({"epochs", "batch_size", "block_size", "eval_every", "snapshot_every", "target_loss",
                   "stop_at", "shuffle", "shared_prefix"});
  // 0 epochs: only the held-out evaluation of the initial parameters (e.g. a trained network's
  // initial_parameters with finer observations).
  t.epochs = node.get_or("epochs", t.epochs, Bounds::at_least(0));
  t.batch_size = node.get_or<unsigned long>("batch_size", t.batch_size, Bounds::non_negative());
  t.block_size = node.get_or<unsigned long>("block_size", t.block_size, Bounds::at_least(1));
  t.eval_every = node.get_or("eval_every", t.eval_every, Bounds::at_least(1));
  t.snapshot_every = node.get_or("snapshot_every", t.snapshot_every, Bounds::at_least(1));
  t.target_loss = node.get_or("target_loss", t.target_loss, Bounds::non_negative());
  if (node.has("stop_at")) read_stop_at(node.child("stop_at"), t.stop_at);
  t.shuffle = node.get_or("shuffle", t.shuffle);
  t.shared_prefix = node.get_or("shared_prefix", t.shared_prefix);
}

void read_optimizer(const ConfigNode& node, train::OptimizerSettings& o, int epochs) {
  node.check_keys({"type", "learning_rate", "beta1", "beta2", "alpha", "momentum", "epsilon", "clip_norm",
                   "schedule", "gamma", "step_every", "min_learning_rate", "update", "memory"});
  if (node.has("type")) o.type = node.child("type").choice({"adam", "rmsprop", "sgd", "lbfgs"});
  o.learning_rate = node.get_or("learning_rate", o.learning_rate, kLearningRate);
  o.beta1 = node.get_or("beta1", o.beta1, Bounds::half_open(0.0, 1.0));
  o.beta2 = node.get_or("beta2", o.beta2, Bounds::half_open(0.0, 1.0));
  o.alpha = node.get_or("alpha", o.alpha, Bounds::half_open(0.0, 1.0));
  o.momentum = node.get_or("momentum", o.momentum, Bounds::half_open(0.0, 1.0));
  o.epsilon = node.get_or("epsilon", o.epsilon, Bounds::positive());
  o.clip_norm = node.get_or("clip_norm", o.clip_norm, Bounds::non_negative());
  if (node.has("schedule"))
    o.schedule = node.child("schedule").choice({"constant", "step", "exponential", "cosine"});
  o.gamma = node.get_or("gamma", o.gamma, Bounds{0.0, 1.0, true, false});
  o.step_every = node.get_or("step_every", o.step_every, Bounds::at_least(1));
  o.min_learning_rate = node.get_or("min_learning_rate", o.min_learning_rate, Bounds::closed(0.0, 1e6));
  if (node.has("update")) o.update = node.child("update").choice({"additive", "multiplicative"});
  o.lbfgs_memory = node.get_or("memory", o.lbfgs_memory, Bounds::closed(1.0, 1000.0));
  if (node.has("memory") && o.type != "lbfgs")
    node.child("memory").fail("memory is a setting of type: lbfgs");
  o.total_epochs = epochs;
}

// L-BFGS models one fixed function: the whole training set, with no noise draw that changes from
// one epoch to the next.
void check_lbfgs(const ConfigNode& root, const TrainingConfig& config) {
  if (config.training.optimizer.type != "lbfgs") return;
  const ConfigNode type = root.child("optimizer").child("type");
  if (config.task.noise.enabled())
    type.fail(
        "expected adam, rmsprop or sgd with noise (lbfgs needs a loss that is the same function in "
        "every epoch), got lbfgs");
  const auto samples = static_cast<unsigned long>(config.task.size.training_samples);
  if (config.training.batch_size != 0 && config.training.batch_size < samples)
    root.child("training")
        .child("batch_size")
        .fail("expected 0 or at least the " + std::to_string(samples) +
              " training samples with optimizer.type lbfgs (full batch), got " +
              std::to_string(config.training.batch_size));
}

// The memory a training needs before it starts, checked before anything is allocated: the samples'
// trajectories and targets (the held-out ones are kept for the output), the history and the weight
// snapshots of every epoch, an MLP's parameters with their optimiser state, and L-BFGS's history
// (a step and a gradient change per pair kept, in the optimiser and in its checkpoint copy). The
// message names the key that dominates the estimate.
void check_training_size(const ConfigNode& root, const TrainingConfig& config) {
  const train::TaskSize& shape = config.task.size;
  const double training = shape.training_samples, evaluation = shape.evaluation_samples;
  const double parameters = shape.parameters;
  const double block = static_cast<double>(config.training.block_size);
  const double epochs = config.training.epochs;
  const double samples_bytes =
      trajectory_bytes(training + evaluation, shape.observations, shape.states / 3.0 + 2.0) +
      trajectory_bytes(std::min(block, training + evaluation), shape.observations, shape.states);
  const double parameter_bytes = 8.0 * parameters * (6.0 + epochs / config.training.snapshot_every);
  const double history_bytes = 8.0 * 16.0 * 2.0 * epochs;
  const train::OptimizerSettings& optimizer = config.training.optimizer;
  const double lbfgs_bytes =
      optimizer.type == "lbfgs" ? 2.0 * 8.0 * 2.0 * optimizer.lbfgs_memory * parameters : 0.0;
  const double total = samples_bytes + parameter_bytes + history_bytes + lbfgs_bytes;
  if (total <= static_cast<double>(memory_limit_bytes())) return;
  const ConfigNode task_node = root.child("task");
  if (lbfgs_bytes >= std::max({samples_bytes, parameter_bytes, history_bytes})) {
    const ConfigNode optimizer_node = root.child("optimizer");
    require_memory(
        optimizer_node.has("memory") ? optimizer_node.child("memory") : optimizer_node.child("type"), total,
        "an L-BFGS history of " + std::to_string(optimizer.lbfgs_memory) + " pairs of " +
            std::to_string(static_cast<long long>(parameters)) + " parameters");
  } else if (history_bytes >= samples_bytes && history_bytes >= parameter_bytes) {
    require_memory(root.child("training").child("epochs"), total,
                   "the history of " + std::to_string(config.training.epochs) + " epochs");
  } else if (parameter_bytes >= samples_bytes) {
    require_memory(task_node.child(shape.parameters_key), total,
                   "an MLP of " + std::to_string(static_cast<long long>(parameters)) + " parameters");
  } else {
    const std::string key = shape.observations > std::max(training, evaluation) ? "observations"
                            : evaluation > training                             ? "evaluation_samples"
                                                                                : "training_samples";
    require_memory(task_node.child(key), total,
                   std::to_string(static_cast<long long>(training)) + " training and " +
                       std::to_string(static_cast<long long>(evaluation)) + " held-out samples of " +
                       std::to_string(static_cast<long long>(shape.observations)) + " observation times");
  }
}

}  // namespace

TrainingConfig load_training_config(const std::string& path, std::optional<unsigned long> seed) {
  const std::string text = read_config_text(path);
  return parse_training_config(seed ? with_seed(text, *seed) : text, path);
}

std::string with_seed(const std::string& text, unsigned long seed) {
  const std::string line = "seed: " + std::to_string(seed);
  std::string out;
  bool replaced = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view current(text.data() + start, end - start);
    // Top level only: no indentation (a nested `seed:` belongs to another mapping).
    const bool is_seed = current.rfind("seed:", 0) == 0 || current.rfind("seed :", 0) == 0;
    if (is_seed && !replaced) {
      out += line;
      replaced = true;
    } else {
      out += current;
    }
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  if (!replaced) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += line + '\n';
  }
  return out;
}

namespace {

// The sections a stage may override; the seed, the output and the starting weights are the
// training's, not a stage's.
const std::vector<std::string> kStageKeys = {"task",  "model",  "constraints", "loss",     "initial_jitter",
                                             "noise", "solver", "gradient",    "training", "optimizer"};

TrainingConfig read_training_config(const ConfigNode& root, const std::string& text,
                                    const std::string& path) {
  std::vector<std::string> keys = kStageKeys;
  keys.insert(keys.end(), {"seed", "initial_parameters", "output", "stages"});
  root.check_keys(keys);
  TrainingConfig config;
  config.path = path;
  config.source_text = text;
  config.training.seed = root.get_or<unsigned long>("seed", 1);
  config.task = train::read_task_setup({root.require("task"), root, path, config.training.seed});
  config.training.solver = read_solver_section(root.child("solver"));
  check_noise_and_step(root.child("noise"), config.task.noise, config.training.solver);
  if (config.task.noise.path == models::NoisePath::tree)
    root.child("noise").child("path").fail(
        "expected grid in a training (the trainer's gradients integrate the grid path; noise.path: tree "
        "is for neurode simulate), got tree");
  read_gradient(root.child("gradient"), config.training.gradient);
  if (config.task.noise.enabled() && config.task.noise.type == models::NoiseType::multiplicative &&
      config.training.gradient.method == solvers::GradientMethod::backprop_euler)
    root.child("gradient")
        .child("method")
        .fail(
            "expected a gradient method other than backprop-euler with multiplicative noise: its forward "
            "Euler steps read the grid's field as Ito, whichever noise.interpretation is asked for");
  config.training.gradient.adjoint_solver = config.training.solver;
  read_training(root.child("training"), config.training);
  read_optimizer(root.child("optimizer"), config.training.optimizer, config.training.epochs);
  check_lbfgs(root, config);
  if (root.has("initial_parameters")) {
    // Relative to the config file, like parameter files.
    const ConfigNode node = root.child("initial_parameters");
    const std::string file = node.as<std::string>();
    const auto base = std::filesystem::path(path).parent_path();
    config.initial_parameters_file =
        std::filesystem::path(file).is_absolute() ? file : (base / file).string();
    if (!std::filesystem::exists(config.initial_parameters_file))
      node.fail("expected an existing training result file, got '" + file + "' (no such file)");
  }
  const ConfigNode output = root.child("output");
  output.check_keys({"file", "checkpoint"});
  config.output_file = output.get_or<std::string>("file", config.output_file);
  config.checkpoint = output.get_or("checkpoint", config.checkpoint);
  check_run_length(root.child("solver"), root.child("noise"), config.training.solver, config.task.noise,
                   config.task.size.duration_s);
  check_training_size(root, config);
  // Combinations the solver cannot differentiate are refused here, naming the key.
  try {
    solvers::check_supported(config.training.solver, config.training.gradient.method);
  } catch (const std::invalid_argument& e) {
    root.child("gradient").child("method").fail(e.what());
  }
  return config;
}

}  // namespace

TrainingConfig parse_training_config(const std::string& text, const std::string& path) {
  const ConfigNode root = parse_config_text(text, path);
  if (!root.has("stages")) return read_training_config(root, text, path);
  // Staged: every stage is the config with that stage's sections merged in; a message about a
  // stage names it, and its line is where the value was written.
  const auto items = root.child("stages").items(1, 1000, "stages (maps of the sections a stage overrides)");
  std::vector<TrainingConfig> stages;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (!items[k].is_map()) items[k].fail("expected a map of the sections this stage overrides");
    items[k].check_keys(kStageKeys);
    try {
      stages.push_back(read_training_config(root.merged_with(items[k], {"stages"}), text, path));
    } catch (const io::ConfigError& e) {
      throw io::ConfigError(e.file(), e.key_path(), e.line(),
                            "in stage " + std::to_string(k + 1) + " of " + std::to_string(items.size()) +
                                ": " + e.expectation());
    }
    stages.back().stage = k + 1;
    stages.back().stage_count = items.size();
  }
  // Later stages start from the previous stage's weights, not from initial_parameters.
  for (std::size_t k = 1; k < stages.size(); ++k) stages[k].initial_parameters_file.clear();
  TrainingConfig config = stages.back();
  config.stage = 0;
  config.stages = std::move(stages);
  return config;
}

}  // namespace neurode::setup
