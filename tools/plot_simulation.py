#!/usr/bin/python3
"""Plot a neurode simulation file. A column network (a rate component `r` indexed by population)
gets the L2/3e rates and every population's rate per column; a stochastic run with several noise
realisations gets, per column, every population's rate averaged over the first trial's
realisations, with the L2/3e rate's +- 1 standard deviation band and a few single realisations.
Any other model gets one panel per state component of its first trial, named and labelled from the
file's own attributes (layout, units, index).

usage: /usr/bin/python3 tools/plot_simulation.py OUT.h5 OUT.png
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import neurode_results as nr  # noqa: E402

NAMES = ["L2/3e", "L2/3i", "L4e", "L4i", "L5e", "L5i", "L6e", "L6i"]


def plot_components(source, sim, target):
    """One panel per component of the first trial, for a model without a population layout. Final
    outputs that are no time series (predictive coding's logits) are not plotted."""
    t = sim.times
    method = sim.solver.get("method", "")
    panels = []
    for v in sim.variables.values():
        data = v.data[0] if v.layout.startswith("trial") else v.data
        panels.append((v.name, data.reshape(len(t), -1), v.units, v.index))
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 2.4 * len(panels)), sharex=True, squeeze=False)
    for ax, (name, data, units, index) in zip(axes[:, 0], panels):
        ax.plot(t, data, lw=1.0)
        ax.set_ylabel(f"{name} ({units})" if units else name)
        if data.shape[1] > 1:
            ax.set_title(index, fontsize=7, loc="left")
    axes[0, 0].set_title(f"{source}\n{method}", fontsize=8)
    axes[-1, 0].set_xlabel("time")
    fig.tight_layout()
    fig.savefig(target, dpi=110)


def main(source, target):
    sim = nr.simulation(source)
    column_layout = "r" in sim.variables and "population" in sim.variables["r"].layout
    if not column_layout:
        plot_components(source, sim, target)
        return
    t = sim.times
    r = sim.variables["r"].data
    method = sim.solver.get("method", "")
    trial = sim.trial
    paths = None
    if trial is not None:  # realisations: the first trial's, averaged
        paths = r[trial == 0]
        r = paths.mean(axis=0)
        method = f"{method}; mean of {len(paths)} noise realisations of trial 0"
    elif r.ndim == 3:  # a batch: plot the first trial
        r = r[0]
    columns = r.shape[1] // 8
    fig, axes = plt.subplots(columns, 1, figsize=(8, 2.6 * columns), sharex=True, squeeze=False)
    for c in range(columns):
        ax = axes[c, 0]
        for p in range(8):
            ax.plot(t * 1e3, r[:, 8 * c + p], lw=2.0 if p == 0 else 0.8, label=NAMES[p])
        if paths is not None:
            spread = paths[:, :, 8 * c].std(axis=0)
            ax.fill_between(t * 1e3, r[:, 8 * c] - spread, r[:, 8 * c] + spread, color="C0", alpha=0.2)
            for path in paths[:3]:
                ax.plot(t * 1e3, path[:, 8 * c], color="C0", lw=0.4, alpha=0.6)
        ax.set_ylabel(f"column {c}\nrate r (Hz)")
    axes[0, 0].legend(ncol=4, fontsize=7)
    axes[0, 0].set_title(f"{source}\n{method}", fontsize=8)
    axes[-1, 0].set_xlabel("time (ms)")
    fig.tight_layout()
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
