#!/usr/bin/python3
"""Plots the strong error against the cost written by examples/sde_error_cost.cpp (CSV) into a PNG:
one panel per task, error against vector-field evaluations, one line per method.

usage: /usr/bin/python3 tools/plot_error_cost.py ERROR_COST.csv OUT.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, out = sys.argv[1], sys.argv[2]
    with open(path) as f:
        rows = [r for r in csv.DictReader(f) if r["error"] not in ("nan", "")]
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    if not rows:
        print(f"{path}: no rows with an error", file=sys.stderr)
        return 1
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.5 * len(tasks), 4), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for method in dict.fromkeys(r["method"] for r in rows if r["task"] == task):
            points = sorted((float(r["evaluations"]), float(r["error"]), r["setting"])
                            for r in rows if r["task"] == task and r["method"] == method)
            ax.loglog([p[0] for p in points], [p[1] for p in points], "o-", label=method)
            for x, y, setting in points:
                ax.annotate(setting, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_title(f"noisy {task} (sigma 10 mV/sqrt(s))")
        ax.set_xlabel("vector-field evaluations")
        ax.set_ylabel("strong error at the end (max over the state)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
