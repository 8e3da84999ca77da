// neurode_reduction_bench: the reduction of a data-parallel training step, the per-sample rows
// (loss and gradient: 1 + P values each) of every rank summed in global sample order, on every
// rank. Two ways, both bitwise the sequential sum:
//   BM_GradientReduction/allgather_then_sum  every rank's rows all-gathered onto every rank and
//       summed there in order (the trainer's way before mpi::ordered_sum, kept here as baseline);
//   BM_GradientReduction/ordered_chain       mpi::ordered_sum: a running sum passed along the ranks.
// Arguments: P and the rows per rank. Counters, per rank (the largest over the ranks): held_bytes
// (its rows, the gathered rows and the sum, held during a step), received_bytes (what it receives
// in a step); bitwise_equal (1: before timing, the way's sum had the bits of the sequential sum,
// which every rank computes alone from the rows' formula; else the benchmark reports an error);
// order_sensitive (how many of the P + 1 sums change when the rows are added in reverse order:
// the check is not vacuous).
//
// Both ranks must take the same steps, so iterations are fixed (no timing-based choice), time is
// the slowest rank's wall time of a step (started together after a barrier), and only rank 0
// reports. Not run by compare.sh:
//   bash tools/mpirun.sh -np 2 build/bench/neurode_reduction_bench
// Peak memory of each rank: bash tools/mpirun.sh -np 2 /usr/bin/time -f "%M KB" ... --benchmark_filter=WAY
#include <benchmark/benchmark.h>
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "mpi/ordered_sum.hpp"
#include "mpi/world.hpp"
#include "mpi_benchmark_main.hpp"
#include "statistics.hpp"

namespace {

enum class Way { allgather_then_sum, ordered_chain };

// Value k of global row i: huge values of both signs (+-1e16, where 1 is below the rounding step)
// between ordinary ones, so that the sums depend on the order of the additions.
double row_value(std::size_t i, std::size_t k) {
  std::uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull ^ (k + 1) * 0xBF58476D1CE4E5B9ull;
  z ^= z >> 31;
  const double unit = static_cast<double>(z >> 11) / 9007199254740992.0;  // [0, 1)
  switch ((i * 7 + k) % 5) {
    case 0:
      return 1e16;
    case 1:
      return -1e16;
    case 2:
      return 1.0 + unit;
    default:
      return (unit - 0.5) * 1e-3 * static_cast<double>(1 + k % 1000);
  }
}

std::vector<double> local_rows(std::size_t rows_per_rank, std::size_t width) {
  const std::size_t first = static_cast<std::size_t>(neurode::mpi::rank()) * rows_per_rank;
  std::vector<double> rows(rows_per_rank * width);
  for (std::size_t r = 0; r < rows_per_rank; ++r)
    for (std::size_t k = 0; k < width; ++k) rows[r * width + k] = row_value(first + r, k);
  return rows;
}

// The sum of one process adding every rank's rows one after the other (or in reverse), from the
// rows' formula: the reference, with neither communication nor the other ranks' rows in memory.
std::vector<double> sequential_sum(std::size_t rows, std::size_t width, bool reverse) {
  std::vector<double> sum(width, 0.0);
  for (std::size_t n = 0; n < rows; ++n)
    for (std::size_t k = 0; k < width; ++k) sum[k] += row_value(reverse ? rows - 1 - n : n, k);
  return sum;
}

// The baseline: loss and gradient of every row, gathered onto every rank and summed there in global
// order (as src/train/trainer.cpp did).
std::vector<double> allgather_then_sum(const std::vector<double>& rows, std::size_t width) {
  const auto all = neurode::mpi::allgather_concatenated(rows, MPI_COMM_WORLD);
  const std::size_t P = width - 1, samples = all.size() / width;
  double loss = 0;
  std::vector<double> gradient(P, 0.0);
  for (std::size_t s = 0; s < samples; ++s) {
    loss += all[s * width];
    for (std::size_t k = 0; k < P; ++k) gradient[k] += all[s * width + 1 + k];
  }
  gradient.insert(gradient.begin(), loss);
  return gradient;
}

std::vector<double> reduce(Way way, const std::vector<double>& rows, std::size_t width) {
  return way == Way::ordered_chain ? neurode::mpi::ordered_sum(rows, width) : allgather_then_sum(rows, width);
}

double largest_over_ranks(double x) {
  MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return x;
}

void BM_GradientReduction(benchmark::State& state, Way way) {
  const std::size_t P = static_cast<std::size_t>(state.range(0));
  const std::size_t rows_per_rank = static_cast<std::size_t>(state.range(1));
  const std::size_t width = 1 + P;
  const int rank = neurode::mpi::rank(), ranks = neurode::mpi::size();
  const auto rows = local_rows(rows_per_rank, width);

  // Once, untimed: this way's sum has the bits of the sequential sum (so both ways have the same
  // bits), and those bits depend on the order.
  const std::size_t all_rows = rows_per_rank * static_cast<std::size_t>(ranks);
  const auto expected = sequential_sum(all_rows, width, false);
  const bool equal =
      std::memcmp(reduce(way, rows, width).data(), expected.data(), width * sizeof(double)) == 0;
  const auto reversed = sequential_sum(all_rows, width, true);
  std::size_t order_sensitive = 0;
  for (std::size_t k = 0; k < width; ++k) order_sensitive += reversed[k] != expected[k];
  if (!equal) {  // the same on every rank: the sums are
    state.SkipWithError("the reduction differs from the sequential sum");
    return;
  }

  for (auto _ : state) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    const auto sum = reduce(way, rows, width);
    benchmark::DoNotOptimize(sum.data());
    state.SetIterationTime(largest_over_ranks(MPI_Wtime() - start));
  }

  const double value = sizeof(double), row = value * static_cast<double>(width);
  const double own = row * static_cast<double>(rows_per_rank), everyone = own * ranks;
  double held = 0, received = 0;
  if (way == Way::allgather_then_sum) {
    held = own + everyone + row;
    received = everyone - own;
  } else {
    held = own + row;
    received = (rank > 0 ? row : 0) + (rank + 1 < ranks ? row : 0);  // running sum, then the total
  }
  using benchmark::Counter;
  state.counters["held_bytes"] = Counter(largest_over_ranks(held), Counter::kDefaults, Counter::kIs1024);
  state.counters["received_bytes"] =
      Counter(largest_over_ranks(received), Counter::kDefaults, Counter::kIs1024);
  state.counters["ranks"] = ranks;
  state.counters["bitwise_equal"] = equal ? 1 : 0;
  state.counters["order_sensitive"] = static_cast<double>(order_sensitive);
}

void configure(benchmark::internal::Benchmark* b) {
  neurode::bench::with_min(b)
      ->Args({1000000, 16})
      ->ArgNames({"P", "rows_per_rank"})
      ->Iterations(10)
      ->Repetitions(5)
      ->DisplayAggregatesOnly(true)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK_CAPTURE(BM_GradientReduction, allgather_then_sum, Way::allgather_then_sum)->Apply(configure);
BENCHMARK_CAPTURE(BM_GradientReduction, ordered_chain, Way::ordered_chain)->Apply(configure);

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  neurode::bench::run_benchmarks_on_every_rank(argc, argv);
  MPI_Finalize();
  return 0;
}
