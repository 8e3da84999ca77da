#!/usr/bin/env bash
# The whole test suite on a build with AddressSanitizer and UndefinedBehaviorSanitizer
# (-DNEURODE_SANITIZE=ON), the Slurm jobs test aside: configures and builds into build-sanitize/
# (override with NEURODE_BUILD_DIR), then runs CTest. Extra arguments go to ctest (e.g. -R cli_).
#   bash tools/sanitize.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEURODE_BUILD_DIR:-$root/build-sanitize}
jobs=${NEURODE_BUILD_JOBS:-$(nproc)}

# The sanitizers' run-time settings, exported so that they reach every process: CTest passes its
# environment to the tests, and mpirun (tools/mpirun.sh and the MPI tests) to the ranks it starts
# on this machine. They are needed while building too: gtest_discover_tests runs each test
# executable to list its cases.
# - detect_leaks=0: Open MPI and PETSc keep allocations until the process ends by design (their
#   global tables and dlopen'ed components are never freed), so LeakSanitizer would fail every
#   test at exit on memory that is not neurode's: `neurode --help` alone reports 122 kB in 3357
#   allocations, from libmpi (ompi_op_base_op_select) and Open MPI's components. Use after free,
#   overflows and double frees are still caught.
# - abort_on_error=0 with exitcode=23: a finding ends the process with a code no neurode command
#   uses (0-5), so a CLI test that expects a particular exit code fails on it too.
# - allocator_may_return_null=1: a failed malloc returns NULL as without ASan (HDF5 then reports an
#   error that neurode turns into its one line) instead of ending in an ASan report. (A failed
#   operator new still ends in one: ASan's runtime cannot throw std::bad_alloc.)
# - max_allocation_size_mb, hard_rss_limit_mb: no process may take more than 4 GB, as under the
#   bad-input suite's address-space limit (ulimit -v) without sanitizers. ASan cannot run under
#   that limit (its shadow memory takes terabytes of address space), so tests/support/bad_inputs.py
#   leaves it off here, and these keep a run from taking the shared machine's memory.
# - UBSAN: a stack with the report, and the first undefined behaviour ends the process (the build
#   also has -fno-sanitize-recover=undefined).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:exitcode=23:allocator_may_return_null=1:max_allocation_size_mb=4096:hard_rss_limit_mb=4096}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ ! -f "$build/CMakeCache.txt" ]; then
  # RelWithDebInfo: optimised as the tests' timeouts expect, with line numbers in the reports.
  # No benchmarks: the suite does not run them.
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNEURODE_SANITIZE=ON \
    -DNEURODE_BUILD_BENCHMARKS=OFF >/dev/null
fi
cmake --build "$build" -j "$jobs" -- --no-print-directory >/dev/null 2>"$build/build-errors.log" || {
  cat "$build/build-errors.log" >&2
  exit 1
}
cd "$build"
# The Slurm jobs test starts slurmctld and slurmd, which are not neurode's, and runs neurode under
# srun, which does not pass this environment through to job steps reliably; everything else runs.
ctest --output-on-failure -j 2 --timeout 900 -E '^cli_slurm_jobs$' "$@"
