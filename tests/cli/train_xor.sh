#!/usr/bin/env bash
# Task accuracy after training: inputs/train_xor.yaml classifies all 4 patterns, and the training
# file is complete (history, weights, evaluation trajectories) and plots. A run of 0 epochs from
# the trained weights evaluates them again: the same held-out loss and trajectories, bit for bit.
set -u
neurode=$1
source_dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$neurode" train "$source_dir/inputs/train_xor.yaml" -o "$tmp/xor.h5" >"$tmp/log" 2>&1 || { cat "$tmp/log"; echo "0 passed, 1 failed"; exit 1; }
tail -2 "$tmp/log"
/usr/bin/python3 - "$tmp/xor.h5" <<'PY' || { echo "0 passed, 1 failed"; exit 1; }
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1])
assert f["/evaluation/correct"].attrs["mean"] == 1.0, f["/evaluation/correct"][()]
loss = f["/training/loss"][()]
assert loss[-1] < 0.2 * loss[0], loss
assert f["/evaluation/trajectories"].shape[0] == 4 and f["/parameters/final"].shape == (24,)
assert "provenance" in f and "config" in f
PY
/usr/bin/python3 "$source_dir/tools/plot_training.py" "$tmp/xor.h5" "$tmp/xor" >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
[ -s "$tmp/xor-task.png" ] && [ -s "$tmp/xor-loss.png" ] || { echo "0 passed, 1 failed"; exit 1; }
{ sed 's/epochs: [0-9]*/epochs: 0/' "$source_dir/inputs/train_xor.yaml"; echo "initial_parameters: $tmp/xor.h5"; } >"$tmp/again.yaml"
"$neurode" train "$tmp/again.yaml" -o "$tmp/again.h5" >"$tmp/log" 2>&1 || { cat "$tmp/log"; echo "0 passed, 1 failed"; exit 1; }
/usr/bin/python3 - "$tmp/xor.h5" "$tmp/again.h5" <<'PY' || { echo "0 passed, 1 failed"; exit 1; }
import sys, h5py, numpy as np
trained, again = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
assert again["/training/loss"].shape[0] == 0, again["/training/loss"].shape
assert np.array_equal(again["/parameters/final"][()], trained["/parameters/final"][()])
assert np.array_equal(again["/evaluation/trajectories"][()], trained["/evaluation/trajectories"][()])
assert np.array_equal(again["/evaluation/loss"][()], trained["/evaluation/loss"][()])
PY
echo "1 passed, 0 failed"
