#!/usr/bin/env bash
# neurode against the strongest PyTorch form of its baseline at every batch size: the WTA trial's
# forward + gradient per sample (float64, dt = 1e-4, Euler with back-propagation and RK4), PyTorch
# (bench/baselines/column_torch.py) eager and compiled by TorchScript at batch 1, 16, 256 and 1024,
# neurode at blocks of 1, 16 and 64 trials. Each side's gradient is checked against the other's.
# Prints a markdown section and writes it into bench/RESULTS.md as a "run separately" section
# (bench/compare.sh keeps it).
#
#   bash bench/pytorch_batches.sh            (about 15 minutes on 2 cores; run on an idle machine)
#   NEURODE_BENCH_QUICK=1 bash bench/pytorch_batches.sh   one repetition each, for trying it
#
# Environment: NEURODE_BENCH_BUILD_DIR (default build/), NEURODE_REFERENCE_DIR, NEURODE_BENCH_RESULTS.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEURODE_BENCH_BUILD_DIR:-$root/build}
results=${NEURODE_BENCH_RESULTS:-$root/bench/RESULTS.md}
export NEURODE_REFERENCE_DIR=${NEURODE_REFERENCE_DIR:-$root/../shared/reference}
work=$(mktemp -d "${TMPDIR:-/tmp}/neurode-batches.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$root/tools/install-bench-dependencies.sh"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target neurode_bench -j "$(nproc)" -- --no-print-directory >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  exit 1
}
bench=$build/bench/neurode_bench
"$bench" --export="$work/problems.h5"

if [ -n "${NEURODE_BENCH_QUICK:-}" ]; then
  timing=(--benchmark_min_time=0.05 --benchmark_repetitions=1)
  repeat=(--repeat 1)
else
  timing=(--benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
  repeat=()
fi
echo "== neurode (one core)"
"$bench" --benchmark_filter='^BM_Gradient/wta_(b16_|b64_)?(backprop_euler|discrete_rk4)$' "${timing[@]}" \
  --benchmark_format=json --benchmark_out="$work/neurode.json" --benchmark_out_format=json >/dev/null
echo "== PyTorch (one thread), eager and TorchScript"
for case in wta_b1 wta_b16 wta_b256 wta_b1024; do
  /usr/bin/time -v -o "$work/rss_$case.txt" /usr/bin/python3 "$root/bench/baselines/column_torch.py" \
    "$work/problems.h5" --cases "$case" --modes eager,script --json "$work/torch.jsonl" "${repeat[@]}"
done
/usr/bin/python3 - "$work" "$results" "$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo '+changes')" <<'PY'
import json, os, re, sys
work, results, commit = sys.argv[1:4]
bench = json.load(open(os.path.join(work, "neurode.json")))
best = {}
entries = bench["benchmarks"]
if any("aggregate_name" in b for b in entries):  # repetitions: their medians
    entries = [b for b in entries if b.get("aggregate_name") == "median"]
for b in entries:
    name = b["run_name"] if "run_name" in b else b["name"]
    trials = b.get("trials", 1)
    method = "euler" if "euler" in name else "rk4"
    seconds = b["cpu_time"] / {"ms": 1e3, "us": 1e6, "ns": 1e9, "s": 1.0}[b["time_unit"]]
    best.setdefault(method, {})[int(trials)] = seconds / trials
torch = [json.loads(line) for line in open(os.path.join(work, "torch.jsonl")) if line.strip()]
lines = ["## PyTorch at every batch size (run separately: bench/pytorch_batches.sh)", "",
         f"At {commit}. Forward + gradient of the WTA trial (48 states per trial, 1500 steps of 1e-4 s, float64), "
         "seconds per sample, one core each (PyTorch one thread). neurode: backprop-euler and discrete RK4, blocks "
         "of 1, 16 and 64 trials (a batch of 256 or 1024 runs as blocks of the best size). PyTorch: "
         "bench/baselines/column_torch.py, eager and with its step loop compiled by TorchScript; its best mode at each "
         "batch is compared. Ratio = PyTorch / neurode's best block: above 1, neurode is faster.", "",
         "| method | neurode block 1 | block 16 | block 64 | batch | PyTorch eager | PyTorch TorchScript | PyTorch best / neurode best | gradient check |",
         "|---|---|---|---|---|---|---|---|---|"]
for method in ("euler", "rk4"):
    ours = best.get(method, {})
    neurode_best = min(ours.values())
    for B in (1, 16, 256, 1024):
        runs = {r["mode"]: r for r in torch if r["method"] == method and r["trials"] == B}
        if not runs:
            continue
        torch_best = min(r["seconds_per_sample"] for r in runs.values())
        check = "ok" if all(r["check"] == "ok" for r in runs.values()) else "FAILED"
        cell = lambda m: "%.3g" % runs[m]["seconds_per_sample"] if m in runs else "n/a"
        lines.append(f"| {method} | {ours.get(1, float('nan')):.3g} | {ours.get(16, float('nan')):.3g} | "
                     f"{ours.get(64, float('nan')):.3g} | {B} | {cell('eager')} | {cell('script')} | "
                     f"{torch_best / neurode_best:.1f} | {check} |")
section = "\n".join(lines) + "\n"
print(section)
if os.path.exists(results):
    text = open(results).read()
    pattern = re.compile(r"## PyTorch at every batch size \(run separately.*?(?=\n## |\Z)", re.S)
    text = pattern.sub(section.rstrip("\n"), text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    open(results, "w").write(text)
PY
