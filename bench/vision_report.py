#!/usr/bin/python3
"""The table of bench/compare_vision.sh: neurode's forward + gradient per batch against PyTorch's."""
import argparse
import csv
import glob
import json
import os
import re

parser = argparse.ArgumentParser()
parser.add_argument("--work", required=True)
parser.add_argument("--results", required=True)
parser.add_argument("--commit", required=True)
args = parser.parse_args()

neurode = {}  # (model, solver, steps, batch, cores) -> ms (median)
for path in glob.glob(os.path.join(args.work, "neurode_np*.json")):
    cores = int(re.search(r"np(\d+)", path).group(1))
    for b in json.load(open(path))["benchmarks"]:
        if b.get("aggregate_name", "median") != "median":
            continue
        m = re.match(r"BM_VisionGradient/(conv|dense)_(euler|rk4)_?(\d+)/batch:(\d+)", b["name"])
        if m:
            key = (m.group(1), m.group(2), int(m.group(3)), int(m.group(4)), cores)
            neurode[key] = b["real_time"] if b["time_unit"] == "ms" else b["real_time"] / 1e6
torch = {}  # (model, solver, steps, batch, cores, dtype) -> ms
for path in glob.glob(os.path.join(args.work, "torch_t*.csv")):
    for row in csv.DictReader(open(path)):
        key = (row["model"], row["solver"], int(row["steps"]), int(row["batch"]), int(row["threads"]), row["dtype"])
        # The faster of PyTorch's two transposed-convolution forms: the strongest baseline.
        torch[key] = min(torch.get(key, float("inf")), float(row["median_ms"]))
lines = [
    "## Predictive coding against PyTorch",
    "",
    "Forward + gradient of one batch (`bench/compare_vision.sh`, at %s): neurode (float64, ranks of one "
    "BLAS thread) against the same model in PyTorch (Euler or RK4 with autograd, its own convolutions, "
    "threads, the faster of its two transposed-convolution forms). Ratio = PyTorch's time / neurode's: above 1, neurode is faster. Networks: conv 1x28x28 -> "
    "16x14x14 -> 32x7x7, dense 784 -> 128 -> 32; T = 10." % args.commit,
    "",
    "| network | solver | steps | batch | cores | neurode f64 ms | PyTorch f64 ms | ratio f64 | PyTorch f32 ms | ratio f32 |",
    "|---|---|---|---|---|---|---|---|---|---|",
]
for key in sorted(neurode):
    model, solver, steps, batch, cores = key
    ours = neurode[key]
    t64, t32 = torch.get(key + ("float64",)), torch.get(key + ("float32",))
    fmt = lambda t: "-" if t is None else "%.1f" % t
    ratio = lambda t: "-" if t is None else "%.2f" % (t / ours)
    lines.append("| %s | %s | %d | %d | %d | %.1f | %s | %s | %s | %s |" % (
        model, solver, steps, batch, cores, ours, fmt(t64), ratio(t64), fmt(t32), ratio(t32)))
section = "\n".join(lines) + "\n"
print(section)
text = open(args.results).read() if os.path.exists(args.results) else ""
start = text.find("## Predictive coding against PyTorch")
if start >= 0:
    end = text.find("\n## ", start + 1)
    text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
else:
    text = text.rstrip("\n") + "\n\n" + section
open(args.results, "w").write(text)
