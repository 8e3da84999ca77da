#!/usr/bin/python3
"""One table of several `neurode train` results (e.g. the seeds of a sweep), printed and written as CSV.

    /usr/bin/python3 tools/summarise_trainings.py OUT.csv RESULT.h5 [RESULT.h5 ...]

Per file: the seed (from the stored config), epochs trained, the last training loss, the held-out
loss and the mean of every held-out metric. A file that does not exist (a training that did not
finish) is a row marked missing. Beside OUT.csv, OUT-loss.png: every run's training loss per
epoch. Both are written atomically (a temporary file, then renamed). Exit code 0 when every file
was read, 1 when some are missing or unreadable, 2 for bad usage.
"""
import csv
import os
import re
import sys
import tempfile

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import neurode_results as nr  # noqa: E402


def config_seed(config_text):
    # The top-level seed line, as `neurode train --seed` writes it; 1 is the config's default.
    match = re.search(r"^seed\s*:\s*(\d+)\s*$", config_text, re.MULTILINE)
    return int(match.group(1)) if match else 1


def summarise(path):
    row = {"file": path}
    if not os.path.exists(path):
        row["status"] = "missing"
        return row
    try:
        result = nr.training(path)
        if result.evaluation is None:
            raise ValueError(f"{path}: no /evaluation")
        row["seed"] = config_seed(result.config_text)
        row["task"] = result.task
        loss = nr.column(result.history, "loss")
        row["loss_history"] = loss
        row["epochs"] = int(loss.shape[0])
        row["training_loss"] = float(loss[-1]) if loss.shape[0] else float("nan")
        row["heldout_loss"] = result.evaluation.loss
        row.update(result.evaluation.means)
        row["status"] = "ok"
    except (OSError, KeyError, ValueError) as error:
        row["status"] = f"unreadable: {error}"
    return row


def plot_losses(rows, path):
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in rows:
        history = r.get("loss_history")
        if history is not None and len(history):
            ax.semilogy(np.arange(1, len(history) + 1), history, label=f"seed {r['seed']}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    finished = sum(r["status"] == "ok" for r in rows)
    ax.set_title(f"training loss of {finished} of {len(rows)} runs" + (" (the others missing)" if finished < len(rows) else ""))
    if len(rows) <= 12:
        ax.legend(fontsize="small")
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)


def main(argv):
    if len(argv) < 3 or not argv[1].endswith(".csv"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out, files = argv[1], argv[2:]
    rows = [summarise(p) for p in files]
    metrics = sorted({k for r in rows for k in r} - {"file", "status", "seed", "task", "epochs", "training_loss",
                                                     "heldout_loss", "loss_history"})
    columns = ["file", "status", "seed", "task", "epochs", "training_loss", "heldout_loss"] + metrics
    directory = os.path.dirname(os.path.abspath(out))
    with tempfile.NamedTemporaryFile("w", newline="", dir=directory, suffix=".tmp", delete=False) as tmp:
        writer = csv.DictWriter(tmp, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp.name, out)
    plot_losses(rows, out[: -len(".csv")] + "-loss.png")

    def cell(value):
        return f"{value:.6g}" if isinstance(value, float) else str(value)

    shown = ["seed", "status", "epochs", "training_loss", "heldout_loss"] + metrics
    print("  ".join(f"{c:>14}" for c in shown))
    for r in rows:
        print("  ".join(f"{cell(r.get(c, '')):>14}" for c in shown))
    bad = [r["file"] for r in rows if r["status"] != "ok"]
    print(f"{len(rows) - len(bad)} of {len(rows)} results read; table in {out}")
    for path in bad:
        print(f"  not read: {path}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
