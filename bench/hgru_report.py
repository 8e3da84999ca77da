#!/usr/bin/python3
"""The table of bench/compare_hgru.sh: neurode's forward + gradient per batch against PyTorch's, and the checks.
Replaces only its own section of RESULTS.md (bench/report.py keeps it when it rewrites the rest)."""
import argparse
import csv
import glob
import json
import os
import re

SECTION = "## hGRU against PyTorch"

parser = argparse.ArgumentParser()
parser.add_argument("--work", required=True)
parser.add_argument("--results", required=True)
parser.add_argument("--commit", required=True)
parser.add_argument("--quick", action="store_true", help="timings of NEURODE_BENCH_QUICK=1: say so in the section")
args = parser.parse_args()

neurode = {}  # (solver, steps, batch, cores) -> ms (median)
for path in glob.glob(os.path.join(args.work, "neurode_np*.json")):
    cores = int(re.search(r"np(\d+)", path).group(1))
    for b in json.load(open(path))["benchmarks"]:
        if b.get("aggregate_name", "median") != "median":
            continue
        m = re.match(r"BM_HgruGradient/(euler|rk4)_?(\d+)/batch:(\d+)", b["name"])
        if m:
            scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
            neurode[(m.group(1), int(m.group(2)), int(m.group(3)), cores)] = b["real_time"] * scale
torch = {}  # (solver, steps, batch, cores, dtype) -> ms
for path in glob.glob(os.path.join(args.work, "torch_t*.csv")):
    for row in csv.DictReader(open(path)):
        torch[(row["solver"], int(row["steps"]), int(row["batch"]), int(row["threads"]), row["dtype"])] = float(
            row["median_ms"])
lines = [
    SECTION,
    "",
    "Forward + gradient of one batch (`bench/compare_hgru.sh`, at %s): neurode (float64, ranks of one BLAS thread, "
    "W's convolutions through FFTW) against the same model in PyTorch (`bench/baselines/torch_hgru.py`: Euler or RK4 "
    "with autograd, `F.conv2d`, threads), both on neurode's problem: 32 images 1x32x32, 7x7 Gabor front end, C = 8, "
    "7x7 symmetric W, tanh, T = 8, tau = 1 (Euler 8 steps is the discrete hGRU), max-pooled read-out into 10 classes. "
    "Ratio = PyTorch's time / neurode's: above 1, neurode is faster. Load average at the end: %.1f on %d cores.%s"
    % (args.commit, os.getloadavg()[0], os.cpu_count(),
       " **Quick run** (NEURODE_BENCH_QUICK=1, one repetition): for trying the script, not a measurement."
       if args.quick else ""),
    "",
    "| solver | steps | batch | cores | neurode f64 ms | PyTorch f64 ms | ratio f64 | PyTorch f32 ms | ratio f32 |",
    "|---|---|---|---|---|---|---|---|---|",
]
fmt = lambda t: "-" if t is None else "%.1f" % t
for key in sorted(neurode):
    ours = neurode[key]
    t64, t32 = torch.get(key + ("float64",)), torch.get(key + ("float32",))
    ratio = lambda t: "-" if t is None else "%.2f" % (t / ours)
    lines.append("| %s | %d | %d | %d | %.1f | %s | %s | %s | %s |" % (key + (ours, fmt(t64), ratio(t64), fmt(t32),
                                                                        ratio(t32))))
check = os.path.join(args.work, "check.txt")
if os.path.exists(check):
    lines += ["", "Checks (PyTorch float64 against `hgru.h5`, RK4 4000 steps; neurode's gradient against PyTorch's):",
              "", "```", open(check).read().rstrip(), "```"]
section = "\n".join(lines) + "\n"
print(section)
text = open(args.results).read() if os.path.exists(args.results) else ""
start = text.find(SECTION)
if start >= 0:
    end = text.find("\n## ", start + 1)
    text = text[:start] + section + ("\n" + text[end + 1:] if end >= 0 else "")
else:
    text = text.rstrip("\n") + "\n\n" + section
open(args.results, "w").write(text)
