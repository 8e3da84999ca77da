// The YAML simulation config: the examples in inputs/ parse and build the reference networks, and
// every kind of mistake is reported as one ConfigError naming file, key path, line and expectation.
#include "setup/simulation_config.hpp"
#include "models/column/column_config.hpp"
#include "setup/training_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "io/build_info.hpp"
#include "io/config_reader.hpp"
#include "scan/scan_points.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

std::string source_path(const std::string& relative) {
  const char* dir = std::getenv("NEURODE_SOURCE_DIR");
  return std::string(dir ? dir : io::build_info::source_dir) + "/" + relative;
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Element-wise relative agreement; a zero in the reference must be an exact zero here.
void expect_close(const std::vector<double>& mine, const std::vector<double>& expected,
                  const std::string& what) {
  ASSERT_EQ(mine.size(), expected.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_LE(std::abs(mine[i] - expected[i]), 1e-12 * std::abs(expected[i]))
        << what << "[" << i << "]: " << mine[i] << " vs " << expected[i];
}

std::vector<double> flatten(const std::vector<std::vector<double>>& rows) {
  std::vector<double> values;
  for (const auto& row : rows) values.insert(values.end(), row.begin(), row.end());
  return values;
}

// Builds the network and drive of a config and compares them with a reference file.
void expect_reference_network(const std::string& config_name, const std::string& reference_name) {
  const auto config = setup::load_simulation_config(source_path("inputs/" + config_name));
  const auto weights = models::build_network(config.parameters, config.network);
  io::Hdf5File ref(testing::reference_path(reference_name), io::Hdf5File::Mode::read);
  expect_close(weights.recurrent.dense(), ref.read("W").values, "W");
  expect_close(weights.feedforward, ref.read("W_ff").values, "W_ff");
  expect_close(weights.background, ref.read("W_bg").values, "W_bg");
  expect_close(weights.adaptation_strength, ref.read("kappa").values, "kappa");
  ASSERT_EQ(config.trials.size(), 1u);
  expect_close(config.trials[0].times, ref.read("input_times").values, "input_times");
  expect_close(flatten(config.trials[0].population_rates), ref.read("input_rates").values, "input_rates");
  expect_close(config.output_times, ref.read("t").values, "t");
  EXPECT_EQ(config.t_start, ref.read("t").values.front());
  // y0 = 0 in the references; the config says so with an empty initial state.
  EXPECT_TRUE(config.initial_state.empty());
  for (double y : ref.read("y0").values) EXPECT_EQ(y, 0.0);
}

TEST(SimulationConfig, WtaExampleBuildsTheReferenceNetwork) {
  expect_reference_network("wta_two_columns.yaml", "wta_two_columns.h5");
  const auto config = setup::load_simulation_config(source_path("inputs/wta_two_columns.yaml"));
  const auto weights = models::build_network(config.parameters, config.network);
  // The four entries the WTA task trains, in the builder's fixed (target, source) order.
  ASSERT_EQ(weights.parameters.size(), 4u);
  EXPECT_EQ(weights.parameters[0].row, 0u);
  EXPECT_EQ(weights.parameters[1].row, 1u);
  EXPECT_EQ(weights.parameters[1].column, 8u);
}

TEST(SimulationConfig, SingleColumnExampleBuildsTheReferenceNetwork) {
  expect_reference_network("single_column_mt.yaml", "single_column_mt.h5");
}

TEST(SimulationConfig, XorAndParityExamplesHaveTheTaskLayout) {
  const auto xor_config = setup::load_simulation_config(source_path("inputs/xor_network.yaml"));
  const auto xor_net = models::build_network(xor_config.parameters, xor_config.network);
  EXPECT_EQ(3 * xor_net.populations, 72u);
  ASSERT_EQ(xor_config.trials.size(), 4u);
  EXPECT_EQ(xor_config.trials[3].channel_values[1], (std::vector<double>{20, 20}));
  EXPECT_EQ(xor_config.output_times.back(), 1.0);

  const auto parity = setup::load_simulation_config(source_path("inputs/parity_network.yaml"));
  const auto parity_net = models::build_network(parity.parameters, parity.network);
  EXPECT_EQ(3 * parity_net.populations, 312u);
  ASSERT_EQ(parity.trials.size(), 16u);
  EXPECT_EQ(parity.trials[5].channel_values[1], (std::vector<double>{0, 15, 0, 15}));
  EXPECT_EQ(parity_net.input.cols, 4u);
}

// Every YAML in inputs/ is a simulation config, a training config, a scan (every point of which
// must load as its base's kind) or the parameter file, and must load.
TEST(SimulationConfig, EveryInputFileLoads) {
  int configs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source_path("inputs"))) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    if (entry.path().filename() == "column-parameters.yaml") continue;
    // Training configs (a top-level `task:`) load as such and build their task.
    std::ifstream text(entry.path());
    const std::string content((std::istreambuf_iterator<char>(text)), std::istreambuf_iterator<char>());
    if (content.find("\naxes:") != std::string::npos) {
      const auto spec = scan::load_scan(entry.path().string());
      const std::size_t points = scan::point_count(spec);
      EXPECT_GE(points, 2u);
      for (std::size_t p = 0; p < points; ++p) {
        const auto point = scan::make_point(spec, p);
        if (spec.kind == scan::BaseKind::training)
          EXPECT_NO_THROW(setup::parse_training_config(point.config_text, spec.base_path).task.make());
        else
          EXPECT_NO_THROW(setup::parse_simulation_config(point.config_text, spec.base_path));
      }
      ++configs;
      continue;
    }
    if (content.find("\ntask:") != std::string::npos) {
      const auto training = setup::load_training_config(entry.path().string());
      EXPECT_NO_THROW(training.task.make());
      ++configs;
      continue;
    }
    const auto config = setup::load_simulation_config(entry.path().string());
    EXPECT_NO_THROW(models::build_network(config.parameters, config.network));
    EXPECT_FALSE(config.source_text.empty());
    ++configs;
  }
  EXPECT_GE(configs, 4);
}

