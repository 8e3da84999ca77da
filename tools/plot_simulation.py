#!/usr/bin/python3
"""Plot a neurode simulation file. A column network (a rate component `r` indexed by population)
gets the L2/3e rates and every population's rate per column; a stochastic run with several noise
realisations gets, per column, every population's rate averaged over the first trial's
realisations, with the L2/3e rate's +- 1 standard deviation band and a few single realisations.
Any other model gets one panel per state component of its first trial, named and labelled from the
file's own attributes (layout, units, index).

usage: /usr/bin/python3 tools/plot_simulation.py OUT.h5 OUT.png
"""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

NAMES = ["L2/3e", "L2/3i", "L4e", "L4i", "L5e", "L5i", "L6e", "L6i"]


NOT_STATES = {"t", "trial", "realisation"}


def attribute(dataset, name):
    value = dataset.attrs.get(name, "")
    return value.decode() if isinstance(value, bytes) else str(value)


def plot_components(source, target):
    """One panel per component of the first trial, for a model without a population layout."""
    with h5py.File(source, "r") as f:
        trajectory = f["/trajectory"]
        t = trajectory["t"][()]
        names = [n for n in trajectory if n not in NOT_STATES]
        method = f["/solver"].attrs.get("method", "")
        panels = []
        for name in names:
            data = trajectory[name][()]
            if attribute(trajectory[name], "layout").startswith("trial"):
                data = data[0]
            panels.append((name, data.reshape(len(t), -1), attribute(trajectory[name], "units"),
                           attribute(trajectory[name], "index")))
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
    with h5py.File(source, "r") as f:
        column_layout = "r" in f["/trajectory"] and "population" in attribute(f["/trajectory/r"], "layout")
    if not column_layout:
        plot_components(source, target)
        return
    with h5py.File(source, "r") as f:
        t = f["/trajectory/t"][()]
        r = f["/trajectory/r"][()]
        method = f["/solver"].attrs.get("method", "")
        trial = f["/trajectory/trial"][()] if "trial" in f["/trajectory"] else None
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
