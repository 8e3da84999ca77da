#!/usr/bin/python3
"""Plots the psychometric curves written by examples/wta_psychometric.cpp (CSV) into a PNG.

usage: /usr/bin/python3 tools/plot_psychometric.py CURVES.csv OUT.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, out = sys.argv[1], sys.argv[2]
    with open(path) as f:
        names = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for j, name in enumerate(names[1:], start=1):
        label = "Wong-Wang, sigma 0.02 nA" if name == "wong_wang" else \
            "column network, sigma %s mV/sqrt(s)" % name.rsplit("_", 1)[-1]
        ax.plot(data[:, 0], data[:, j], "o-" if name == "wong_wang" else ".-", label=label,
                color="black" if name == "wong_wang" else None)
    ax.set_xlabel("mu_A - mu_B (Hz), mean 30 Hz")
    ax.set_ylabel("P(choose A)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
