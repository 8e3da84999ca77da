#!/usr/bin/env bash
# `neurode train --seed N` (one run of a seed sweep) is the config with `seed: N`: the same training,
# bit for bit, and the same stored config text; a bad --seed is refused before any work (exit 2,
# a line naming --seed, no output file).
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
config=$source_dir/tests/data/train_xor_tiny.yaml
sed 's/^seed: .*/seed: 2/' "$config" >"$tmp/seed2.yaml"
"$neurode" train "$config" --seed 2 -o "$tmp/flag.h5" >"$tmp/log" 2>&1; result $? "train --seed 2 ($(tail -1 "$tmp/log"))"
"$neurode" train "$tmp/seed2.yaml" -o "$tmp/config.h5" >"$tmp/log" 2>&1; result $? "train seed: 2 ($(tail -1 "$tmp/log"))"
"$neurode" train "$config" -o "$tmp/seed3.h5" >"$tmp/log" 2>&1; result $? "train seed: 3 ($(tail -1 "$tmp/log"))"
/usr/bin/python3 - "$tmp" >"$tmp/log" 2>&1 <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
flag, config, seed3 = (h5py.File(f"{d}/{n}.h5") for n in ("flag", "config", "seed3"))
assert flag["/config/text"][()] == config["/config/text"][()], (flag["/config/text"][()], config["/config/text"][()])
names = [n for n in ("training/loss", "parameters/initial", "parameters/final", "evaluation/trajectories")]
for n in names:
    assert np.array_equal(flag[n][()].view(np.uint64), config[n][()].view(np.uint64)), n
assert not np.array_equal(flag["parameters/initial"][()], seed3["parameters/initial"][()])
print("--seed 2 equals seed: 2, differs from seed: 3")
PY
result $? "same training as the config's seed ($(tail -1 "$tmp/log"))"
# The sweep's table: a finished run's seed and results, and a run that did not finish.
/usr/bin/python3 "$source_dir/tools/summarise_trainings.py" "$tmp/table.csv" "$tmp/flag.h5" "$tmp/never.h5" \
  >"$tmp/log" 2>&1
code=$?
/usr/bin/python3 - "$tmp/table.csv" "$tmp/flag.h5" >>"$tmp/log" 2>&1 <<'PY'
import csv, sys, h5py
rows = list(csv.DictReader(open(sys.argv[1])))
assert [(r["status"], r["seed"]) for r in rows] == [("ok", "2"), ("missing", "")], rows
# The table holds the result file's own numbers, to the bit.
f = h5py.File(sys.argv[2])
assert rows[0]["epochs"] == str(f["/training/loss"].shape[0]) == "4", rows
assert float(rows[0]["correct"]) == f["/evaluation/correct"].attrs["mean"], rows
assert float(rows[0]["heldout_loss"]) == f["/evaluation/loss"][()], rows
assert float(rows[0]["training_loss"]) == f["/training/loss"][-1], rows
PY
[ $? -eq 0 ] && [ $code -eq 1 ] && [ -s "$tmp/table-loss.png" ]
result $? "summary table and loss plot with a missing run (exit $code: $(tail -1 "$tmp/log"))"
check_refused() {  # expected-text, arguments...
  local expected=$1
  shift
  "$neurode" "$@" -o "$tmp/refused.h5" >"$tmp/out" 2>"$tmp/err"
  local code=$?
  [ $code -eq 2 ] && grep -q -- "$expected" "$tmp/err" && [ "$(grep -c '^neurode:' "$tmp/err")" -eq 1 ] &&
    [ ! -e "$tmp/refused.h5" ]
  result $? "neurode $* refused (exit $code: $(grep '^neurode:' "$tmp/err"))"
}
check_refused "expected a whole number >= 0, got '-1'" train "$config" --seed -1
check_refused "expected a whole number >= 0, got '3x'" train "$config" --seed 3x
check_refused "expected a whole number >= 0, got '99999999999999999999'" train "$config" --seed 99999999999999999999
check_refused "option of train and pathfinder only" simulate "$source_dir/inputs/wta_two_columns.yaml" --seed 1
finish
