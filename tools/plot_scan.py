#!/usr/bin/python3
"""Plot one column of a `neurode scan` result against its axes.

usage: /usr/bin/python3 tools/plot_scan.py SCAN.h5 --metric COLUMN [--x AXIS] [--y AXIS]
                                           [--over AXIS|none] [--spread minmax|std] -o PLOT.png

Without --y: COLUMN against the axis --x, its mean over the points that differ only in --over (the
seeds, say) with their spread as a band (min to max, or +- one standard deviation), one line per
combination of the other axes' values. With --y: a heat map over --x and --y of the mean over every
other axis. Defaults: --x the first numeric axis other than `seed`, --over `seed` when the scan has
that axis. Failed points, and done points without a value of COLUMN, are left out and counted in
the title and legend. Exit code 0 when written, 1 when no point has a value, 2 for bad usage.
"""
import argparse
import os
import sys

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import neurode_results as nr  # noqa: E402


def is_numeric(values):
    return values.dtype != object


def ordered_values(values):
    """The distinct values of an axis: sorted numbers, or strings in the order the scan has them."""
    if is_numeric(values):
        return list(np.unique(values[~np.isnan(values)]))
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def label(value):
    return "%g" % value if isinstance(value, (float, np.floating)) else str(value)


def wide(values):
    """Positive and spanning two decades or more: shown on a log scale."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return values.size > 1 and values.min() > 0 and values.max() / values.min() >= 100


def default_axes(scan, table, args):
    numeric = [a for a in scan.axes if is_numeric(nr.column(table, a))]
    if args.x is None:
        candidates = [a for a in numeric if a != "seed"] or [a for a in scan.axes if a != "seed"] or scan.axes
        args.x = candidates[0] if candidates else None
    if args.over is None:
        args.over = "seed" if "seed" in scan.axes and "seed" not in (args.x, args.y) else "none"
    if args.over == "none":
        args.over = None


def check_arguments(scan, table, args):
    """A message for a column or axis that the scan does not have, else None."""
    numeric = [c for c in scan.columns if is_numeric(nr.column(table, c)) and c != "point"]
    if args.metric not in numeric:
        return f"--metric {args.metric}: not a numeric column of {args.scan}; its numeric columns: {', '.join(numeric)}"
    if not scan.axes:
        return f"{args.scan} has no axes"
    for option in ("x", "y", "over"):
        name = getattr(args, option)
        if name is not None and name not in scan.axes:
            return f"--{option} {name}: not an axis of {args.scan}; its axes: {', '.join(scan.axes)}"
    if len({a for a in (args.x, args.y, args.over) if a is not None}) < len([a for a in (args.x, args.y, args.over)
                                                                            if a is not None]):
        return "--x, --y and --over must be different axes"
    return None


def usable(table, metric):
    """Points with a value: done and finite. Also the failed ones and the done ones without a value."""
    status = nr.column(table, "status")
    values = nr.column(table, metric).astype(float)
    done = status == "done"
    return done & np.isfinite(values), status != "done", done & ~np.isfinite(values)


def counts_text(failed, missing):
    parts = []
    if failed:
        parts.append(f"{failed} failed")
    if missing:
        parts.append(f"{missing} without a value")
    return ", ".join(parts)


def positions(axis_values, order):
    """Each point's x position: the value itself for numbers, the index in `order` for strings."""
    if is_numeric(axis_values):
        return axis_values.astype(float)
    return np.array([order.index(v) for v in axis_values], dtype=float)


def plot_lines(scan, table, args, ax):
    x_values = nr.column(table, args.x)
    order = ordered_values(x_values)
    xs = positions(x_values, order)
    ok, failed, missing = usable(table, args.metric)
    metric = nr.column(table, args.metric).astype(float)
    others = [a for a in scan.axes if a not in (args.x, args.over)]
    keys = [tuple(nr.column(table, a)[k] for a in others) for k in range(nr.row_count(table))]
    orders = [ordered_values(nr.column(table, a)) for a in others]
    lines = []
    for key in sorted(set(keys), key=lambda k: [order.index(v) for order, v in zip(orders, k)]):
        member = np.array([k == key for k in keys])
        points = []
        for x in sorted(set(xs[member & ok])):
            v = metric[member & ok & (xs == x)]
            spread = (v.min(), v.max()) if args.spread == "minmax" else (v.mean() - v.std(), v.mean() + v.std())
            points.append((x, v.mean(), spread[0], spread[1], v.size))
        name = ", ".join(f"{a}={label(v)}" for a, v in zip(others, key)) or args.metric
        extra = counts_text(int(np.sum(member & failed)), int(np.sum(member & missing)))
        lines.append((name + (f" ({extra})" if extra else ""), points))
    for name, points in lines:
        if not points:
            ax.plot([], [], "o-", label=name)
            continue
        x, mean, low, high, _ = (np.array(c) for c in zip(*points))
        line, = ax.plot(x, mean, "o-", label=name)
        if args.over and np.any(high > low):
            ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, lw=0)
    if not is_numeric(x_values):
        ax.set_xticks(range(len(order)), [label(v) for v in order])
    elif wide(xs[ok]):
        ax.set_xscale("log")
    if wide(metric[ok]):
        ax.set_yscale("log")
    ax.set_xlabel(args.x)
    ax.set_ylabel(args.metric)
    if len(lines) > 1 or any("(" in name for name, _ in lines):
        ax.legend(fontsize=7)
    per_value = sorted({p[4] for _, points in lines for p in points})
    spread = "min to max" if args.spread == "minmax" else "+- 1 standard deviation"
    if args.over:
        return f"mean and {spread} over {args.over} ({'/'.join(map(str, per_value))} values each)"
    return "one point each" if per_value == [1] else f"mean of {'/'.join(map(str, per_value))} points"


