#pragma once
// The timed loop of the image benchmarks (vision_bench.cpp, hgru_bench.cpp): one training step's
// loss and gradient per iteration on every rank, timed from a barrier to the slowest rank's end (a
// step is as slow as its slowest rank), reported as manual time.
#include <benchmark/benchmark.h>
#include <mpi.h>

#include <cstddef>
#include <exception>
#include <vector>

#include "train/trainer.hpp"

namespace neurode::bench {

inline void time_training_steps(benchmark::State& state, const train::Trainer& trainer,
                                const std::vector<double>& parameters,
                                const std::vector<std::size_t>& samples) {
  for (auto _ : state) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    try {
      const auto result = trainer.loss_and_gradient(parameters, samples, 0);
      benchmark::DoNotOptimize(result.second.data());
    } catch (const std::exception& e) {  // the same on every rank: the sums are
      state.SkipWithError(e.what());
      break;
    }
    double seconds = MPI_Wtime() - start;
    MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    state.SetIterationTime(seconds);
  }
}

}  // namespace neurode::bench
