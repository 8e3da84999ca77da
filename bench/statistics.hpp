#pragma once
// The minimum over repetitions as an extra Google Benchmark aggregate ("_min"): on a shared
// machine other processes only ever add time, so the fastest repetition is the best estimate of
// the cost (bench/compare.sh reports it).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

namespace neurode::bench {

inline benchmark::internal::Benchmark* with_min(benchmark::internal::Benchmark* b) {
  return b->ComputeStatistics(
      "min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
}

}  // namespace neurode::bench

/// BENCHMARK_CAPTURE with the "min" aggregate.
#define NEURODE_BENCHMARK_CAPTURE(func, test_case_name, ...)                                         \
  BENCHMARK_PRIVATE_DECLARE(func) = ::neurode::bench::with_min(                                      \
      ::benchmark::internal::RegisterBenchmarkInternal(new ::benchmark::internal::FunctionBenchmark( \
          #func "/" #test_case_name, [](::benchmark::State& st) { func(st, __VA_ARGS__); })))
