#!/usr/bin/env bash
# One command for the benchmark comparison: builds neurode_bench if needed, checks the floor's and
# PyTorch's gradients against neurode's, runs neurode's benchmarks, the floor (bench/floor/) and the
# PyTorch baseline (bench/baselines/column_torch.py) on the same problems, each benchmark in its own
# process under /usr/bin/time -v for its peak memory, and writes the table of times and ratios to
# bench/RESULTS.md (and stdout).
#
#   bench/compare.sh                       full run (about 25 minutes on 2 cores)
#   NEURODE_BENCH_QUICK=1 bench/compare.sh shorter timings, for trying the script
#   NEURODE_BENCH_PART=columns|vision|hgru only the column-model part (steps 1-6), only the
#                                          predictive-coding part (step 7, bench/compare_vision.sh)
#                                          or only the hGRU part (step 8, bench/compare_hgru.sh)
#
# Environment: NEURODE_BENCH_BUILD_DIR (default build-bench/), NEURODE_REFERENCE_DIR (reference .h5),
# NEURODE_BENCH_RESULTS (default bench/RESULTS.md). Run it on an otherwise idle machine: times are
# CPU times of one core, and the ratios are only meaningful when all runs see the same machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
part=${NEURODE_BENCH_PART:-all}
case "$part" in all | columns | vision | hgru) ;; *)
  echo "bench/compare.sh: NEURODE_BENCH_PART must be all, columns, vision or hgru, not '$part'" >&2
  exit 2
  ;;
esac
# 7. Predictive coding and 8. the hGRU against PyTorch (their own sections of RESULTS.md), after
# the column part.
run_vision() { bash "$root/bench/compare_vision.sh"; }
run_hgru() { bash "$root/bench/compare_hgru.sh"; }
if [ "$part" = vision ]; then
  run_vision
  exit 0
fi
if [ "$part" = hgru ]; then
  run_hgru
  exit 0
fi
build=${NEURODE_BENCH_BUILD_DIR:-$root/build-bench}
results=${NEURODE_BENCH_RESULTS:-$root/bench/RESULTS.md}
python=/usr/bin/python3  # Debian's, where python3-torch installs
work=$(mktemp -d "${TMPDIR:-/tmp}/neurode-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. Dependencies (PyTorch, h5py, GNU time) and the benchmark binary, built on one core.
"$root/tools/install-bench-dependencies.sh"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target neurode_bench -j 1 -- --no-print-directory >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  exit 1
}
bench=$build/bench/neurode_bench

# 2. Correctness first: floor == neurode (discrete RK4 and DP5 adjoints), then the shared problems.
echo "== checks"
"$bench" --check | tee "$work/check.txt"
"$bench" --export="$work/problems.h5"

# 3. neurode and the floor: one process per benchmark, so that each gets its own peak RSS.
if [ -n "${NEURODE_BENCH_QUICK:-}" ]; then
  timing=(--benchmark_min_time=0.05 --benchmark_repetitions=1)
else
  timing=(--benchmark_min_time=0.5 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true)
fi
mapfile -t all_names < <("$bench" --benchmark_list_tests=true)
# The neurode / floor pairs run next to each other, four times (before and after the PyTorch runs,
# then twice more), and what is compared with PyTorch twice; the report keeps each benchmark's
# fastest pass, so that a burst of load from other processes does not land on one side of a ratio
# only (on a shared host the floor's own fastest time can move by 15% or more between runs).
pairs=(BM_Floor_rk4/forward BM_Forward/rk4 BM_Floor_rk4/gradient BM_Gradient/wta_discrete_rk4
  BM_Floor_dp5/forward BM_Forward/dopri5 BM_Floor_dp5/forward_outputs_10ms BM_Forward/dopri5_outputs_10ms
  BM_Floor_dp5/gradient BM_Gradient/wta_discrete_dopri5)
torch_pairs=(BM_Gradient/wta_backprop_euler BM_Gradient/wta_b16_backprop_euler BM_Gradient/wta_b16_discrete_rk4
  BM_Gradient/xor_backprop_euler BM_Gradient/xor_discrete_rk4 BM_Gradient/xor_b16_backprop_euler
  BM_Gradient/xor_b16_discrete_rk4)
others=()
for name in "${all_names[@]}"; do
  [[ " ${pairs[*]} " == *" $name "* ]] || others+=("$name")
done
/usr/bin/time -v -o "$work/rss_baseline_neurode.txt" "$bench" --benchmark_filter='^$' >/dev/null 2>&1 || true
run=0
run_benchmarks() {
  local name
  for name in "$@"; do
    run=$((run + 1))
    printf '  [%2d] %s\n' "$run" "$name"
    /usr/bin/time -v -o "$work/rss_bench_$run.txt" "$bench" --benchmark_filter="^${name}\$" "${timing[@]}" \
      --benchmark_format=json --benchmark_out="$work/bench_$run.json" --benchmark_out_format=json >/dev/null
    printf '%s\t%s\t%s\n' "$name" "$work/bench_$run.json" "$work/rss_bench_$run.txt" >>"$work/bench_index.tsv"
  done
}
echo "== neurode_bench and the floor (${#all_names[@]} benchmarks; pairs four times)"
run_benchmarks "${pairs[@]}" "${others[@]}"

# 4. PyTorch: one process per case (peak RSS), Euler and RK4, checked against neurode's gradients.
echo "== PyTorch baseline"
torch_repeat=()
[ -n "${NEURODE_BENCH_QUICK:-}" ] && torch_repeat=(--repeat 1)
/usr/bin/time -v -o "$work/rss_baseline_torch.txt" "$python" -c "import torch, h5py, numpy" 2>/dev/null
for case in wta_b1 wta_b16 xor_b1 xor_b16; do
  /usr/bin/time -v -o "$work/rss_torch_$case.txt" "$python" "$root/bench/baselines/column_torch.py" \
    "$work/problems.h5" --cases "$case" --json "$work/torch.jsonl" "${torch_repeat[@]}"
done
echo "== second pass of the compared benchmarks"
run_benchmarks "${pairs[@]}" "${torch_pairs[@]}"
echo "== third and fourth passes of the neurode / floor pairs"
run_benchmarks "${pairs[@]}"
run_benchmarks "${pairs[@]}"

# 5. Instruction counts (callgrind): one call of each computation, repeatable on a loaded machine.
if command -v valgrind >/dev/null && [ -z "${NEURODE_BENCH_NO_CALLGRIND:-}" ]; then
  echo "== callgrind"
  for case in $("$bench" --profile=list 2>&1 | sed -n 's/.*known: //p'); do
    printf '  %s\n' "$case"
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind_$case.out" \
      --toggle-collect='neurode_bench_profiled_region*' "$bench" --profile="$case" >/dev/null 2>"$work/callgrind_$case.log"
    printf '%s\t%s\n' "$case" "$(sed -n 's/.*Collected : //p' "$work/callgrind_$case.log")" >>"$work/callgrind.tsv"
  done
  for case in neurode_rk4_gradient neurode_dp5_forward floor_rk4_gradient; do
    callgrind_annotate --inclusive=no "$work/callgrind_$case.out" 2>/dev/null |
      grep -E '^ *[0-9,]+ \(' | grep -v 'PROGRAM TOTALS' | head -12 | cut -c1-150 >"$work/hotspots_$case.txt" || true
  done
fi

# 6. The table.
"$python" "$root/bench/report.py" --work "$work" --output "$results"
cat "$results"
if [ "$part" = all ]; then
  run_vision
  run_hgru
fi
exit 0
