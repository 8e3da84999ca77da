#!/usr/bin/env bash
# Predictive coding: neurode's forward + gradient of one batch (bench/vision_bench.cpp) against the
# same model in PyTorch (bench/baselines/torch_predictive_coding.py, Euler and RK4 with autograd,
# float32 as users run it and float64), at batch 32 and 128, on 1 and 2 cores (2 MPI ranks for
# neurode, 2 threads for PyTorch). Writes the table to bench/RESULTS.md's section
# "Predictive coding against PyTorch" (replacing it) and to stdout. About 10 minutes on 2 cores;
# NEURODE_BENCH_QUICK=1 for a short try. Run on an otherwise idle machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEURODE_BENCH_BUILD_DIR:-$root/build-bench}
results=${NEURODE_BENCH_RESULTS:-$root/bench/RESULTS.md}
python=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/neurode-vision-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$root/tools/install-bench-dependencies.sh"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target neurode_vision_bench -j 2 -- --no-print-directory >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  exit 1
}
min_time=1.0 repeats=3 torch_seconds=1.0
[ -n "${NEURODE_BENCH_QUICK:-}" ] && min_time=0.1 repeats=1 torch_seconds=0.2
filter='euler10|rk4_10'
for np in 1 2; do
  echo "== neurode, $np rank(s)"
  bash "$root/tools/mpirun.sh" -np $np "$build/bench/neurode_vision_bench" --benchmark_filter="$filter" \
    --benchmark_min_time=$min_time --benchmark_repetitions=$repeats --benchmark_report_aggregates_only=true \
    --benchmark_out="$work/neurode_np$np.json" --benchmark_out_format=json
done
echo "== PyTorch"
for threads in 1 2; do
  OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads "$python" "$root/bench/baselines/torch_predictive_coding.py" \
    --model conv,dense --solver euler,rk4 --steps 10 --batch 32,128 --dtype float32,float64 --threads $threads \
    --conv-transpose native,conv-backward --min-seconds $torch_seconds --output "$work/torch_t$threads.csv"
done
"$python" "$root/bench/vision_report.py" --work "$work" --results "$results" --commit "$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo '+uncommitted')"