def plot_heat_map(scan, table, args, fig, ax):
    x_values, y_values = nr.column(table, args.x), nr.column(table, args.y)
    x_order, y_order = ordered_values(x_values), ordered_values(y_values)
    ok, failed, missing = usable(table, args.metric)
    metric = nr.column(table, args.metric).astype(float)
    grid = np.full((len(y_order), len(x_order)), np.nan)
    notes = np.full(grid.shape, "", dtype=object)
    for i, y in enumerate(y_order):
        for j, x in enumerate(x_order):
            cell = (x_values == x) & (y_values == y)
            if np.any(cell & ok):
                grid[i, j] = metric[cell & ok].mean()
            extra = counts_text(int(np.sum(cell & failed)), int(np.sum(cell & missing)))
            notes[i, j] = ("%.3g" % grid[i, j] if np.isfinite(grid[i, j]) else "") + (f"\n({extra})" if extra else "")
    norm = mcolors.LogNorm() if wide(grid) else None
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("lightgrey")  # cells without any value
    image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap=cmap, norm=norm)
    ax.set_xticks(range(len(x_order)), [label(v) for v in x_order])
    ax.set_yticks(range(len(y_order)), [label(v) for v in y_order])
    ax.set_xlabel(args.x)
    ax.set_ylabel(args.y)
    if grid.size <= 225:
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                bright = np.isfinite(grid[i, j]) and image.norm(grid[i, j]) > 0.6  # viridis turns yellow
                ax.text(j, i, notes[i, j], ha="center", va="center", fontsize=7,
                        color="white" if np.isfinite(grid[i, j]) and not bright else "black")
    others = [a for a in scan.axes if a not in (args.x, args.y)]
    fig.colorbar(image, ax=ax, label=args.metric + (f" (mean over {', '.join(others)})" if others else ""))
    return f"mean over {', '.join(others)}" if others else "one point per cell"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("scan")
    parser.add_argument("--metric", required=True, help="a numeric column, e.g. held_out_loss")
    parser.add_argument("--x", help="the axis along the horizontal")
    parser.add_argument("--y", help="a second axis: a heat map over --x and --y")
    parser.add_argument("--over", help="the axis to average over (default: seed when there is one; none: none)")
    parser.add_argument("--spread", choices=("minmax", "std"), default="minmax")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv[1:])
    try:
        scan = nr.scan(args.scan)
    except (OSError, KeyError, ValueError) as error:
        print(f"plot_scan.py: {args.scan}: {error}", file=sys.stderr)
        return 2
    table = scan.table
    default_axes(scan, table, args)
    problem = check_arguments(scan, table, args)
    if problem:
        print(f"plot_scan.py: {problem}", file=sys.stderr)
        return 2
    ok, failed, missing = usable(table, args.metric)
    if not np.any(ok):
        print(f"plot_scan.py: no point of {args.scan} has a value of {args.metric} "
              f"({counts_text(int(failed.sum()), int(missing.sum()))})", file=sys.stderr)
        return 1
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if args.y:
        how = plot_heat_map(scan, table, args, fig, ax)
        what = f"{args.metric} over {args.x} and {args.y}"
    else:
        how = plot_lines(scan, table, args, ax)
        what = f"{args.metric} against {args.x}"
    left_out = counts_text(int(failed.sum()), int(missing.sum()))
    points = f"{scan.points} points" + (f", {left_out} (left out)" if left_out else "")
    ax.set_title(f"{what}: {how}\n{os.path.basename(args.scan)}: {points}", fontsize=9)
    fig.tight_layout()
    # Written under a temporary name and renamed: a plot is either complete or absent.
    temporary = args.output + ".tmp.png"
    fig.savefig(temporary, dpi=110)
    os.replace(temporary, args.output)
    print(f"wrote {args.output}: {what}, {points}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
