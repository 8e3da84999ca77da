#!/usr/bin/python3
"""A grid of the images of a `neurode pathfinder` file, each titled with its index and label, its
two markers' centres drawn as red crosses.

usage: /usr/bin/python3 tools/show_pathfinder.py FILE.h5 -o GRID.png [--count 16] [--first 0]

Exit code 0 when written, 2 for bad usage or a file that is not a Pathfinder file (one line).
"""
import argparse
import math
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fail(message):
    print(f"show_pathfinder.py: {message}", file=sys.stderr)
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("-o", "--output", required=True, help="the PNG to write")
    parser.add_argument("--count", type=int, default=16, help="images to show (default 16)")
    parser.add_argument("--first", type=int, default=0, help="index of the first image (default 0)")
    args = parser.parse_args()
    if args.count < 1 or args.first < 0:
        fail("--count must be >= 1 and --first >= 0")
    try:
        with h5py.File(args.file, "r") as f:
            images, labels, markers = f["/images"], f["/labels"], f["/markers"]
            n = images.shape[0]
            if args.first >= n:
                fail(f"{args.file}: --first {args.first} but the file holds {n} images")
            stop = min(n, args.first + args.count)
            pixels = np.asarray(images[args.first:stop])
            label = np.asarray(labels[args.first:stop])
            centre = np.asarray(markers[args.first:stop])
            preset = f["/images"].attrs.get("preset", b"")
            length = f["/images"].attrs.get("contour_length", 0)
    except (OSError, KeyError) as e:
        fail(f"{args.file}: not a Pathfinder file ({e})")
    if isinstance(preset, bytes):
        preset = preset.decode()
    count = pixels.shape[0]
    size = pixels.shape[1]
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.0 * cols, 2.25 * rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= count:
            continue
        # Pixel (r, c) covers [r, r+1) x [c, c+1), as the marker coordinates assume.
        ax.imshow(pixels[k], cmap="gray", vmin=0, vmax=1, extent=(0, size, size, 0), interpolation="nearest")
        ax.plot(centre[k, :, 1], centre[k, :, 0], "r+", markersize=6, markeredgewidth=1)
        ax.set_title(f"#{args.first + k}: label {int(label[k])}", fontsize=8)
    fig.suptitle(f"{args.file.split('/')[-1]}: {preset}, paths of {int(length)} paddles "
                 "(label 1: markers joined)", fontsize=9)
    fig.tight_layout()
    try:
        fig.savefig(args.output, dpi=100)
    except OSError as e:
        fail(f"cannot write {args.output}: {e}")
    print(f"{args.output}: {count} images")


if __name__ == "__main__":
    main()