TEST(SimulationConfig, ParameterFileMatchesTheBuiltInSet) {
  const auto loaded = models::load_column_parameters(source_path("inputs/column-parameters.yaml"));
  const auto builtin = models::default_column_parameters();
  EXPECT_EQ(loaded.background_rate_Hz, builtin.background_rate_Hz);
  EXPECT_EQ(loaded.capacitance, builtin.capacitance);
  EXPECT_EQ(loaded.adaptation_strength, builtin.adaptation_strength);
  EXPECT_EQ(loaded.tau_synapse_s, builtin.tau_synapse_s);
  EXPECT_EQ(loaded.tau_membrane_s, builtin.tau_membrane_s);
  EXPECT_EQ(loaded.tau_adaptation_s, builtin.tau_adaptation_s);
  EXPECT_EQ(loaded.transfer.gain, builtin.transfer.gain);
  EXPECT_EQ(loaded.transfer.threshold, builtin.transfer.threshold);
  EXPECT_EQ(loaded.transfer.noise_factor, builtin.transfer.noise_factor);
  EXPECT_EQ(loaded.transfer.exponent_clamp, builtin.transfer.exponent_clamp);
  EXPECT_EQ(loaded.synaptic_strength, builtin.synaptic_strength);
  EXPECT_EQ(loaded.background_synapses, builtin.background_synapses);
  EXPECT_EQ(loaded.background_synapses_small_network, builtin.background_synapses_small_network);
  EXPECT_EQ(loaded.feedforward_synapses, builtin.feedforward_synapses);
  EXPECT_EQ(loaded.connection_probability, builtin.connection_probability);
  EXPECT_EQ(loaded.population_size, builtin.population_size);
  EXPECT_EQ(loaded.input_mask, builtin.input_mask);
  EXPECT_EQ(loaded.input_init, builtin.input_init);
  EXPECT_EQ(loaded.output_mask, builtin.output_mask);
  EXPECT_EQ(loaded.output_init, builtin.output_init);
  EXPECT_EQ(loaded.feedforward.mask, builtin.feedforward.mask);
  EXPECT_EQ(loaded.feedforward.init, builtin.feedforward.init);
  EXPECT_EQ(loaded.lateral.mask, builtin.lateral.mask);
  EXPECT_EQ(loaded.lateral.init, builtin.lateral.init);
  EXPECT_EQ(loaded.feedback.mask, builtin.feedback.mask);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(SimulationConfig, ParameterPathIsRelativeToTheConfig) {
  const std::string dir = testing::temporary_path("relative_parameters");
  std::filesystem::create_directories(dir);
  std::string parameters = read_text(source_path("inputs/column-parameters.yaml"));
  const auto at = parameters.find("background_drive: 8.0");
  ASSERT_NE(at, std::string::npos);
  parameters.replace(at, 21, "background_drive: 9.5");
  write_text(dir + "/params.yaml", parameters);
  write_text(dir + "/run.yaml",
             "model: {parameters: params.yaml, areas: [{name: mt}]}\nsimulation: {t_end: 0.1}\n");
  const auto config = setup::load_simulation_config(dir + "/run.yaml");
  EXPECT_EQ(config.parameters.background_rate_Hz, 9.5);
  EXPECT_EQ(config.parameters_source, dir + "/params.yaml");
}

TEST(SimulationConfig, OmittedKeysTakeTheDocumentedDefaults) {
  const std::string text = "model:\n  areas: [{name: mt}]\nsimulation:\n  t_end: 0.5\n";
  const auto config = setup::parse_simulation_config(text, "defaults.yaml");
  EXPECT_EQ(config.path, "defaults.yaml");
  EXPECT_EQ(config.source_text, text);
  EXPECT_EQ(config.seed, 0u);
  EXPECT_EQ(config.parameters_source, "default");
  ASSERT_EQ(config.network.areas.size(), 1u);
  EXPECT_EQ(config.network.areas[0].columns, 1);
  EXPECT_FALSE(config.network.small_network);
  EXPECT_FALSE(config.network.lateral.enabled);
  EXPECT_FALSE(config.network.feedforward.enabled);
  EXPECT_FALSE(config.network.feedback.enabled);
  EXPECT_EQ(config.network.input.channels, 0);
  EXPECT_EQ(config.network.input.init, config.parameters.input_init);
  EXPECT_EQ(config.t_start, 0.0);
  ASSERT_EQ(config.output_times.size(), 101u);
  EXPECT_EQ(config.output_times.back(), 0.5);
  ASSERT_EQ(config.trials.size(), 1u);
  EXPECT_EQ(config.trials[0].times, std::vector<double>{0.0});
  EXPECT_EQ(config.trials[0].population_rates,
            (std::vector<std::vector<double>>{std::vector<double>(8, 0.0)}));
  EXPECT_EQ(config.solver.method, "dopri5");
  EXPECT_TRUE(config.solver.adaptive);
  EXPECT_EQ(config.output.file, "neurode-output.h5");
  EXPECT_EQ(config.output.variables, (std::vector<std::string>{"V", "a", "r"}));
}

TEST(SimulationConfig, ExplicitValuesAreTaken) {
  const std::string text = R"(seed: 42
model:
  small_network: true
  areas: [{name: v1, columns: 2}, {name: mt}]
  connections:
    lateral: {}
    feedforward: {enabled: false}
    feedback: {trainable: true, init: [[2, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0],
                                       [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0],
                                       [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0],
                                       [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]}
  input: {channels: 1, mask: [0, 0, 1, 0, 0, 0, 0, 0], init: [0, 0, 3, 0, 0, 0, 0, 0]}
stimulus:
  times: [0.1, 0.2]
  segments: [[], [{column: 2, populations: L2/3e, rate: 5}]]
  channels: [[0], [7]]
simulation:
  t_start: 0.1
  output_times: [0.1, 0.15, 0.3]
  initial_state: zero
solver: {method: rk4, dt: 1e-5, theta: 1, bdf_order: 6, max_steps: 20000, dt_min: 1e-9, divergence_bound: 1e4}
output: {file: x.h5, variables: [r, V]}
)";
  const auto config = setup::parse_simulation_config(text, "explicit.yaml");
  EXPECT_EQ(config.seed, 42u);
  EXPECT_TRUE(config.network.small_network);
  EXPECT_EQ(config.network.areas[0].name, "v1");
  EXPECT_TRUE(config.network.lateral.enabled);
  EXPECT_FALSE(config.network.lateral.trainable);
  EXPECT_FALSE(config.network.feedforward.enabled);
  EXPECT_TRUE(config.network.feedback.enabled && config.network.feedback.trainable);
  EXPECT_EQ(config.network.feedback.pattern.init[0][0], 2.0);
  EXPECT_EQ(config.network.feedback.pattern.mask, config.parameters.feedback.mask);
  EXPECT_EQ(config.network.input.init[2], 3.0);
  EXPECT_EQ(config.network.input.mask[3], 0.0);
  EXPECT_EQ(config.t_start, 0.1);
  EXPECT_EQ(config.output_times, (std::vector<double>{0.1, 0.15, 0.3}));
  ASSERT_EQ(config.trials.size(), 1u);
  EXPECT_EQ(config.trials[0].population_rates[1][16], 5.0);
  EXPECT_EQ(config.trials[0].channel_values, (std::vector<std::vector<double>>{{0}, {7}}));
  EXPECT_EQ(config.solver.method, "rk4");
  EXPECT_FALSE(config.solver.adaptive);  // rk4's default
  EXPECT_EQ(config.solver.dt, 1e-5);
  EXPECT_EQ(config.solver.theta, 1.0);
  EXPECT_EQ(config.solver.bdf_order, 6);
  EXPECT_EQ(config.solver.max_steps, 20000);
  EXPECT_EQ(config.output.variables, (std::vector<std::string>{"r", "V"}));
}

TEST(SimulationConfig, TrialsOverrideTheStimulusKeyByKey) {
  const std::string text = R"(model: {areas: [{name: mt}], input: {channels: 2}}
stimulus:
  times: [0, 0.5]
  segments: [[], [{column: 0, populations: [L4e], rate: 3}]]
trials:
  - {channels: [[0, 0], [20, 0]]}
  - {times: [0], segments: [[]]}
simulation: {t_end: 1, initial_state: [)" +
                           [] {
                             std::string zeros;
                             for (int i = 0; i < 24; ++i) zeros += (i ? ", " : "") + std::to_string(i);
                             return zeros;
                           }() +
                           "]}\n";
  const auto config = setup::parse_simulation_config(text, "trials.yaml");
  ASSERT_EQ(config.trials.size(), 2u);
  EXPECT_EQ(config.trials[0].times, (std::vector<double>{0, 0.5}));
  EXPECT_EQ(config.trials[0].population_rates[1][2], 3.0);
  EXPECT_EQ(config.trials[0].channel_values[1], (std::vector<double>{20, 0}));
  EXPECT_EQ(config.trials[1].times, std::vector<double>{0});
  EXPECT_EQ(config.trials[1].channel_values, (std::vector<std::vector<double>>{{0, 0}}));
  ASSERT_EQ(config.initial_state.size(), 24u);
  EXPECT_EQ(config.initial_state[23], 23.0);
}

// ---- Rejected configs ------------------------------------------------------------------------

struct BadCase {
  const char* name;
  const char* yaml;
  const char* key_path;  ///< "" when the error is about the whole file
  int line;              ///< 0 when yaml-cpp cannot know it
  const char* expectation;
};

// Every case has one defect; the rest is a valid two-column network.
const BadCase kBadCases[] = {
    {"unknown_solver_key", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver:\n  rtl: 1e-6\n",
     "solver.rtl", 4, "unknown key 'rtl' (allowed: method, adaptive, dt, rtol, atol, theta"},
    {"unknown_section", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolvers: {}\n", "solvers", 3,
     "unknown key 'solvers' (allowed: seed, model, stimulus, trials, noise, simulation, solver, output)"},
    {"rtol_not_a_number", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver:\n  rtol: abc\n",
     "solver.rtol", 4, "expected a number in [1e-15, 1], got 'abc'"},
    {"negative_atol", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver: {atol: -1}\n",
     "solver.atol", 3, "expected a number >= 1e-15, got '-1'"},
    {"unknown_method", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver: {method: rk45}\n",
     "solver.method", 3,
     "expected one of euler, rk4, bs3, dopri5, rk8, theta, cn, beuler, bdf, arkimex, imex, got 'rk45'"},
    {"theta_above_one", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver: {theta: 1.5}\n",
     "solver.theta", 3, "expected a number in (0, 1], got '1.5'"},
    {"theta_zero",
     "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver: {method: theta, theta: 0}\n",
     "solver.theta", 3, "expected a number in (0, 1], got '0'"},
    {"multiple_documents", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\n---\nseed: 2\n", "", 4,
     "expected one YAML document, got 2"},
    {"bdf_order_too_high", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver: {bdf_order: 7}\n",
     "solver.bdf_order", 3, "expected an integer in [1, 6], got '7'"},
    {"adaptive_not_bool", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver: {adaptive: maybe}\n",
     "solver.adaptive", 3, "expected true or false, got 'maybe'"},
    {"unknown_area",
     "model:\n  areas:\n    - {name: mt, columns: 1}\n    - {name: v9, columns: 1}\nsimulation: {t_end: 1}\n",
     "model.areas[1].name", 4, "expected one of fef, fst, lip, mstd, mt, v1, v2, v3, v3a, got 'v9'"},
    {"zero_columns", "model:\n  areas:\n    - {name: mt, columns: 0}\nsimulation: {t_end: 1}\n",
     "model.areas[0].columns", 3, "expected an integer in [1, 1e+06], got '0'"},
    {"fractional_columns", "model:\n  areas:\n    - {name: mt, columns: 1.5}\nsimulation: {t_end: 1}\n",
     "model.areas[0].columns", 3, "expected an integer in [1, 1e+06], got '1.5'"},
    {"missing_areas", "seed: 1\nmodel:\n  small_network: true\nsimulation: {t_end: 1}\n", "model.areas", 2,
     "required key is missing"},
    {"empty_areas", "model:\n  areas: []\nsimulation: {t_end: 1}\n", "model.areas", 2,
     "expected a non-empty list of areas, got 0"},
    {"missing_model", "simulation: {t_end: 1}\n", "model", 0, "required key is missing"},
    {"column_out_of_range",
     "model: {areas: [{name: mt, columns: 2}]}\nstimulus:\n  times: [0, 0.05]\n  segments:\n    - []\n"
     "    - [{column: 2, populations: [L4e], rate: 20}]\nsimulation: {t_end: 1}\n",
     "stimulus.segments[1][0].column", 6, "expected an integer in [0, 1], got '2'"},
    {"unknown_population",
     "model: {areas: [{name: mt, columns: 2}]}\nstimulus:\n  times: [0, 0.05]\n  segments:\n    - []\n"
     "    - [{column: 1, populations: [L4e, L7e], rate: 20}]\nsimulation: {t_end: 1}\n",
     "stimulus.segments[1][0].populations[1]", 6, "expected a population name (L2/3e, L2/3i, L4e"},
    {"segments_count_differs",
     "model: {areas: [{name: mt}]}\nstimulus:\n  times: [0, 0.05, 0.1]\n  segments: [[], []]\nsimulation: "
     "{t_end: 1}\n",
     "stimulus.segments", 4, "expected a list of 3 segments (one per entry of times), got 2"},
    {"first_time_not_t_start",
     "model: {areas: [{name: mt}]}\nstimulus:\n  times: [0.01, 0.05]\nsimulation: {t_end: 1}\n",
     "stimulus.times[0]", 3, "expected the first time to equal simulation.t_start = 0, got 0.01"},
    {"times_not_increasing",
     "model: {areas: [{name: mt}]}\nstimulus:\n  times:\n    - 0\n    - 0.5\n    - 0.2\nsimulation: {t_end: "
     "1}\n",
     "stimulus.times[2]", 6, "expected increasing times, got 0.2 after 0.5"},
    {"time_after_end", "model: {areas: [{name: mt}]}\nstimulus: {times: [0, 2]}\nsimulation: {t_end: 1}\n",
     "stimulus.times[1]", 2, "expected times before the end time 1, got 2"},
    {"negative_rate",
     "model: {areas: [{name: mt}]}\nstimulus:\n  segments: [[{column: 0, populations: [L4e], rate: -3}]]\n"
     "simulation: {t_end: 1}\n",
     "stimulus.segments[0][0].rate", 3, "expected a number in [0, 1e+06], got '-3'"},
    {"channels_without_inputs",
     "model: {areas: [{name: mt}]}\nstimulus:\n  channels: [[1]]\nsimulation: {t_end: 1}\n",
     "stimulus.channels", 3, "expected no channel values (model.input.channels is 0), got a list"},
    {"channel_row_too_long",
     "model: {areas: [{name: mt}], input: {channels: 2}}\ntrials:\n  - channels: [[1, 2, 3]]\nsimulation: "
     "{t_end: 1}\n",
     "trials[0].channels[0]", 3, "expected a list of 2 numbers, got 3"},
    {"unknown_trial_key", "model: {areas: [{name: mt}]}\ntrials:\n  - {time: [0]}\nsimulation: {t_end: 1}\n",
     "trials[0].time", 3, "unknown key 'time' (allowed: times, segments, channels)"},
    {"t_end_not_after_t_start", "model: {areas: [{name: mt}]}\nsimulation:\n  t_start: 1\n  t_end: 0.5\n",
     "simulation.t_end", 4, "expected a number in (1, 1e+06], got '0.5'"},
    {"missing_t_end", "model: {areas: [{name: mt}]}\nsimulation:\n  output_times: {count: 11}\n",
     "simulation.t_end", 2, "required key is missing"},
    {"output_count_too_small",
     "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1, output_times: {count: 1}}\n",
     "simulation.output_times.count", 2, "expected an integer >= 2, got '1'"},
    {"output_times_not_increasing",
     "model: {areas: [{name: mt}]}\nsimulation:\n  output_times: [0, 0.5, 0.5]\n",
     "simulation.output_times[2]", 3, "expected increasing output times, got 0.5 after 0.5"},
    {"initial_state_wrong_length",
     "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1, initial_state: [1, 2]}\n",
     "simulation.initial_state", 2, "expected a list of 24 numbers, got 2"},
    {"initial_state_word", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1, initial_state: rest}\n",
     "simulation.initial_state", 2, "expected 'zero' or a list of 24 numbers ([V, a, r]), got 'rest'"},
    {"weight_index_out_of_range",
     "model:\n  areas: [{name: mt, columns: 2}]\n  weights:\n    - {target: 16, source: 0, value: 1}\n"
     "simulation: {t_end: 1}\n",
     "model.weights[0].target", 4, "expected a non-negative integer in [0, 15], got '16'"},
    {"mask_entry_not_a_switch",
     "model:\n  areas: [{name: mt, columns: 2}]\n  connections:\n    lateral:\n      mask:\n"
     "        - [0, 0.5, 0, 0, 0, 0, 0, 0]\n        - [0, 0, 0, 0, 0, 0, 0, 0]\n        - [0, 0, 0, 0, 0, 0, "
     "0, 0]\n"
     "        - [0, 0, 0, 0, 0, 0, 0, 0]\n        - [0, 0, 0, 0, 0, 0, 0, 0]\n        - [0, 0, 0, 0, 0, 0, "
     "0, 0]\n"
     "        - [0, 0, 0, 0, 0, 0, 0, 0]\n        - [0, 0, 0, 0, 0, 0, 0, 0]\nsimulation: {t_end: 1}\n",
     "model.connections.lateral.mask[0][1]", 6, "expected 0 or 1 (a mask entry), got '0.5'"},
    {"init_matrix_too_short",
     "model:\n  areas: [{name: mt, columns: 2}]\n  connections:\n    lateral: {init: [[1, 2]]}\nsimulation: "
     "{t_end: 1}\n",
     "model.connections.lateral.init", 4, "expected a list of 8 rows, got 1"},
    {"input_mask_too_short",
     "model:\n  areas: [{name: mt}]\n  input: {channels: 1, mask: [1, 0]}\nsimulation: {t_end: 1}\n",
     "model.input.mask", 3, "expected a list of 8 numbers, got 2"},
    {"readout_in_a_simulation",
     "model:\n  areas: [{name: mt}]\n  output: {init: [1, 0, 0, 0, 1, 0, 1, 0]}\nsimulation: {t_end: 1}\n",
     "model.output", 3, "expected no read-out in a simulation"},
    {"unknown_output_variable",
     "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\noutput:\n  variables: [V, x]\n",
     "output.variables[1]", 4, "expected one of V, a, r, got 'x'"},
    {"negative_seed", "seed: -1\nmodel: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\n", "seed", 1,
     "expected a non-negative integer, got '-1'"},
    {"duplicate_key",
     "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver:\n  dt: 1e-4\n  dt: 1e-3\n", "solver.dt",
     5, "duplicate key 'dt' (first given on line 4)"},
    {"section_is_a_scalar", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1}\nsolver: dopri5\n",
     "solver", 3, "expected a map of keys, got 'dopri5'"},
    {"missing_parameter_file",
     "model:\n  parameters: no-such-parameters.yaml\n  areas: [{name: mt}]\nsimulation: {t_end: 1}\n",
     "model.parameters", 2,
     "expected 'default' or an existing parameter file, got 'no-such-parameters.yaml'"},
    {"malformed_yaml", "model: {areas: [{name: mt}]}\nsimulation: {t_end: 1\nsolver: {}\n", "", 3,
     "expected valid YAML, got: "},
    {"tab_indentation", "model:\n\tareas: [{name: mt}]\n", "", 2, "expected valid YAML, got: "},
};

