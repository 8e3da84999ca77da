// neurode_bench: Google Benchmark suite of neurode's column model, solvers and gradients, next to
// the floor (bench/floor/, a hand-written RK4/DP5 with a hand-written adjoint). Not run by ctest.
//
// Sample runs:
//   neurode_bench                                        all benchmarks
//   neurode_bench --benchmark_filter='BM_Floor|wta_discrete_rk4'
//   neurode_bench --benchmark_format=json > out.json     what bench/compare.sh reads
//   neurode_bench --check                                floor gradient == neurode's (exit 1 if not)
//   neurode_bench --export=problems.h5                   problems + gradients for column_torch.py
//   neurode_bench --profile=neurode_rk4_gradient         one call, for callgrind (profile_cases.cpp)
//   neurode_bench --benchmark_filter=dopri5 -ts_adapt_type dsp   PETSc options pass through
//
// Reference files: NEURODE_REFERENCE_DIR, else the directory configured at build time.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "checks.hpp"
#include "petsc/session.hpp"

int main(int argc, char** argv) {
  // 1. Google Benchmark removes its own --benchmark_* flags from argv.
  benchmark::Initialize(&argc, argv);

  // 2. neurode_bench's flags; everything else goes to PETSc's options database.
  bool check = false;
  std::string export_path, profile_case;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--check")
      check = true;
    else if (arg.rfind("--export=", 0) == 0)
      export_path = arg.substr(9);
    else if (arg.rfind("--profile=", 0) == 0)
      profile_case = arg.substr(10);
    else
      rest.push_back(argv[i]);
  }
  int rest_argc = static_cast<int>(rest.size());
  rest.push_back(nullptr);
  char** rest_argv = rest.data();

  // 3. PETSc (and MPI) for the lifetime of every benchmark; TS objects die inside the benchmarks.
  neurode::petsc::Session session(&rest_argc, &rest_argv);
  int status = 0;
  try {
    if (check)
      status = neurode::bench::run_checks() == 0 ? 0 : 1;
    else if (!export_path.empty())
      neurode::bench::export_problems(export_path);
    else if (!profile_case.empty())
      neurode::bench::run_profile_case(profile_case);
    else
      benchmark::RunSpecifiedBenchmarks();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "neurode_bench: %s\n", e.what());
    status = 1;
  }
  benchmark::Shutdown();
  return status;
}
