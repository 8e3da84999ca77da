// Forward + gradient of one batch of images through the hGRU, the path of a training step
// (train::Trainer::loss_and_gradient: blocks dealt to the ranks, gradients summed in sample order),
// on the problem of bench/baselines/torch_hgru.py: 1x32x32 images (random, standardised), a 7x7
// Gabor front end, C = 8, a 7x7 symmetric W, tanh, T = 8 with tau = 1 (Euler 8 steps is the
// discrete hGRU), read-out from each channel's maximum of H2(T) into 10 classes. Run under mpirun
// (its own executable): with P ranks each takes batch / P images, so "2 cores" is 2 ranks.
//   bash tools/mpirun.sh -np 2 build-bench/bench/neurode_hgru_bench --benchmark_filter=rk4
// --export=FILE writes the problem (images, labels, parameters) and neurode's loss and gradient
// for each solver, which torch_hgru.py --check-neurode compares with PyTorch's; --block-size=N
// (default batch / ranks) with N = 32 on 2 ranks leaves rank 1 without images, as can happen in
// training, where it must still join the sum with a zero gradient of the parameters' length.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"
#include "mpi/world.hpp"
#include "mpi_benchmark_main.hpp"
#include "petsc/session.hpp"
#include "random_images.hpp"
#include "train/hgru_image_model.hpp"
#include "train/image_classification_task.hpp"
#include "train/trainer.hpp"
#include "training_step_timer.hpp"