class BadSimulationConfig : public ::testing::TestWithParam<BadCase> {};

std::string expected_prefix(const std::string& file, const BadCase& c) {
  std::string prefix = file;
  if (c.line > 0) prefix += ":" + std::to_string(c.line);
  prefix += ": ";
  if (*c.key_path) prefix += std::string(c.key_path) + ": ";
  return prefix;
}

TEST_P(BadSimulationConfig, NamesFileKeyLineAndExpectation) {
  const BadCase& c = GetParam();
  // A path in a directory of its own, so the relative parameter file cannot exist by accident.
  const std::string file = testing::temporary_path(std::string(c.name) + ".yaml");
  try {
    setup::parse_simulation_config(c.yaml, file);
    FAIL() << "accepted:\n" << c.yaml;
  } catch (const io::ConfigError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(expected_prefix(file, c), 0), 0u) << message;
    EXPECT_NE(message.find(c.expectation), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line only: " << message;
    EXPECT_EQ(e.file(), file);
    EXPECT_EQ(e.key_path(), c.key_path);
    EXPECT_EQ(e.line(), c.line);
  }
}

INSTANTIATE_TEST_SUITE_P(config, BadSimulationConfig, ::testing::ValuesIn(kBadCases),
                         [](const auto& test) { return std::string(test.param.name); });

