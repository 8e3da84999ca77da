#!/usr/bin/python3
"""Turn a neurode training file into PNGs: loss curves, metrics, and the task's own picture.

usage: /usr/bin/python3 tools/plot_training.py TRAIN.h5 [OUT_PREFIX]
writes OUT_PREFIX-loss.png, OUT_PREFIX-metrics.png and OUT_PREFIX-task.png (default prefix: the
file name without .h5):
  wta     both columns' L2/3e rates against the Wong-Wang targets for held-out pairs
  xor     the output rate of every pattern over time, with its target
  image_classification  predictive coding: validation images, their level-1 predictions and
          errors; the hGRU: validation images and their H2 activity (the mean over channels of
          |H2|) at every step of the discrete hGRU, where the activity should trace the paths
  hopf    phase portraits of the learned flow against the true one (when the file has them)
"""
import os
import sys

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import neurode_results as nr  # noqa: E402


def plot_loss(result, prefix):
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(nr.column(result.history, "epoch"), nr.column(result.history, "loss"), label="training")
    ax.semilogy(nr.column(result.evaluations, "epoch"), nr.column(result.evaluations, "loss"), "o-", label="held-out")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(f"{result.task}: loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(prefix + "-loss.png", dpi=110)


def plot_metrics(result, prefix):
    names = result.metrics
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(5 * max(1, len(names)), 3.6), squeeze=False)
    for ax, name in zip(axes[0], names):
        ax.plot(nr.column(result.evaluations, "epoch"), nr.column(result.evaluations, name), "o-")
        ax.set_xlabel("epoch")
        ax.set_title(name)
    fig.tight_layout()
    fig.savefig(prefix + "-metrics.png", dpi=110)


def plot_image_examples(result, prefix):
    """Rows: validation images, their level-1 predictions G_1(r_1(T)) and the errors."""
    ex = result.examples
    rows = [("image", ex["image"]), ("prediction G1(r1)", ex["prediction"]), ("error", ex["error"])]
    count = rows[0][1].shape[0]
    fig, axes = plt.subplots(3, count, figsize=(1.6 * count, 5.2), squeeze=False)
    for r, (title, images) in enumerate(rows):
        for k in range(count):
            ax = axes[r][k]
            image = images[k]
            ax.imshow(image[0] if image.shape[0] == 1 else np.moveaxis(image, 0, -1).clip(-3, 3) / 6 + 0.5,
                      cmap="gray")
            ax.set_xticks([])
            ax.set_yticks([])
            if k == 0:
                ax.set_ylabel(title, fontsize=8)
            if r == 0:
                ax.set_title("label %d / %d" % (ex["label"][k], ex["predicted"][k]), fontsize=8)
    fig.suptitle("predictive coding: validation images (label / predicted)")
    fig.tight_layout()
    fig.savefig(prefix + "-task.png", dpi=110)


def plot_hgru_examples(result, prefix):
    """Rows: validation images; columns: the image, then mean_c |H2| at each of the picture times."""
    ex = result.examples
    images, h2, times = ex["image"], ex["H2"], ex["times"]
    count = min(4, images.shape[0])
    steps = h2.shape[1]
    activity = np.abs(h2[:count]).mean(axis=2)  # count x steps x H x W
    top = max(float(activity.max()), 1e-12)
    fig, axes = plt.subplots(count, steps + 1, figsize=(1.3 * (steps + 1), 1.45 * count), squeeze=False)
    for k in range(count):
        axes[k][0].imshow(images[k][0] if images.shape[1] == 1 else np.moveaxis(images[k], 0, -1), cmap="gray")
        axes[k][0].set_ylabel("label %d / %d" % (ex["label"][k], ex["predicted"][k]), fontsize=7)
        for j in range(steps):
            axes[k][j + 1].imshow(activity[k, j], cmap="magma", vmin=0, vmax=top)
            if k == 0:
                axes[k][j + 1].set_title("t = %g" % times[j], fontsize=7)
        for ax in axes[k]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0][0].set_title("image", fontsize=7)
    fig.suptitle("hGRU: validation images (label / predicted) and mean |H2| over channels", fontsize=9)
    fig.tight_layout()
    fig.savefig(prefix + "-task.png", dpi=110)


def plot_task(result, prefix):
    task = result.task
    if result.evaluation is None or result.evaluation.trajectories is None:
        return
    t = result.evaluation.times
    y = result.evaluation.trajectories
    target = result.evaluation.targets
    names = result.evaluation.components
    if task == "image_classification" and result.examples:
        (plot_hgru_examples if "H2" in result.examples else plot_image_examples)(result, prefix)
        return
    if task == "wta":
        shown = min(4, y.shape[0])
        fig, axes = plt.subplots(shown, 1, figsize=(7, 2.4 * shown), sharex=True, squeeze=False)
        keep = target[0, :, 0] != 0 if target is not None else slice(None)
        for s in range(shown):
            ax = axes[s, 0]
            for c, colour in zip(range(y.shape[2]), ("tab:blue", "tab:red")):
                ax.plot(t * 1e3, y[s, :, c], color=colour, label=names[c])
                if target is not None:
                    ax.plot(t[keep] * 1e3, target[s, keep, c], "--", color=colour, lw=1, label="target")
            ax.set_ylabel("rate (Hz)")
        axes[0, 0].legend(fontsize=7, ncol=2)
        axes[-1, 0].set_xlabel("time (ms)")
        fig.suptitle("winner-take-all: L2/3e rates (solid) and Wong-Wang targets (dashed)")
    elif task in ("xor", "parity"):
        fig, ax = plt.subplots(figsize=(7, 4))
        for s in range(y.shape[0]):
            line, = ax.plot(t, y[s, :, 0], label=f"pattern {s}")
            if target is not None:
                ax.axhline(target[s, -1, 0], color=line.get_color(), ls="--", lw=0.8)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("output rate (Hz)")
        ax.set_title(f"{task}: output per pattern (dashed: targets)")
        ax.legend(fontsize=7, ncol=2)
    else:
        fig, ax = plt.subplots(figsize=(5, 5))
        for s in range(min(8, y.shape[0])):
            ax.plot(y[s, :, 0], y[s, :, 1], lw=1)
            if target is not None:
                ax.plot(target[s, :, 0], target[s, :, 1], "k--", lw=0.6)
        ax.set_aspect("equal")
        ax.set_title(f"{task}: learned (solid) vs true (dashed)")
    fig.tight_layout()
    fig.savefig(prefix + "-task.png", dpi=110)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    source = sys.argv[1]
    prefix = sys.argv[2] if len(sys.argv) == 3 else source.rsplit(".h5", 1)[0]
    result = nr.training(source)
    plot_loss(result, prefix)
    plot_metrics(result, prefix)
    plot_task(result, prefix)
    print(f"wrote {prefix}-loss.png, {prefix}-metrics.png, {prefix}-task.png")


if __name__ == "__main__":
    main()
