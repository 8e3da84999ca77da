#!/usr/bin/env bash
# The hGRU on generated Pathfinder images (tests/data/train_hgru_tiny.yaml): a 2-epoch training of a
# tiny model lowers the loss; 1 and 2 ranks give bitwise the same training; the examples hold H2
# over the discrete hGRU's steps; bad hGRU and Pathfinder settings are one-line config errors naming
# the file and the key (exit 2) with no output.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
cfg="$source_dir/tests/data/train_hgru_tiny.yaml"
for np in 1 2; do
  "${mpirun[@]}" -np $np "$neurode" train "$cfg" -o "$tmp/hgru-$np.h5" >"$tmp/log-$np" 2>&1
  result $? "tiny hGRU training on $np ranks ($(tail -2 "$tmp/log-$np" | head -1))"
done
/usr/bin/python3 - "$tmp/hgru-1.h5" >"$tmp/check" 2>&1 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
loss = f["/training/loss"][()]
print("loss per epoch", list(loss), "test accuracy", float(f["/test/accuracy"][()]))
assert loss[-1] < loss[0], "the loss did not fall"
assert int(f["/test"].attrs["samples"]) == 64
# H2 of 8 held-out images at the 9 times 0, T/8, ..., T; X and the images themselves.
assert f["/examples/H2"].shape == (8, 9, 4, 32, 32), f["/examples/H2"].shape
assert f["/examples/drive"].shape == (8, 4, 32, 32) and f["/examples/image"].shape == (8, 1, 32, 32)
h2 = f["/examples/H2"][()]
assert np.all(h2[:, 0] == 0) and np.all(np.isfinite(h2)) and np.abs(h2[:, -1]).max() > 0
# The front end is trained (init: gabor, trainable: true), tau is held at T / timesteps = 1.
labels = [s.decode() if isinstance(s, bytes) else s for s in f["/parameters/labels"][()]]
final, initial = f["/parameters/final"][()], f["/parameters/initial"][()]
tau = labels.index("tau")
assert final[tau] == initial[tau] == 1.0, (initial[tau], final[tau])
front = [i for i, l in enumerate(labels) if l.startswith("F[")]
assert len(front) == 4 * 25 and np.any(final[front] != initial[front])
PY
result $? "the loss falls; H2 over time in /examples; tau held, front end trained ($(tail -1 "$tmp/check"))"
/usr/bin/python3 "$source_dir/tests/support/same_training.py" "$tmp/hgru-1.h5" "$tmp/hgru-2.h5" >"$tmp/log" 2>&1
result $? "1 rank vs 2 ranks ($(tail -1 "$tmp/log"))"
/usr/bin/python3 "$source_dir/tools/plot_training.py" "$tmp/hgru-1.h5" "$tmp/plot" >"$tmp/plot.log" 2>&1 &&
  [ -s "$tmp/plot-task.png" ] && [ -s "$tmp/plot-loss.png" ]
result $? "tools/plot_training.py draws H2 over time ($(tail -1 "$tmp/plot.log"))"
# Bad settings: each a one-line error naming the file and the key, exit 2, no output.
bad() {  # name, sed expression applied to the tiny config, key the message must name
  sed "$2" "$cfg" >"$tmp/$1.yaml"
  "$neurode" train "$tmp/$1.yaml" -o "$tmp/$1.h5" >"$tmp/$1.log" 2>&1
  local code=$?
  [ $code -eq 2 ] && grep -q "$1.yaml" "$tmp/$1.log" && grep -q "$3" "$tmp/$1.log" &&
    [ "$(grep -c . "$tmp/$1.log")" -le 2 ] && [ ! -e "$tmp/$1.h5" ]
  result $? "bad $1: exit 2 naming $3 (exit $code: $(head -1 "$tmp/$1.log"))"
}
bad even_kernel 's/  kernel: 5/  kernel: 4/' "kernel"
bad unknown_model_key 's/  timesteps: 8/  time_steps: 8/' "time_steps"
bad unknown_preset 's/preset: pathfinder32/preset: pathfinder64/' "preset"
bad directory_for_pathfinder 's/format: pathfinder,/format: pathfinder, directory: \/tmp,/' "directory"
bad random_fixed_front_end 's/init: gabor, trainable: true/init: random, trainable: false/' "front_end"
bad path_too_long 's/length: 6/length: 60/' "task.data.length: expected a path length"
finish
