// Regression tests of issue 16 on the input side: every value read from a network file is checked
// for type, shape, finiteness, range and integrality before use (items 2 and 3); configs refuse
// numbers that would overflow the model (item 3) and runs too large for the machine, with the
// estimate and the key (item 8); messages say the allowed range and refuse a second YAML document
// (item 9). The generated cases of tests/support/bad_inputs.py cover the classes more widely.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "io/build_info.hpp"
#include "io/config_error.hpp"
#include "io/config_reader.hpp"
#include "io/hdf5_file.hpp"
#include "io/memory_limit.hpp"
#include "models/column/network_file.hpp"
#include "setup/simulation_config.hpp"
#include "setup/training_config.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

// ---- Network files -----------------------------------------------------------------------------

// A copy of gradient_wta.h5 changed by `edit` (HDF5 C API on the open file).
std::string edited_network(const std::string& name, const std::function<void(hid_t)>& edit) {
  const std::string path = testing::temporary_path(name + ".h5");
  std::filesystem::copy_file(testing::reference_path("gradient_wta.h5"), path,
                             std::filesystem::copy_options::overwrite_existing);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  EXPECT_GE(file, 0);
  edit(file);
  H5Fclose(file);
  return path;
}

// Replaces a dataset by one of `dims` doubles (values 0 except `values`' first ones).
void replace_doubles(hid_t file, const char* name, std::vector<hsize_t> dims, std::vector<double> values) {
  H5Ldelete(file, name, H5P_DEFAULT);
  hsize_t count = 1;
  for (hsize_t d : dims) count *= d;
  values.resize(count, 0.0);
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t set = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(set);
  H5Sclose(space);
}

// Sets element `index` of an existing float or integer dataset to `value` (read, change, rewrite).
void set_element(hid_t file, const char* name, std::size_t index, double value) {
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  const hid_t space = H5Dget_space(set);
  std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  hsize_t count = 1;
  for (hsize_t d : dims) count *= d;
  std::vector<double> values(count);
  H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Sclose(space);
  H5Dclose(set);
  values[index] = value;
  replace_doubles(file, name, dims, values);
}

void replace_attribute(hid_t file, const char* name, std::vector<hsize_t> dims,
                       const std::vector<double>& values) {
  H5Adelete(file, name);
  const hid_t space = dims.empty() ? H5Screate(H5S_SCALAR)
                                   : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t attribute = H5Acreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attribute, H5T_NATIVE_DOUBLE, values.data());
  H5Aclose(attribute);
  H5Sclose(space);
}

void replace_string_attribute(hid_t file, const char* name, const std::string& text) {
  H5Adelete(file, name);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, text.size());
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attribute = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attribute, type, text.data());
  H5Aclose(attribute);
  H5Sclose(space);
  H5Tclose(type);
}

// load_network_file must throw Hdf5Error whose message contains each of `words`.
void expect_refused(const std::string& path, const std::vector<std::string>& words) {
  try {
    models::load_network_file(path);
    ADD_FAILURE() << path << " was accepted";
  } catch (const io::Hdf5Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    for (const auto& word : words) EXPECT_NE(what.find(word), std::string::npos) << what << " lacks " << word;
  }
}

TEST(NetworkFile, TheReferenceCasesLoad) {
  const auto net = models::load_network_file(testing::reference_path("gradient_wta.h5"));
  EXPECT_EQ(net.weights.populations, 16u);
  EXPECT_EQ(net.weights.parameters.size(), 4u);
  EXPECT_EQ(net.loss_populations.size(), 2u);
  EXPECT_EQ(net.constants.tau_synapse_s, 5e-4);
}