TEST(SimulationConfig, MissingFileIsAConfigErrorNamingThePath) {
  const std::string path = testing::temporary_path("does_not_exist.yaml");
  try {
    setup::load_simulation_config(path);
    FAIL() << "loaded a missing file";
  } catch (const io::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": expected a readable file, but it does not exist");
  }
}

// A defect inside a parameter file is reported against that file, with its own key path and line.
TEST(SimulationConfig, BadParameterFileNamesThatFile) {
  const std::string good = read_text(source_path("inputs/column-parameters.yaml"));
  struct Edit {
    const char* from;
    const char* to;
    const char* key_path;
    const char* expectation;
  };
  const Edit edits[] = {
      {"membrane: 0.02", "membrane: -0.02", "time_constants.membrane", "expected a number > 0, got '-0.02'"},
      {"[0.1009, 0.1689", "[1.0, 0.1689", "connection_probabilities.internal[0][0]",
       "expected a number in [0, 1), got '1.0'"},
      {"feedforward: [0, 0, 295, 186, 0, 0, 0, 0]", "feedforward: [0, 0, 295, 186, 0, 0, 0]",
       "synapse_counts.feedforward", "expected a list of 8 numbers, got 7"},
      {"capacitance: 0.00025", "capacitance: 0.00025\nnoise: 1", "noise", "unknown key 'noise'"},
      {"  mt: [60606", "  mt: [-60606", "population_size.mt[0]", "expected a number >= 1, got '-60606'"},
  };
  for (const auto& edit : edits) {
    SCOPED_TRACE(edit.key_path);
    std::string text = good;
    const auto at = text.find(edit.from);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, std::string(edit.from).size(), edit.to);
    // The line of the edit: count newlines before it (plus one for the inserted key's own line).
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    if (std::string(edit.key_path) == "noise") ++line;
    const std::string path = testing::temporary_path("bad_parameters.yaml");
    write_text(path, text);
    try {
      models::load_column_parameters(path);
      FAIL() << "accepted " << edit.to;
    } catch (const io::ConfigError& e) {
      EXPECT_EQ(e.file(), path);
      EXPECT_EQ(e.key_path(), edit.key_path);
      EXPECT_EQ(e.line(), line);
      EXPECT_NE(std::string(e.what()).find(edit.expectation), std::string::npos) << e.what();
    }
  }
}

