#!/usr/bin/env bash
# Image classification (predictive coding on Fashion-MNIST): a 2-epoch training of a tiny model
# lowers the loss and beats chance on the test images; 1, 2 and 3 ranks give bitwise the same
# training; a data directory without the files is a one-line error naming the file (exit 2).
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
data=/usr/share/datasets/fashion-mnist
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
  echo "skipped: $data is missing (Debian package dataset-fashion-mnist)"
  exit 77
fi
cfg="$source_dir/tests/data/train_images_tiny.yaml"
for np in 1 2 3; do
  "${mpirun[@]}" -np $np "$neurode" train "$cfg" -o "$tmp/images-$np.h5" >"$tmp/log-$np" 2>&1
  result $? "tiny image training on $np ranks ($(tail -2 "$tmp/log-$np" | head -1))"
done
/usr/bin/python3 - "$tmp/images-1.h5" >"$tmp/check" 2>&1 <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
loss = f["/training/loss"][()]
accuracy = float(f["/test/accuracy"][()])
print("loss per epoch", list(loss), "test accuracy", accuracy)
assert loss[-1] < loss[0], "the loss did not fall"
assert accuracy > 0.4, "test accuracy %g is not far above chance (0.1)" % accuracy
assert int(f["/test"].attrs["samples"]) == 100
assert f["/examples/prediction"].shape == (8, 1, 28, 28) and f["/examples/error"].shape == (8, 1, 28, 28)
# Cost per epoch: 12 groups of 25 images, 5 Euler steps of one evaluation each; back-propagation
# reuses the recorded predictions (no slope recomputed) and takes one product per step.
forward = list(f["/training/forward_rhs_evaluations"][()])
backward = list(f["/training/backward_rhs_evaluations"][()])
products = list(f["/training/backward_products"][()])
print("evaluations per epoch", forward, backward, products)
assert forward == [60, 60] and backward == [0, 0] and products == [60, 60], "unexpected evaluation counts"
PY
result $? "the loss falls and the test accuracy beats chance ($(tail -1 "$tmp/check"))"
for np in 2 3; do
  /usr/bin/python3 "$source_dir/tests/support/same_training.py" "$tmp/images-1.h5" "$tmp/images-$np.h5" >"$tmp/log" 2>&1
  result $? "1 rank vs $np ranks ($(tail -1 "$tmp/log"))"
done
# A directory without the data set.
mkdir -p "$tmp/empty"
sed "s|$data|$tmp/empty|" "$cfg" >"$tmp/missing.yaml"
"$neurode" train "$tmp/missing.yaml" -o "$tmp/missing.h5" >"$tmp/log" 2>&1
code=$?
[ $code -eq 2 ] && grep -q "$tmp/empty" "$tmp/log" && [ "$(grep -c . "$tmp/log")" -le 2 ] && [ ! -e "$tmp/missing.h5" ]
result $? "a missing data set: exit 2 naming the directory, no output (exit $code: $(head -1 "$tmp/log"))"
finish