// Issue 16, item 2: an array attribute overflowed the one double read_attribute read it into.
TEST(NetworkFile, AConstantStoredAsAnArrayOrAStringIsRefusedNotReadOrDefaulted) {
  expect_refused(edited_network("tau_array",
                                [](hid_t f) {
                                  replace_attribute(f, "tau_s", {4}, {5e-4, 1, 2, 3});
                                }),
                 {"tau_s", "[4]", "expected one number"});
  expect_refused(edited_network("tau_matrix",
                                [](hid_t f) {
                                  replace_attribute(f, "tau_m", {2, 2}, {1, 2, 3, 4});
                                }),
                 {"tau_m", "[2 x 2]"});
  // A string was silently replaced by the default constant.
  expect_refused(edited_network("tau_string", [](hid_t f) { replace_string_attribute(f, "tau_a", "10"); }),
                 {"tau_a", "strings", "expected a number"});
  expect_refused(edited_network("tau_zero", [](hid_t f) { replace_attribute(f, "tau_s", {}, {0.0}); }),
                 {"tau_s", "expected a number in"});
}

// Issue 16, item 2: NaN in grad_entries or loss_target_populations became a garbage index.
TEST(NetworkFile, IndicesMustBeWholeNumbersInsideTheNetwork) {
  const double nan = std::nan("");
  for (const auto& [label, value] : std::vector<std::pair<std::string, double>>{
           {"nan", nan}, {"half", 0.5}, {"negative", -1.0}, {"outside", 16.0}, {"huge", 1e20}}) {
    expect_refused(
        edited_network("grad_" + label, [&](hid_t f) { set_element(f, "grad_entries", 3, value); }),
        {"grad_entries", "element 3", "expected whole numbers in [0, 15]"});
    expect_refused(edited_network("loss_" + label,
                                  [&](hid_t f) { set_element(f, "loss_target_populations", 1, value); }),
                   {"loss_target_populations", "element 1", "expected whole numbers in [0, 15]"});
  }
  expect_refused(edited_network("grad_twice",
                                [](hid_t f) {
                                  replace_doubles(f, "grad_entries", {2, 2}, {0, 0, 0, 0});
                                }),
                 {"grad_entries", "W[0,0]", "once"});
}

// Issue 16, item 2: the rank is checked as well as the element count.
TEST(NetworkFile, ShapesAreCheckedByRankAndSize) {
  expect_refused(edited_network("w_ff_column",
                                [](hid_t f) {
                                  replace_doubles(f, "W_ff", {16, 1}, {});
                                }),
                 {"W_ff", "[16 x 1]", "expected 16 values"});
  expect_refused(edited_network("w_flat", [](hid_t f) { replace_doubles(f, "W", {256}, {}); }),
                 {"'W'", "[256]"});
  expect_refused(edited_network("rates_short",
                                [](hid_t f) {
                                  replace_doubles(f, "input_rates", {3, 15}, {});
                                }),
                 {"input_rates", "[3 x 15]", "3 x 16"});
  expect_refused(edited_network("grad_three",
                                [](hid_t f) {
                                  replace_doubles(f, "grad_entries", {2, 3}, {});
                                }),
                 {"grad_entries", "P x 2"});
}

TEST(NetworkFile, DatasetsOfOtherTypesAreRefusedByHdf5FileRead) {
  const std::string path = edited_network("strings", [](hid_t f) {
    H5Ldelete(f, "kappa", H5P_DEFAULT);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 3);
    const hsize_t dims[] = {16};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t set = H5Dcreate2(f, "kappa", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const std::string text(48, 'x');
    H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data());
    H5Dclose(set);
    H5Sclose(space);
    H5Tclose(type);
  });
  expect_refused(path, {"kappa", "strings", "expected numbers"});
  // An array of strings is not one string: reading it into one buffer would write past its end.
  const io::Hdf5File file(path, io::Hdf5File::Mode::read);
  EXPECT_THROW(file.read_text("kappa"), io::Hdf5Error);
  EXPECT_THROW(file.read_text("W"), io::Hdf5Error);
  EXPECT_THROW(file.read_scalar("t"), io::Hdf5Error);
}

