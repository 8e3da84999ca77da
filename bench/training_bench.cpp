// One training iteration (the mean loss and gradient of a batch, then the optimiser's update) of the
// WTA, XOR and parity tasks as inputs/train_*.yaml configure them (solver, gradient, loss,
// optimiser), at batch 1 and batch 16, the batch integrated as one block system. XOR has 4 patterns
// and is cycled through them to fill a batch of 16. Every iteration starts from the task's initial
// weights, so that the timed work does not drift with the training. Single rank: the MPI scaling
// has its own script (bench/mpi_scaling.sh).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "setup/training_config.hpp"
#include "statistics.hpp"
#include "train/optimizer.hpp"
#include "train/task_registry.hpp"
#include "train/trainer.hpp"

namespace {

using neurode::train::Split;

void BM_TrainingStep(benchmark::State& state, const std::string& task_name, std::size_t batch) {
  auto config = neurode::setup::load_training_config(std::string(NEURODE_BENCH_INPUTS_DIR) + "/train_" +
                                                     task_name + ".yaml");
  config.training.block_size = batch;
  config.training.batch_size = batch;
  const auto task = config.task.make();
  neurode::train::Trainer trainer(*task, config.training);
  const auto initial = trainer.initial_state().parameters;
  std::vector<std::size_t> samples(batch);
  for (std::size_t i = 0; i < batch; ++i) samples[i] = i % task->samples(Split::training);
  neurode::train::Optimizer optimizer(config.training.optimizer, initial.size());
  double loss = 0;
  for (auto _ : state) {
    auto parameters = initial;
    auto [batch_loss, gradient] = trainer.loss_and_gradient(parameters, samples, 0);
    optimizer.step(parameters, std::move(gradient), 0);
    loss = batch_loss;
    benchmark::DoNotOptimize(parameters.data());
  }
  state.counters["batch"] = static_cast<double>(batch);
  state.counters["parameters"] = static_cast<double>(initial.size());
  state.counters["loss"] = loss;
  state.counters["per_sample_s"] =
      benchmark::Counter(static_cast<double>(batch),
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.SetLabel(task->name() + ", inputs/train_" + task_name + ".yaml");
}

}  // namespace

NEURODE_BENCHMARK_CAPTURE(BM_TrainingStep, wta_b1, "wta", 1)->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_TrainingStep, wta_b16, "wta", 16)->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_TrainingStep, xor_b1, "xor", 1)->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_TrainingStep, xor_b16, "xor", 16)->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_TrainingStep, parity_b1, "parity", 1)->Unit(benchmark::kMillisecond);
NEURODE_BENCHMARK_CAPTURE(BM_TrainingStep, parity_b16, "parity", 16)->Unit(benchmark::kMillisecond);