// ---- The reader on its own -------------------------------------------------------------------

TEST(ConfigReader, ReadsTypedValuesWithPathsAndLines) {
  const auto root =
      io::parse_config_text("a:\n  b: [1, 2.5, 3]\n  n: 7\n  s: hello\n  m: [[1, 2], [3, 4]]\n", "r.yaml");
  const auto a = root.child("a");
  EXPECT_EQ(a.key_path(), "a");
  EXPECT_EQ(a.line(), 1);
  EXPECT_EQ(a.child("b").numbers(), (std::vector<double>{1, 2.5, 3}));
  EXPECT_EQ(a.get<int>("n", io::Bounds::closed(0, 10)), 7);
  EXPECT_EQ(a.get_or<long>("missing", -4), -4);
  EXPECT_EQ(a.get<std::string>("s"), "hello");
  const auto m = a.child("m").matrix<2, 2>();
  EXPECT_EQ(m[1][0], 3.0);
  const auto items = a.child("b").items();
  EXPECT_EQ(items[2].key_path(), "a.b[2]");
  EXPECT_EQ(items[2].line(), 2);
  EXPECT_FALSE(a.child("missing").present());
  EXPECT_EQ(a.child("missing").key_path(), "a.missing");
  EXPECT_NO_THROW(a.check_keys({"b", "n", "s", "m"}));
  EXPECT_THROW(a.check_keys({"b", "n", "s"}), io::ConfigError);
  EXPECT_THROW(a.child("s").as<double>(), io::ConfigError);
  EXPECT_THROW(a.child("n").as<double>(io::Bounds::half_open(0, 7)), io::ConfigError);
}

TEST(ConfigReader, BoundsDescribeThemselves) {
  EXPECT_EQ(io::Bounds::any().describe(), "");
  EXPECT_EQ(io::Bounds::positive().describe(), " > 0");
  EXPECT_EQ(io::Bounds::non_negative().describe(), " >= 0");
  EXPECT_EQ(io::Bounds::half_open(0, 1).describe(), " in [0, 1)");
  EXPECT_EQ(io::Bounds::closed(1e-12, 6).describe(), " in [1e-12, 6]");
  EXPECT_TRUE(io::Bounds::half_open(0, 1).contains(0));
  EXPECT_FALSE(io::Bounds::half_open(0, 1).contains(1));
  EXPECT_FALSE(io::Bounds::positive().contains(0));
}

TEST(ConfigReader, RejectsNonFiniteNumbers) {
  const auto root = io::parse_config_text("x: .inf\ny: nan\nz: 1e400\n", "r.yaml");
  for (const char* key : {"x", "y", "z"}) EXPECT_THROW(root.get<double>(key), io::ConfigError) << key;
}

}  // namespace
}  // namespace neurode
