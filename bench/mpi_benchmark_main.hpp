#pragma once
// The body of main() for benchmarks run under mpirun: every rank runs the same benchmarks (they
// are collective), rank 0 alone reports and writes --benchmark_out (the others would truncate it).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mpi/world.hpp"

namespace neurode::bench {

/// Discards what the ranks other than 0 would print.
class SilentReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

/// Runs the registered benchmarks on every rank (MPI initialised by the caller).
inline void run_benchmarks_on_every_rank(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  if (!neurode::mpi::is_root())
    args.erase(std::remove_if(args.begin() + 1, args.end(),
                              [](const char* a) { return std::string(a).rfind("--benchmark_out", 0) == 0; }),
               args.end());
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&count, args.data());
  SilentReporter silent;
  if (neurode::mpi::is_root())
    benchmark::RunSpecifiedBenchmarks();
  else
    benchmark::RunSpecifiedBenchmarks(&silent);
  benchmark::Shutdown();
}

}  // namespace neurode::bench
