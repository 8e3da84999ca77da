// Forward + gradient of one batch of images through predictive coding, the path of a training step
// (train::Trainer::loss_and_gradient: blocks dealt to the ranks, gradients summed in sample order),
// on the networks of bench/baselines/torch_predictive_coding.py:
//   conv:  1x28x28 -> 16x14x14 -> 32x7x7 (kernels 4, stride 2, padding 1), read-out from all of r2;
//   dense: 784 -> 128 -> 32;
// Gaussian prior, k1 = 0.5, k2 = 0.3, alpha = 0.05, T = 10. Run under mpirun (its own executable):
// with P ranks each takes batch / P images, so "2 cores" is 2 ranks of one BLAS thread each.
//   bash tools/mpirun.sh -np 2 build/bench/neurode_vision_bench --benchmark_filter=conv
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

#include "mpi/world.hpp"
#include "mpi_benchmark_main.hpp"
#include "petsc/session.hpp"
#include "random_images.hpp"
#include "train/image_classification_task.hpp"
#include "train/predictive_coding_image_model.hpp"
#include "train/trainer.hpp"
#include "training_step_timer.hpp"

namespace {

using neurode::models::LevelSpec;

struct Variant {
  std::string solver;  ///< euler, rk4 (fixed steps) or dopri5 (adaptive, rtol = atol = 1e-3)
  int steps;
};

std::unique_ptr<neurode::train::ImageClassificationTask> make_task(bool conv, std::size_t batch) {
  auto images = neurode::bench::random_images(batch + 1, 28, 17);  // + 1 validation image (unused)
  neurode::train::ImageClassificationSettings s;
  s.data.training_images = batch;
  s.data.validation_images = 1;
  s.data.test_images = 0;
  s.duration = 10.0;
  neurode::models::PredictiveCodingSettings pc;
  if (conv)
    pc.spec.levels = {{LevelSpec::Kind::convolution, 0, 16, 4, 2, 1},
                      {LevelSpec::Kind::convolution, 0, 32, 4, 2, 1}};
  else
    pc.spec.levels = {{LevelSpec::Kind::dense, 128, 0, 0, 0, 0}, {LevelSpec::Kind::dense, 32, 0, 0, 0, 0}};
  pc.spec.k1 = 0.5;
  pc.spec.k2 = 0.3;
  pc.spec.alpha = 0.05;
  // As the PyTorch baseline: at 1 the conv network is too stiff for Euler and RK4 at dt = 1.
  pc.weight_scale = 0.5;
  s.model = std::make_shared<neurode::train::PredictiveCodingImageModel>(pc);
  return std::make_unique<neurode::train::ImageClassificationTask>(s, images, neurode::io::ImageSet{});
}

void BM_VisionGradient(benchmark::State& state, bool conv, Variant variant) {
  const std::size_t batch = static_cast<std::size_t>(state.range(0));
  const auto ranks = static_cast<std::size_t>(neurode::mpi::size());
  const auto task = make_task(conv, batch);
  neurode::train::TrainingSettings settings;
  settings.block_size = std::max<std::size_t>(1, batch / ranks);
  settings.solver.method = variant.solver;
  if (variant.solver == "dopri5") {
    settings.solver.rtol = settings.solver.atol = 1e-3;
  } else {
    settings.solver.adaptive = false;
    settings.solver.dt = 10.0 / variant.steps;
  }
  settings.gradient.method = variant.solver == "euler" ? neurode::solvers::GradientMethod::backprop_euler
                                                       : neurode::solvers::GradientMethod::discrete;
  const neurode::train::Trainer trainer(*task, settings);
  const auto parameters = task->initial_parameters();
  std::vector<std::size_t> samples(batch);
  for (std::size_t i = 0; i < batch; ++i) samples[i] = i;
  neurode::bench::time_training_steps(state, trainer, parameters, samples);
  state.counters["ranks"] = static_cast<double>(ranks);
  state.counters["batch"] = static_cast<double>(batch);
}

void configure(benchmark::internal::Benchmark* b) {
  b->Arg(32)->Arg(128)->ArgName("batch")->UseManualTime()->Unit(benchmark::kMillisecond)->MinTime(1.0);
}

}  // namespace

BENCHMARK_CAPTURE(BM_VisionGradient, conv_euler10, true, Variant{"euler", 10})->Apply(configure);
BENCHMARK_CAPTURE(BM_VisionGradient, conv_euler20, true, Variant{"euler", 20})->Apply(configure);
BENCHMARK_CAPTURE(BM_VisionGradient, conv_rk4_10, true, Variant{"rk4", 10})->Apply(configure);
BENCHMARK_CAPTURE(BM_VisionGradient, conv_dopri5, true, Variant{"dopri5", 0})->Apply(configure);
BENCHMARK_CAPTURE(BM_VisionGradient, dense_euler10, false, Variant{"euler", 10})->Apply(configure);
BENCHMARK_CAPTURE(BM_VisionGradient, dense_euler20, false, Variant{"euler", 20})->Apply(configure);
BENCHMARK_CAPTURE(BM_VisionGradient, dense_rk4_10, false, Variant{"rk4", 10})->Apply(configure);
BENCHMARK_CAPTURE(BM_VisionGradient, dense_dopri5, false, Variant{"dopri5", 0})->Apply(configure);

int main(int argc, char** argv) {
  neurode::petsc::Session session(&argc, &argv);
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) openblas_set_num_threads(1);
  neurode::bench::run_benchmarks_on_every_rank(argc, argv);
  return 0;
}
