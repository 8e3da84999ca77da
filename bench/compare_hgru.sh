#!/usr/bin/env bash
# hGRU: neurode's forward + gradient of one batch of 32 images (bench/hgru_bench.cpp) against the same
# model in PyTorch (bench/baselines/torch_hgru.py, Euler and RK4 with autograd, float32 as users run
# it and float64), 8 steps, on 1 and 2 cores (2 MPI ranks for neurode, 2 threads for PyTorch).
# Checks first: PyTorch against the reference hgru.h5, and neurode's gradient against PyTorch's on
# the benchmark problem (1 rank, 2 ranks, and 2 ranks of which one has no images); any failure
# stops the script. Writes the table to bench/RESULTS.md's section "hGRU against PyTorch"
# (replacing it) and to stdout. About 6 minutes on 2 cores (PyTorch's float64 takes most); NEURODE_BENCH_QUICK=1 for a short try.
# Run on an otherwise idle machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEURODE_BENCH_BUILD_DIR:-$root/build-bench}
results=${NEURODE_BENCH_RESULTS:-$root/bench/RESULTS.md}
reference=${NEURODE_REFERENCE_DIR:-$root/../shared/reference}
python=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/neurode-hgru-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$root/tools/install-bench-dependencies.sh"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target neurode_hgru_bench -j 1 -- --no-print-directory >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  exit 1
}
bench=$build/bench/neurode_hgru_bench
torch_hgru=$root/bench/baselines/torch_hgru.py

echo "== checks"
"$python" "$torch_hgru" --check "$reference/vision/hgru.h5" | tee "$work/check.txt"
for case in "1 0" "2 0" "2 32"; do
  read -r np block <<<"$case"
  bash "$root/tools/mpirun.sh" -np "$np" "$bench" --export="$work/problem_np${np}_b$block.h5" --block-size="$block"
  echo "neurode on $np rank(s), block size $([ "$block" = 0 ] && echo "32 / ranks" || echo "$block"):" |
    tee -a "$work/check.txt"
  "$python" "$torch_hgru" --check-neurode "$work/problem_np${np}_b$block.h5" | tee -a "$work/check.txt"
done

min_time=1.0 repeats=3 torch=(--min-seconds 2.0) quick=()
# A PyTorch float64 RK4 call takes about 10 s: the quick try runs each case twice (1 warm-up).
[ -n "${NEURODE_BENCH_QUICK:-}" ] && min_time=0.1 repeats=1 torch=(--min-seconds 0 --warmup 1 --min-repeats 1) quick=(--quick)
for np in 1 2; do
  echo "== neurode, $np rank(s)"
  bash "$root/tools/mpirun.sh" -np $np "$bench" --benchmark_min_time=$min_time --benchmark_repetitions=$repeats \
    --benchmark_report_aggregates_only=true --benchmark_out="$work/neurode_np$np.json" --benchmark_out_format=json
done
echo "== PyTorch"
for threads in 1 2; do
  OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads "$python" "$torch_hgru" --problem "$work/problem_np1_b0.h5" \
    --solver euler,rk4 --steps 8 --dtype float32,float64 --threads $threads "${torch[@]}" \
    --output "$work/torch_t$threads.csv"
done
"$python" "$root/bench/hgru_report.py" --work "$work" --results "$results" "${quick[@]}" \
  --commit "$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo '+uncommitted')"