namespace {

constexpr double kDuration = 8.0;
constexpr std::size_t kBatch = 32;

struct Variant {
  std::string solver;  ///< euler (back-propagation) or rk4 (discrete adjoint), fixed steps
  int steps;
};
const Variant kVariants[] = {{"euler", 8}, {"rk4", 8}};

std::unique_ptr<neurode::train::ImageClassificationTask> make_task(std::size_t batch) {
  auto images = neurode::bench::random_images(batch + 1, 32, 23);  // + 1 validation image (unused)
  neurode::train::ImageClassificationSettings s;
  s.data.training_images = batch;
  s.data.validation_images = 1;
  s.data.test_images = 0;
  s.duration = kDuration;
  s.pool = neurode::train::Pool::max;  // the hGRU's default read-out
  neurode::models::HgruSettings h;     // the config's defaults (docs/hgru.md), which HgruSpec's are not
  h.spec.channels = 8;
  h.spec.kernel = 7;
  h.spec.symmetric = true;
  h.spec.front_kernel = 7;
  h.timesteps = 8;  // tau = T / 8 = 1
  s.model = std::make_shared<neurode::train::HgruImageModel>(h, kDuration);
  return std::make_unique<neurode::train::ImageClassificationTask>(s, images, neurode::io::ImageSet{});
}

neurode::train::TrainingSettings training_settings(const Variant& variant, std::size_t batch,
                                                   std::size_t block_size = 0) {
  const auto ranks = static_cast<std::size_t>(neurode::mpi::size());
  neurode::train::TrainingSettings settings;
  // One block per rank unless told otherwise.
  settings.block_size = block_size ? block_size : std::max<std::size_t>(1, batch / ranks);
  settings.solver.method = variant.solver;
  settings.solver.adaptive = false;
  settings.solver.dt = kDuration / variant.steps;
  settings.gradient.method = variant.solver == "euler" ? neurode::solvers::GradientMethod::backprop_euler
                                                       : neurode::solvers::GradientMethod::discrete;
  return settings;
}

std::vector<std::size_t> first_samples(std::size_t batch) {
  std::vector<std::size_t> samples(batch);
  for (std::size_t i = 0; i < batch; ++i) samples[i] = i;
  return samples;
}

void BM_HgruGradient(benchmark::State& state, Variant variant) {
  const std::size_t batch = static_cast<std::size_t>(state.range(0));
  const auto task = make_task(batch);
  const neurode::train::Trainer trainer(*task, training_settings(variant, batch));
  const auto parameters = task->initial_parameters();
  const auto samples = first_samples(batch);
  neurode::bench::time_training_steps(state, trainer, parameters, samples);
  state.counters["ranks"] = static_cast<double>(neurode::mpi::size());
  state.counters["batch"] = static_cast<double>(batch);
}

void configure(benchmark::internal::Benchmark* b) {
  b->Arg(kBatch)->ArgName("batch")->UseManualTime()->Unit(benchmark::kMillisecond)->MinTime(1.0);
}

/// The problem and neurode's loss and gradient of every variant, written by rank 0 (collective).
void export_problem(const std::string& path, std::size_t block_size) {
  const auto task = make_task(kBatch);
  const auto parameters = task->initial_parameters();
  const auto samples = first_samples(kBatch);
  const auto& spec = dynamic_cast<const neurode::train::HgruImageModel&>(*task->settings().model).settings();
  std::unique_ptr<neurode::io::Hdf5File> file;
  if (neurode::mpi::is_root()) {
    file = std::make_unique<neurode::io::Hdf5File>(path, neurode::io::Hdf5File::Mode::create);
    std::vector<double> images, labels;
    for (std::size_t i : samples) {
      const auto image = task->image(neurode::train::Split::training, i);
      images.insert(images.end(), image.begin(), image.end());
      labels.push_back(task->label(neurode::train::Split::training, i));
    }
    file->write("images", {kBatch, 1, 32, 32}, images.data());
    file->write("labels", labels);
    file->write("parameters", parameters);
    file->set_attribute("/", "channels", static_cast<double>(spec.spec.channels));
    file->set_attribute("/", "kernel", static_cast<double>(spec.spec.kernel));
    file->set_attribute("/", "front_kernel", static_cast<double>(spec.spec.front_kernel));
    file->set_attribute("/", "symmetric", spec.spec.symmetric ? 1.0 : 0.0);
    file->set_attribute("/", "zeta", neurode::models::to_string(spec.spec.zeta));
    file->set_attribute("/", "pool", "max");
    file->set_attribute("/", "classes", static_cast<double>(task->classes()));
    file->set_attribute("/", "T", kDuration);
    file->set_attribute("/", "ranks", static_cast<double>(neurode::mpi::size()));
    file->set_attribute("/", "block_size",
                        static_cast<double>(training_settings(kVariants[0], kBatch, block_size).block_size));
  }
  for (const Variant& v : kVariants) {
    const neurode::train::Trainer trainer(*task, training_settings(v, kBatch, block_size));
    const auto [loss, gradient] = trainer.loss_and_gradient(parameters, samples, 0);
    if (!file) continue;
    const std::string group = v.solver + "_" + std::to_string(v.steps);
    file->write_scalar(group + "/loss", loss);
    file->write(group + "/gradient", gradient);
    file->set_attribute(group, "solver", v.solver);
    file->set_attribute(group, "steps", static_cast<double>(v.steps));
  }
  if (file) file->close();
}

}  // namespace

BENCHMARK_CAPTURE(BM_HgruGradient, euler8, Variant{"euler", 8})->Apply(configure);
BENCHMARK_CAPTURE(BM_HgruGradient, rk4_8, Variant{"rk4", 8})->Apply(configure);

int main(int argc, char** argv) {
  neurode::petsc::Session session(&argc, &argv);
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) openblas_set_num_threads(1);
  std::string export_path, block_size = "0";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--export=", 0) == 0) export_path = arg.substr(9);
    if (arg.rfind("--block-size=", 0) == 0) block_size = arg.substr(13);
  }
  if (!export_path.empty()) {
    try {
      export_problem(export_path, std::stoul(block_size));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "neurode_hgru_bench: %s\n", e.what());
      return 1;
    }
    return 0;
  }
  neurode::bench::run_benchmarks_on_every_rank(argc, argv);
  return 0;
}
