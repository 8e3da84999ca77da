"""Tables and plots of tools/paper_comparison.py's runs (imported by it; --report FILE.md)."""
import math
import os
import sys

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import neurode_results as nr  # noqa: E402


def load(path):
    if not os.path.exists(path):
        return None
    t = nr.training(path)
    history = nr.column_names(t.history)
    r = {
        "epochs": nr.column(t.evaluations, "epoch"),
        "accuracy": nr.column(t.evaluations, "accuracy"),
        "loss": nr.column(t.history, "loss"),
        "seconds": nr.column(t.history, "seconds_per_epoch"),
        "test": t.test.metrics["accuracy"] if t.test and "accuracy" in t.test.metrics else float("nan"),
        "logits": t.evaluation.trajectories if t.evaluation else None,
    }
    # Evaluation counts of the training steps per epoch (absent from results of older trees).
    counts = ["forward_rhs_evaluations", "backward_rhs_evaluations", "backward_products"]
    r["counts"] = [float(np.mean(nr.column(t.history, c))) for c in counts] if all(c in history for c in counts) \
        else None
    return r


def failed(path):
    """A run that ended without a result: its log says why (non-finite loss, step limit...)."""
    if os.path.exists(path) or not os.path.exists(path + ".log"):
        return False
    with open(path + ".log") as f:
        lines = f.read().split("\n")
    return any(line.startswith("exit ") and line != "exit 0" for line in lines)


def mean_spread(values):
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "-"
    if len(values) == 1:
        return "%.1f" % (100 * values[0])
    return "%.1f ± %.1f" % (100 * np.mean(values), 100 * np.std(values))


def write(protocol, runs, out, report):
    figures = os.path.splitext(report)[0]
    rows, curves = {}, {}
    for name, variant, label, seed, config in runs:
        key = (label, variant)
        row = rows.setdefault(key, {"test": [], "best": [], "final": [], "diverged": 0, "runs": 0, "seconds": [],
                                    "precision": [], "robust": {}, "counts": []})
        path = os.path.join(out, "runs", name + ".h5")
        result = load(path)
        if result is None:
            if failed(path):
                row["runs"] += 1
                row["diverged"] += 1
            continue
        row["runs"] += 1
        row["test"].append(result["test"])
        row["best"].append(float(np.max(result["accuracy"])))
        row["final"].append(float(result["accuracy"][-1]))
        row["seconds"].append(float(np.mean(result["seconds"])))
        if result["counts"] is not None:
            row["counts"].append(result["counts"])
        curves.setdefault(key, []).append((result["epochs"], result["accuracy"]))
        tight = load(os.path.join(out, "evaluations", name + "__eval-tight.h5"))
        if tight is not None and result["logits"] is not None:
            own, exact = result["logits"][:, -1, :], tight["logits"][:, -1, :]
            row["precision"].append(float(np.max(np.abs(own - exact)) / max(np.max(np.abs(exact)), 1e-300)))
        for eval_name in protocol.get("robustness", {}):
            e = load(os.path.join(out, "evaluations", name + "__eval-" + eval_name + ".h5"))
            if e is not None:
                row["robust"].setdefault(eval_name, []).append(e["test"])
    setting = "(k1, k2)" if "rates" in protocol else "setting"
    lines = ["| " + setting + " | variant | runs | diverged | test accuracy % | best validation % | final validation % "
             "| logit error vs tight | evaluations per epoch: forward + backward, products | s per epoch |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for (label, variant), r in rows.items():
        precision = "%.1e" % np.max(r["precision"]) if r["precision"] else "-"
        seconds = "%.0f" % np.mean(r["seconds"]) if r["seconds"] else "-"
        # Counted once per block solve (a block of images is one system), summed over the epoch.
        counts = "-"
        if r["counts"]:
            forward, backward, products = (np.mean([c[k] for c in r["counts"]]) for k in range(3))
            counts = "%.0f + %.0f, %.0f" % (forward, backward, products)
        lines.append("| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s |" % (
            label, variant, r["runs"], r["diverged"], mean_spread(r["test"]), mean_spread(r["best"]),
            mean_spread(r["final"]), precision, counts, seconds))
    robust_names = list(protocol.get("robustness", {}))
    robust = ["| trained with | " + setting + " | " + " | ".join("tested with " + n for n in robust_names) + " |",
              "|---|---|" + "---|" * len(robust_names)] if robust_names else []
    for (label, variant), r in rows.items():
        if r["robust"]:
            robust.append("| %s | %s | %s |" % (variant, label,
                                                " | ".join(mean_spread(r["robust"].get(n, [])) for n in robust_names)))
    # Accuracy per epoch, one panel per model setting.
    labels = sorted({label for label, _ in curves})
    fig, axes = plt.subplots(1, len(labels), figsize=(5 * len(labels), 4), squeeze=False)
    for ax, label in zip(axes[0], labels):
        for (l, variant), runs_of in curves.items():
            if l != label:
                continue
            epochs = runs_of[0][0]
            accuracy = np.mean([a for _, a in runs_of if len(a) == len(epochs)], axis=0)
            ax.plot(epochs, 100 * accuracy, marker="o", label=variant)
        ax.set_title(label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation accuracy (%)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(figures + "-accuracy.png", dpi=110)
    with open(report + ".tables", "w") as f:
        f.write("\n".join(lines) + "\n\n" + "\n".join(robust) + "\n")
    print("\n".join(lines))
    print()
    print("\n".join(robust))
    print("wrote", report + ".tables", "and", figures + "-accuracy.png")
