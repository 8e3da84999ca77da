#!/usr/bin/env bash
# A short parity training reaches a stated intermediate accuracy for a fixed seed:
# inputs/train_parity.yaml's network and settings, with the task loss on the patterns with 0 or 1
# active inputs only, 50 epochs, seed 3, on 2 ranks. It learns the monotone part of the task: its
# training loss falls from above 10 to below 0.5 (measured: 20.5 to 0.032), the five trained
# patterns (0000 and the four with one input) end within the 5 Hz tolerance, and 9 of the 16
# patterns are correct (measured).
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# The config without its stages, the loss on the patterns of at most one input.
sed '/^stages:/,$d; s/count_weights: \[1, 1, 1, 1, 4\]/trained_input_counts: [0, 1]/; s/epochs: 400/epochs: 50/' \
  "$source_dir/inputs/train_parity.yaml" >"$tmp/parity.yaml"
grep -q "trained_input_counts: \[0, 1\]" "$tmp/parity.yaml" && grep -q "epochs: 50" "$tmp/parity.yaml"
result $? "the monotone part of the task as a config"
"${mpirun[@]}" -np 2 "$neurode" train "$tmp/parity.yaml" --seed 3 -o "$tmp/parity.h5" >"$tmp/log" 2>&1
result $? "the training ($(tail -1 "$tmp/log"))"
/usr/bin/python3 - "$tmp/parity.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1])
loss = f["/training/loss"][()]
correct = f["/evaluation/correct"][()]
assert loss[0] > 10 and loss[-1] < 0.5, ("training loss", loss[0], loss[-1])
trained = [0, 1, 2, 4, 8]  # pattern index = input bits: no input or one
assert all(correct[trained] == 1), ("the trained patterns", correct)
assert correct.sum() >= 9, ("patterns correct", correct.sum())
print("training loss %.3g -> %.3g, %d of 16 correct" % (loss[0], loss[-1], correct.sum()))
PY
result $? "the monotone part learnt"
finish