// Issue 16, item 3: NaN, inf or 1e300 in W, rates, y0 or t reached PETSc.
TEST(NetworkFile, NonFiniteAndOverflowingValuesAreRefusedOnLoad) {
  const double inf = HUGE_VAL, nan = std::nan("");
  const std::vector<std::tuple<const char*, std::size_t, double>> cases = {{"W", 17, nan},
                                                                           {"W", 0, 1e300},
                                                                           {"W_ff", 2, inf},
                                                                           {"W_bg", 0, -inf},
                                                                           {"kappa", 1, nan},
                                                                           {"input_rates", 20, 1e300},
                                                                           {"input_rates", 20, -1.0},
                                                                           {"y0", 5, nan},
                                                                           {"y0", 0, 1e300},
                                                                           {"t", 4, inf},
                                                                           {"input_times", 1, nan},
                                                                           {"loss_target_rates", 0, nan},
                                                                           {"loss_target_rates", 1, inf}};
  for (const auto& [name, index, value] : cases)
    expect_refused(
        edited_network(std::string("value_") + name, [&](hid_t f) { set_element(f, name, index, value); }),
        {std::string("'") + name + "'", "element " + std::to_string(index), "expected"});
}

// Issue 16, item 8: a 2^20 x 2^20 dataset declared in a small file was allocated in full.
TEST(NetworkFile, AHugeDeclaredDatasetIsRefusedBeforeAnythingIsAllocated) {
  const std::string path = edited_network("huge", [](hid_t f) {
    H5Ldelete(f, "W", H5P_DEFAULT);
    const hsize_t dims[] = {hsize_t{1} << 20, hsize_t{1} << 20}, chunks[] = {64, 64};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(plist, 2, chunks);
    H5Dclose(H5Dcreate2(f, "W", H5T_IEEE_F64LE, space, H5P_DEFAULT, plist, H5P_DEFAULT));
    H5Pclose(plist);
    H5Sclose(space);
  });
  EXPECT_LT(std::filesystem::file_size(path), 1u << 20);
  const auto start = std::chrono::steady_clock::now();
  expect_refused(path, {"GB", "this process may use"});
  const io::Hdf5File file(path, io::Hdf5File::Mode::read);
  try {
    file.read("W");
    ADD_FAILURE() << "a 2^40-element dataset was read";
  } catch (const io::Hdf5Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'W' is of shape [1048576 x 1048576]"), std::string::npos) << what;
    EXPECT_NE(what.find("8796.1 GB as doubles"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_GT(io::memory_limit_bytes(), std::uint64_t{1} << 26);
}

// ---- Configs -----------------------------------------------------------------------------------

std::string source_text(const std::string& relative) {
  return io::read_config_text(std::string(io::build_info::source_dir) + "/" + relative);
}

// `text` with the first `from` replaced by `to` (which must be there).
std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// The parse must throw ConfigError at `key` whose one-line message contains `words`.
void expect_config_error(const std::function<void()>& parse, const std::string& key,
                         const std::vector<std::string>& words) {
  try {
    parse();
    ADD_FAILURE() << "accepted; expected an error at " << key;
  } catch (const io::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.key_path(), key) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    for (const auto& word : words) EXPECT_NE(what.find(word), std::string::npos) << what << " lacks " << word;
  }
}

void expect_simulation_error(const std::string& text, const std::string& key,
                             const std::vector<std::string>& words) {
  expect_config_error([&] { setup::parse_simulation_config(text, "bad.yaml"); }, key, words);
}

void expect_training_error(const std::string& text, const std::string& key,
                           const std::vector<std::string>& words) {
  expect_config_error([&] { setup::parse_training_config(text, "bad.yaml"); }, key, words);
}

// Issue 16, item 3 (config side): these reached PETSc or overflowed the model.
TEST(ConfigLimits, NumbersThatWouldOverflowTheModelAreRefusedByRange) {
  const std::string xor_text = source_text("tests/data/train_xor_tiny.yaml");
  expect_training_error(with(xor_text, "learning_rate: 2.0", "learning_rate: 1e308"),
                        "optimizer.learning_rate", {"in (0, 1e+06]", "1e308"});
  expect_training_error(with(xor_text, "rtol: 1.0e-6", "rtol: 1e-300"), "solver.rtol", {"in [1e-15, 1]"});
  const std::string noisy = source_text("tests/data/train_xor_noisy_tiny.yaml");
  expect_training_error(with(noisy, "sigma: 10", "sigma: 1e308"), "noise.sigma", {"in [0, 1e+06]"});
  const std::string simulation = source_text("inputs/wta_two_columns_noise.yaml");
  expect_simulation_error(with(simulation, "sigma: 100", "sigma: 1e308"), "noise.sigma", {"in [0, 1e+06]"});
  expect_simulation_error(with(simulation, "rtol: 1.0e-6", "rtol: 1e-300"), "solver.rtol", {"[1e-15, 1]"});
  expect_simulation_error(with(simulation, "rate: 20", "rate: 1e308"), "stimulus.segments[1][0].rate",
                          {"in [0, 1e+06]"});
  expect_simulation_error(with(simulation, "t_end: 0.15", "t_end: 1e308"), "simulation.t_end", {"1e+06"});
}

// Noise on chosen components, per-population sigma and multiplicative noise: each mistake is one
// line naming the key, in simulation and training configs alike.
TEST(ConfigLimits, NoiseComponentsAmplitudesAndInterpretationAreChecked) {
  const std::string simulation = source_text("inputs/wta_two_columns_noise_multiplicative.yaml");
  EXPECT_NO_THROW(setup::parse_simulation_config(simulation, "good.yaml"));
  expect_simulation_error(with(simulation, "  interpretation: ito\n", ""), "noise.interpretation",
                          {"stratonovich or ito", "no default"});
  expect_simulation_error(with(simulation, "interpretation: ito", "interpretation: Ito"),
                          "noise.interpretation", {"stratonovich", "'Ito'"});
  expect_simulation_error(with(simulation, "r: [4.0, 4.0, 0.0, 0.0, 4.0, 4.0, 4.0, 4.0]", "r: [4.0, 4.0]"),
                          "noise.sigma.r", {"8"});
  expect_simulation_error(with(simulation, "    V: 2.0\n", "    V: 2.0\n    v: 1.0\n"), "noise.sigma.v",
                          {"unknown key 'v'"});
  // One forward-Euler or backward-Euler step per interval integrates the field as Ito.
  expect_simulation_error(with(simulation, "  method: dopri5", "  method: euler\n  dt: 1.0e-4"), "noise.type",
                          {"order >= 2", "euler"});
  expect_simulation_error(with(simulation, "  method: dopri5", "  method: beuler\n  dt: 1.0e-4"),
                          "noise.type", {"order >= 2", "beuler"});
  EXPECT_NO_THROW(setup::parse_simulation_config(
      with(simulation, "  method: dopri5", "  method: rk4\n  dt: 1.0e-4"), "good.yaml"));
  const std::string additive = source_text("inputs/wta_two_columns_noise.yaml");
  EXPECT_NO_THROW(setup::parse_simulation_config(
      with(additive, "sigma: 100", "sigma: 100, components: [V, a, r]"), "good.yaml"));
  expect_simulation_error(with(additive, "sigma: 100", "sigma: 100, components: [V, s]"),
                          "noise.components[1]", {"V, a, r"});

  const std::string noisy = source_text("tests/data/train_xor_noisy_tiny.yaml");
  const std::string multiplicative =
      with(noisy, "sigma: 10", "sigma: {V: 0.5, r: [1, 1, 1, 1, 1, 1, 1, 0]}, type: multiplicative");
  expect_training_error(multiplicative, "noise.interpretation", {"stratonovich or ito"});
  const std::string ito =
      with(multiplicative, "type: multiplicative", "type: multiplicative, interpretation: ito");
  EXPECT_NO_THROW(setup::parse_training_config(ito, "good.yaml"));
  expect_training_error(ito + "gradient: {method: backprop-euler}\n", "gradient.method",
                        {"backprop-euler", "Ito"});
}

// Issue 16, item 8: silent long runs or std::bad_alloc; now refused with the estimate and the key.
TEST(ConfigLimits, RunsTooLargeForTheMachineAreRefusedNamingTheKeyAndTheEstimate) {
  const std::string simulation = source_text("inputs/wta_two_columns.yaml");
  expect_simulation_error(with(simulation, "count: 1501", "count: 1000000000"),
                          "simulation.output_times.count",
                          {"fits in memory", "1000000000 output times", "GB", "this process may use"});
  const std::string big =
      with(with(simulation, "small_network: true", "small_network: false"), "columns: 2", "columns: 1000000");
  expect_simulation_error(big, "model.areas", {"fits in memory", "1000000 columns", "GB"});
  // A small network shares its population sizes among its columns: at least one neuron each.
  expect_simulation_error(with(simulation, "columns: 2", "columns: 1000000"), "model.areas[0].columns",
                          {"at most"});
  expect_simulation_error(with(simulation, "columns: 2", "columns: 2000000"), "model.areas[0].columns",
                          {"in [1, 1e+06]"});
  const std::string noise = source_text("inputs/wta_two_columns_noise.yaml");
  expect_simulation_error(with(noise, "realisations: 64", "realisations: 1000000000"), "noise.realisations",
                          {"fits in memory", "1e+09 realisation(s)", "GB"});
  // 1.5e8 noise intervals, each ending a step: more than the step limit of 1e7.
  expect_simulation_error(with(noise, "resolution: 1.0e-4", "resolution: 1e-9"), "noise.resolution",
                          {"expected a noise resolution >= 1.5e-08 s", "solver.max_steps"});
  const std::string fixed =
      with(simulation, "  method: dopri5", "  method: rk4\n  adaptive: false\n  dt: 1.0e-12");
  expect_simulation_error(fixed, "solver.dt", {"expected a fixed step >=", "solver.max_steps"});

  const std::string wta = source_text("tests/data/train_wta_tiny.yaml");
  expect_training_error(with(wta, "training_samples: 5", "training_samples: 1000000000"),
                        "task.training_samples", {"fits in memory", "GB"});
  expect_training_error(with(wta, "evaluation_samples: 3", "evaluation_samples: 1000000000"),
                        "task.evaluation_samples", {"fits in memory"});
  const std::string xor_text = source_text("tests/data/train_xor_tiny.yaml");
  expect_training_error(with(xor_text, "observations: 11", "observations: 4294967296"), "task.observations",
                        {"fits in memory"});
  expect_training_error(with(xor_text, "epochs: 4", "epochs: 2000000000"), "training.epochs",
                        {"fits in memory", "2000000000 epochs"});
  const std::string noisy = source_text("tests/data/train_xor_noisy_tiny.yaml");
  expect_training_error(with(noisy, "resolution: 1.0e-3", "resolution: 1e-9"), "noise.resolution",
                        {"solver.max_steps"});

  // L-BFGS keeps 2 x memory vectors of every parameter (and their checkpoint copy): an MLP of 4e6
  // parameters fits with Adam, its history of 1000 pairs (128 GB) does not.
  const std::string hopf = source_text("inputs/train_hopf.yaml");
  const std::string big_mlp = with(with(hopf.substr(0, hopf.find("\nstages:")),
                                        "layers: [3, 100, 100, 100, 2]", "layers: [3, 2000, 2000, 2]"),
                                   "eval_every: 50", "eval_every: 50, snapshot_every: 100");
  EXPECT_NO_THROW(setup::parse_training_config(big_mlp, "good.yaml"));
  const std::string lbfgs = with(big_mlp, "optimizer: {type: adam, learning_rate: 3.0e-3}",
                                 "optimizer: {type: lbfgs, learning_rate: 3.0e-3, memory: 1000}");
  expect_training_error(lbfgs, "optimizer.memory",
                        {"fits in memory", "an L-BFGS history of 1000 pairs of 4014002 parameters", "GB"});
}

// The memory check reads the limit a batch system sets: cgroup v2's memory.max (Slurm on current
// systems) and cgroup v1's memory.limit_in_bytes (older clusters), on the job's group or an
// ancestor of the step's, the smallest one counting; "max" and missing files are no limit.
TEST(MemoryLimit, CgroupLimitsOfVersionsOneAndTwoAndTheirAncestorsCount) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("neurode-cgroup-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const auto write = [&](const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text << "\n";
  };
  constexpr auto none = std::numeric_limits<std::uint64_t>::max();
  // v2: the job's group limits, its step below says "max".
  write(root / "slurm/job_7/memory.max", "4294967296");
  write(root / "slurm/job_7/step_0/memory.max", "max");
  EXPECT_EQ(io::cgroup_memory_limit("0::/slurm/job_7/step_0\n", root.string()), 4294967296u);
  // A tighter limit lower down wins; a group without the file is skipped.
  write(root / "slurm/job_7/step_0/memory.max", "1073741824");
  EXPECT_EQ(io::cgroup_memory_limit("0::/slurm/job_7/step_0/user\n", root.string()), 1073741824u);
  // v1: the memory controller's line, among others, under ROOT/memory.
  write(root / "memory/slurm/uid_0/job_9/memory.limit_in_bytes", "2147483648");
  const std::string v1 = "12:cpuset:/slurm/uid_0/job_9\n4:memory:/slurm/uid_0/job_9/step_batch\n";
  EXPECT_EQ(io::cgroup_memory_limit(v1, root.string()), 2147483648u);
  EXPECT_EQ(io::cgroup_memory_limit("5:blkio,memory:/slurm/uid_0/job_9\n", root.string()), 2147483648u);
  // No limit anywhere, an unreadable value, or no memory line: none.
  EXPECT_EQ(io::cgroup_memory_limit("0::/elsewhere\n", root.string()), none);
  write(root / "bad/memory.max", "lots");
  EXPECT_EQ(io::cgroup_memory_limit("0::/bad\n", root.string()), none);
  EXPECT_EQ(io::cgroup_memory_limit("3:cpu:/slurm/uid_0/job_9\ngarbage\n", root.string()), none);
  fs::remove_all(root);
  // This process: at most the physical memory, and the reported source says which limit binds.
  EXPECT_GT(io::memory_limit_bytes(), 0u);
  EXPECT_NE(io::describe_memory_limit().find("B ("), std::string::npos) << io::describe_memory_limit();
}

// Issue 16, item 9 (config side).
TEST(ConfigLimits, MessagesSayTheAllowedRangeAndASecondDocumentIsRefused) {
  const std::string xor_text = source_text("tests/data/train_xor_tiny.yaml");
  expect_training_error(with(xor_text, "epochs: 4", "epochs: 2147483648"), "training.epochs",
                        {"at most 2147483647", "'2147483648'"});
  const std::string simulation = source_text("inputs/wta_two_columns.yaml");
  try {
    setup::parse_simulation_config(simulation + "---\nseed: 2\n", "two.yaml");
    ADD_FAILURE() << "a second document was accepted";
  } catch (const io::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("expected one YAML document, got 2"), std::string::npos) << e.what();
  }
}

TEST(ConfigLimits, TheExamplesStayWithinTheLimits) {
  for (const char* name :
       {"wta_two_columns.yaml", "wta_two_columns_noise.yaml", "wta_two_columns_noise_multiplicative.yaml",
        "single_column_mt.yaml", "xor_network.yaml", "parity_network.yaml"})
    EXPECT_NO_THROW(
        setup::load_simulation_config(std::string(io::build_info::source_dir) + "/inputs/" + name))
        << name;
  for (const char* name : {"train_xor.yaml", "train_wta.yaml", "train_parity.yaml", "train_hopf.yaml",
                           "train_xor_noisy.yaml", "train_wta_noisy.yaml", "quickstart_wta.yaml"})
    EXPECT_NO_THROW(setup::load_training_config(std::string(io::build_info::source_dir) + "/inputs/" + name))
        << name;
}

}  // namespace
}  // namespace neurode
