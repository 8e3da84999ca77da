#include "setup/training_config.hpp"

#include <cmath>
#include <filesystem>
#include <string_view>

#include "io/config_reader.hpp"
#include "io/memory_limit.hpp"
#include "setup/simulation_config.hpp"

namespace neurode::setup {

using io::ConfigNode;
using io::Bounds;
using io::memory_limit_bytes;
using io::kMaxRate_Hz;
using io::kMaxTime_s;
using io::trajectory_bytes;
using io::require_memory;
using io::parse_config_text;
using io::read_config_text;

namespace {

const Bounds kRate = Bounds::closed(0.0, kMaxRate_Hz);
const Bounds kDuration = Bounds{0.0, kMaxTime_s, true, false};  // (0, 1e6] s
const Bounds kWindow = Bounds::closed(0.0, kMaxTime_s);         // [0, 1e6] s
const Bounds kLearningRate = Bounds{0.0, 1e6, true, false};     // an update of 1e6 x the gradient

void read_task(const ConfigNode& node, const ConfigNode& model, const std::string& path,
               train::TaskConfig& task) {
  task.type = node.require("type").choice(train::task_types());
  task.column = train::default_column_settings(task.type);
  if (task.type == "xor") {
    node.check_keys({"type", "input_rate", "silent", "input_duration", "target_high", "target_low",
                     "loss_window", "observations"});
    auto& x = task.xor_settings;
    x.input_rate_Hz = node.get_or("input_rate", x.input_rate_Hz, kRate);
    x.silent_s = node.get_or("silent", x.silent_s, kDuration);
    x.input_s = node.get_or("input_duration", x.input_s, kDuration);
    x.target_high_Hz = node.get_or("target_high", x.target_high_Hz, kRate);
    x.target_low_Hz = node.get_or("target_low", x.target_low_Hz, kRate);
    if (!(x.target_high_Hz > x.target_low_Hz))
      node.child("target_high").fail("expected target_high > target_low");
    x.loss_window_s = node.get_or("loss_window", x.loss_window_s, kWindow);
    x.observations = node.get_or<unsigned long>("observations", x.observations, Bounds::at_least(2));
  } else if (task.type == "wta") {
    node.check_keys({"type", "training_samples", "evaluation_samples", "cross_inhibition_init"});
    auto& w = task.wta;
    w.training_samples =
        node.get_or<unsigned long>("training_samples", w.training_samples, Bounds::at_least(1));
    w.evaluation_samples =
        node.get_or<unsigned long>("evaluation_samples", w.evaluation_samples, Bounds::at_least(1));
    w.cross_inhibition_init = node.get_or("cross_inhibition_init", w.cross_inhibition_init);
    task.column = train::default_wta_network(w.cross_inhibition_init);
  } else if (task.type == "parity") {
    node.check_keys({"type", "input_rate", "silent", "input_duration", "target_even", "target_odd",
                     "tolerance", "loss_window", "observations", "max_active_inputs",
                     "trained_input_counts"});
    auto& p = task.parity;
    p.input_rate_Hz = node.get_or("input_rate", p.input_rate_Hz, kRate);
    p.silent_s = node.get_or("silent", p.silent_s, kDuration);
    p.input_s = node.get_or("input_duration", p.input_s, kDuration);
    p.target_even_Hz = node.get_or("target_even", p.target_even_Hz, kRate);
    p.target_odd_Hz = node.get_or("target_odd", p.target_odd_Hz, kRate);
    p.tolerance_Hz = node.get_or("tolerance", p.tolerance_Hz, Bounds{0.0, kMaxRate_Hz, true, false});
    p.loss_window_s = node.get_or("loss_window", p.loss_window_s, kWindow);
    p.observations = node.get_or<unsigned long>("observations", p.observations, Bounds::at_least(2));
    // A curriculum names the numbers of active inputs whose patterns are trained, as a list or as
    // "at most k".
    if (node.has("max_active_inputs") && node.has("trained_input_counts"))
      node.child("trained_input_counts")
          .fail("give either max_active_inputs or trained_input_counts, not both");
    if (node.has("max_active_inputs")) {
      const auto most = node.get_or<unsigned long>("max_active_inputs", 4, Bounds::closed(0.0, 4.0));
      p.trained_input_counts.clear();
      for (std::size_t count = 0; count <= most; ++count) p.trained_input_counts.push_back(count);
    }
    if (node.has("trained_input_counts")) {
      p.trained_input_counts.clear();
      for (double count : node.child("trained_input_counts").numbers(Bounds::closed(0.0, 4.0))) {
        if (count != std::floor(count))
          node.child("trained_input_counts").fail("expected whole numbers from 0 to 4");
        p.trained_input_counts.push_back(static_cast<std::size_t>(count));
      }
    }
  } else if (task.type == "hopf") {
    node.check_keys({"type", "layers", "activation", "output_gain", "training_samples", "evaluation_samples",
                     "t_end", "observations", "angular_frequency"});
    auto& h = task.hopf;
    if (node.has("layers")) {
      const ConfigNode layers = node.child("layers");
      h.mlp.layers.clear();
      for (double width : layers.numbers(Bounds::closed(1, 1e6))) {
        if (width != std::floor(width)) layers.fail("expected whole numbers of units per layer");
        h.mlp.layers.push_back(static_cast<std::size_t>(width));
      }
      if (h.mlp.layers.size() < 2 || h.mlp.layers.front() != 3 || h.mlp.layers.back() != 2)
        layers.fail("expected widths from 3 inputs (x, y, mu) to 2 outputs, e.g. [3, 100, 100, 100, 2]");
    }
    if (node.has("activation"))
      h.mlp.activation =
          models::parse_activation(node.child("activation").choice({"relu", "tanh", "softplus"}));
    h.mlp.output_gain = node.get_or("output_gain", h.mlp.output_gain, Bounds::non_negative());
    h.training_samples =
        node.get_or<unsigned long>("training_samples", h.training_samples, Bounds::at_least(1));
    h.evaluation_samples =
        node.get_or<unsigned long>("evaluation_samples", h.evaluation_samples, Bounds::at_least(1));
    h.t_end = node.get_or("t_end", h.t_end, kDuration);
    h.observations = node.get_or<unsigned long>("observations", h.observations, Bounds::at_least(2));
    h.angular_frequency =
        node.get_or("angular_frequency", h.angular_frequency, Bounds{0.0, 1e6, true, false});
  }
  if (model.present()) {
    // A network given in full replaces the task's default (same keys as `neurode simulate`).
    SimulationConfig network;
    read_model_section(model, path, network);
    task.column.parameters = network.parameters;
    task.column.network = network.network;
  }
}

void read_constraints(const ConfigNode& node, train::ColumnTaskSettings& column) {
  node.check_keys({"recurrent", "lateral", "feedforward", "feedback", "input", "output"});
  for (const std::string kind : {"recurrent", "lateral", "feedforward", "feedback", "input", "output"})
    if (node.has(kind))
      column.constraints[kind] =
          train::parse_sign(node.child(kind).choice({"free", "nonnegative", "nonpositive"}));
}

void read_loss(const ConfigNode& node, train::ColumnTaskSettings& column) {
  node.check_keys({"type", "beta", "readout", "rate_limit", "rate_limit_weight"});
  if (node.has("type")) {
    const std::string type = node.child("type").choice({"mse", "huber", "l1"});
    column.loss = type == "mse"     ? train::LossKind::mse
                  : type == "huber" ? train::LossKind::huber
                                    : train::LossKind::l1;
  }
  column.huber_beta = node.get_or("beta", column.huber_beta, Bounds::positive());
  column.rate_limit = node.get_or("rate_limit", column.rate_limit, kRate);
  column.rate_limit_weight =
      node.get_or("rate_limit_weight", column.rate_limit_weight, Bounds::non_negative());
  if (node.has("readout"))
    column.readout = node.child("readout").choice({"rate_state", "rate"}) == "rate"
                         ? train::Readout::instantaneous_rate
                         : train::Readout::state_rate;
}

void read_gradient(const ConfigNode& node, solvers::GradientSettings& gradient) {
  node.check_keys({"method", "checkpoint_every", "keep_stages"});
  if (node.has("method"))
    gradient.method = solvers::parse_gradient_method(
        node.child("method").choice({"discrete", "continuous", "backprop-euler"}));
  gradient.checkpoint_every =
      node.get_or<unsigned long>("checkpoint_every", gradient.checkpoint_every, Bounds::at_least(1));
  gradient.keep_stage_linearisations = node.get_or("keep_stages", gradient.keep_stage_linearisations);
}

void read_training(const ConfigNode& node, train::TrainingSettings& t) {
  node.check_keys(
      {"epochs", "batch_size", "block_size", "eval_every", "snapshot_every", "target_loss", "shuffle"});
  // 0 epochs: only the held-out evaluation of the initial parameters (e.g. a trained network's
  // initial_parameters with finer observations).
  t.epochs = node.get_or("epochs", t.epochs, Bounds::at_least(0));
  t.batch_size = node.get_or<unsigned long>("batch_size", t.batch_size, Bounds::non_negative());
  t.block_size = node.get_or<unsigned long>("block_size", t.block_size, Bounds::at_least(1));
  t.eval_every = node.get_or("eval_every", t.eval_every, Bounds::at_least(1));
  t.snapshot_every = node.get_or("snapshot_every", t.snapshot_every, Bounds::at_least(1));
  t.target_loss = node.get_or("target_loss", t.target_loss, Bounds::non_negative());
  t.shuffle = node.get_or("shuffle", t.shuffle);
}

void read_optimizer(const ConfigNode& node, train::OptimizerSettings& o, int epochs) {
  node.check_keys({"type", "learning_rate", "beta1", "beta2", "alpha", "momentum", "epsilon", "clip_norm",
                   "schedule", "gamma", "step_every", "min_learning_rate", "update"});
  if (node.has("type")) o.type = node.child("type").choice({"adam", "rmsprop", "sgd"});
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
  o.total_epochs = epochs;
}

// One sample's simulated time, observation times and states, as the task will make them.
struct SampleShape {
  double duration_s = 0, times = 0, states = 0;
};

SampleShape sample_shape(const train::TaskConfig& task) {
  const double column_states =
      3.0 * models::column_count(task.column.network) * models::kPopulationsPerColumn;
  if (task.type == "xor")
    return {task.xor_settings.silent_s + task.xor_settings.input_s,
            static_cast<double>(task.xor_settings.observations), column_states};
  if (task.type == "parity")
    return {task.parity.silent_s + task.parity.input_s, static_cast<double>(task.parity.observations),
            column_states};
  if (task.type == "wta")
    return {task.wta.wong_wang.column_t_end_s, static_cast<double>(task.wta.wong_wang.target_points) + 1,
            column_states};
  return {task.hopf.t_end, static_cast<double>(task.hopf.observations), 2.0};
}

// The memory a training needs before it starts, checked before anything is allocated: the samples'
// trajectories and targets (the held-out ones are kept for the output), the history and the weight
// snapshots of every epoch, and an MLP's parameters with their optimiser state. The message names
// the key that dominates the estimate.
void check_training_size(const ConfigNode& root, const TrainingConfig& config) {
  const auto& task = config.task;
  const SampleShape shape = sample_shape(task);
  double training = 4, evaluation = 4;  // xor: the four patterns
  if (task.type == "parity") training = evaluation = 16;
  if (task.type == "wta") training = task.wta.training_samples, evaluation = task.wta.evaluation_samples;
  if (task.type == "hopf") training = task.hopf.training_samples, evaluation = task.hopf.evaluation_samples;
  double parameters = 0;
  if (task.type == "hopf")
    for (std::size_t i = 0; i + 1 < task.hopf.mlp.layers.size(); ++i)
      parameters +=
          static_cast<double>(task.hopf.mlp.layers[i] + 1) * static_cast<double>(task.hopf.mlp.layers[i + 1]);
  const double block = static_cast<double>(config.training.block_size);
  const double epochs = config.training.epochs;
  const double samples_bytes =
      trajectory_bytes(training + evaluation, shape.times, shape.states / 3.0 + 2.0) +
      trajectory_bytes(std::min(block, training + evaluation), shape.times, shape.states);
  const double parameter_bytes = 8.0 * parameters * (6.0 + epochs / config.training.snapshot_every);
  const double history_bytes = 8.0 * 16.0 * 2.0 * epochs;
  const double total = samples_bytes + parameter_bytes + history_bytes;
  if (total <= static_cast<double>(memory_limit_bytes())) return;
  const ConfigNode task_node = root.child("task");
  if (history_bytes >= samples_bytes && history_bytes >= parameter_bytes) {
    require_memory(root.child("training").child("epochs"), total,
                   "the history of " + std::to_string(config.training.epochs) + " epochs");
  } else if (parameter_bytes >= samples_bytes) {
    require_memory(task_node.child("layers"), total,
                   "an MLP of " + std::to_string(static_cast<long long>(parameters)) + " parameters");
  } else {
    const std::string key = shape.times > std::max(training, evaluation) ? "observations"
                            : evaluation > training                      ? "evaluation_samples"
                                                                         : "training_samples";
    require_memory(task_node.child(key), total,
                   std::to_string(static_cast<long long>(training)) + " training and " +
                       std::to_string(static_cast<long long>(evaluation)) + " held-out samples of " +
                       std::to_string(static_cast<long long>(shape.times)) + " observation times");
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

TrainingConfig parse_training_config(const std::string& text, const std::string& path) {
  const ConfigNode root = parse_config_text(text, path);
  root.check_keys({"seed", "task", "model", "constraints", "loss", "initial_jitter", "initial_parameters",
                   "noise", "solver", "gradient", "training", "optimizer", "output"});
  TrainingConfig config;
  config.path = path;
  config.source_text = text;
  config.training.seed = root.get_or<unsigned long>("seed", 1);
  read_task(root.require("task"), root.child("model"), path, config.task);
  config.task.column.seed = config.training.seed;
  config.task.hopf.seed = config.training.seed;
  config.task.column.noise = read_noise_section(root.child("noise"));
  if (config.task.column.noise.enabled() && config.task.type == "hopf")
    root.child("noise").fail(
        "expected no noise section for the hopf task: noise drives the column tasks' "
        "membrane potentials (wta, xor, parity)");
  read_constraints(root.child("constraints"), config.task.column);
  read_loss(root.child("loss"), config.task.column);
  config.task.column.initial_jitter =
      root.get_or("initial_jitter", config.task.column.initial_jitter, Bounds::half_open(0.0, 1.0));
  config.training.solver = read_solver_section(root.child("solver"));
  check_noise_and_step(root.child("noise"), config.task.column.noise, config.training.solver);
  read_gradient(root.child("gradient"), config.training.gradient);
  config.training.gradient.adjoint_solver = config.training.solver;
  read_training(root.child("training"), config.training);
  read_optimizer(root.child("optimizer"), config.training.optimizer, config.training.epochs);
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
  check_run_length(root.child("solver"), root.child("noise"), config.training.solver,
                   config.task.column.noise, sample_shape(config.task).duration_s);
  check_training_size(root, config);
  // Combinations the solver cannot differentiate are refused here, naming the key.
  try {
    solvers::check_supported(config.training.solver, config.training.gradient.method);
  } catch (const std::invalid_argument& e) {
    root.child("gradient").child("method").fail(e.what());
  }
  return config;
}

}  // namespace neurode::setup
