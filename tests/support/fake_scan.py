#!/usr/bin/python3
"""Writes a small scan file and its CSV in the layout `neurode scan` writes (docs/output-format.md),
for the tests of tools/neurode_results.py, tools/plot_scan.py and check_scan_file.py without a
scan run:

    /usr/bin/python3 tests/support/fake_scan.py KIND OUT.h5

KIND: `training` (a grid of solver.method x optimizer.learning_rate x seed, 18 points, two of them
failed, one with a message holding a comma, a quote and a newline), `simulation` (a grid of
noise.sigma x seed, 6 points) or `single` (a zip scan of one point: every strings dataset then
holds one string, which neurode writes as a scalar). OUT.csv is written beside OUT.h5. Strings are
written as neurode writes them (variable-length UTF-8, io/hdf5_file.cpp write_strings), numbers as
float64 with NaN where a point has none, and the CSV with %.17g, empty cells for NaN and RFC 4180
quotes.
"""
import itertools
import math
import sys

import h5py
import numpy as np

STRING = h5py.string_dtype("utf-8")


def write_strings(group, name, texts):
    # As Hdf5File::write_strings: one string is a scalar dataset, several a 1-D one.
    data = texts[0] if len(texts) == 1 else np.array(texts, dtype=object)
    group.create_dataset(name, data=data, dtype=STRING)


def csv_cell(value):
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return "" if math.isnan(value) else "%.17g" % value


def training_point(group, seed, rate):
    losses = np.array([1.0, 0.5, 0.25, 0.125]) * (1 + 0.1 * seed) / (1 + 10 * rate)
    t = group.create_group("training")
    t.attrs["task"] = "xor"
    t["epoch"] = np.arange(1.0, 5.0)
    t["loss"] = losses
    e = t.create_group("evaluation")
    e["epoch"] = np.array([2.0, 4.0])
    e["loss"] = losses[[1, 3]]
    e["correct"] = np.array([0.5, 1.0])
    group["parameters/final"] = np.full(3, rate)
    ev = group.create_group("evaluation")
    ev["loss"] = losses[-1]
    ev["correct"] = np.ones(4)
    ev["correct"].attrs["mean"] = 1.0
    write_strings(group, "config/text", ["seed: %d\n" % seed])
    return {"epochs": 4.0, "final_loss": float(losses[-1]), "held_out_loss": float(losses[-1]),
            "held_out_correct": 1.0}


def simulation_point(group, sigma, seed):
    t = np.linspace(0, 0.01, 11)
    tr = group.create_group("trajectory")
    tr["t"] = t
    tr["t"].attrs["units"] = "s"
    tr["r"] = np.outer(t, np.arange(16.0)) * (1 + sigma + seed)
    tr["r"].attrs["layout"] = "time x population"
    tr["r"].attrs["units"] = "Hz"
    steps = 100 + 10 * sigma + seed
    group.create_group("solver").attrs["steps"] = float(steps)
    write_strings(group, "config/text", ["noise: {sigma: %g}\n" % sigma])
    return {"steps": float(steps), "rejected_steps": float(seed), "rhs_evaluations": 6.0 * steps}


def points_of(kind):
    """(axes, [axis values per point], [failure message or ""], results names)."""
    if kind == "training":
        axes = ["solver.method", "optimizer.learning_rate", "seed"]
        values = list(itertools.product(["dopri5", "rk4"], [1e-3, 0.1 + 0.2, 1.0], [1.0, 2.0, 3.0]))
        failures = {4: 'diverged at t = 0.5, "non-finite"\nsecond line', 13: "step limit"}
        results = ["epochs", "final_loss", "held_out_loss", "held_out_correct"]
    elif kind == "simulation":
        axes = ["noise.sigma", "seed"]
        values = list(itertools.product([0.0, 10.0, 100.0], [1.0, 2.0]))
        failures = {}
        results = ["steps", "rejected_steps", "rhs_evaluations"]
    else:
        axes = ["optimizer.learning_rate"]
        values = [(0.01,)]
        failures = {}
        results = ["epochs", "final_loss", "held_out_loss", "held_out_correct"]
    return axes, values, [failures.get(k, "") for k in range(len(values))], results


def main(kind, out):
    axes, values, failures, results = points_of(kind)
    columns = ["point"] + axes + ["status", "message", "wall_time_s"] + results
    rows = []
    with h5py.File(out, "w") as f:
        for k, (point, message) in enumerate(zip(values, failures)):
            g = f.create_group("/points/%05d" % k)
            row = dict(zip(axes, point))
            row.update(point=k, status="failed" if message else "done", message=message, wall_time_s=0.25 + k / 3)
            if message:
                g.attrs["status"], g.attrs["message"] = "failed", message
                row.update({name: float("nan") for name in results})
            elif kind == "simulation":
                row.update(simulation_point(g, point[0], point[1]))
            else:
                seed = point[2] if kind == "training" else 1.0
                row.update(training_point(g, seed, point[axes.index("optimizer.learning_rate")]))
            rows.append(row)
        scan = f.create_group("scan")
        scan.attrs["points"] = float(len(rows))
        scan.attrs["combine"] = "zip" if kind == "single" else "grid"
        write_strings(scan, "config/text", ["scan: {}\n"])
        write_strings(scan, "columns", columns)
        for name in columns:
            cells = [r[name] for r in rows]
            if name == "point":
                scan.create_dataset("table/point", data=np.array(cells, dtype=np.int64))
            elif isinstance(cells[0], str):
                write_strings(scan, "table/" + name, cells)
            else:
                scan.create_dataset("table/" + name, data=np.array(cells, dtype=np.float64))
    with open(out[: -len(".h5")] + ".csv", "w", newline="") as f:
        f.write(",".join(columns) + "\n")
        for r in rows:
            f.write(",".join(csv_cell(r[c]) for c in columns) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("training", "simulation", "single") or not sys.argv[2].endswith(".h5"):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
