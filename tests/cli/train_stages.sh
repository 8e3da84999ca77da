#!/usr/bin/env bash
# A staged training (`stages:`) is the chain of trainings it describes: stage K is the config with
# its sections merged in, started from stage K-1's final weights, bit for bit the same as running
# the stages by hand with initial_parameters. A rerun keeps the stages that are done (a damaged or
# missing stage result is trained again, to the same bits); a bad stage is refused before any work,
# naming the stage, the key and its line.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
base=$source_dir/tests/data/train_xor_tiny.yaml
cp "$base" "$tmp/staged.yaml"
cat >>"$tmp/staged.yaml" <<'YAML'
stages:
  - {training: {epochs: 2}, optimizer: {learning_rate: 2.0}}
  - {training: {epochs: 3}, optimizer: {learning_rate: 0.5}, task: {observations: 21}}
YAML
sed 's/epochs: 4/epochs: 2/' "$base" >"$tmp/first.yaml"
{ sed 's/epochs: 4/epochs: 3/; s/learning_rate: 2.0/learning_rate: 0.5/; s/observations: 11/observations: 21/' "$base"
  echo "initial_parameters: first.h5"; } >"$tmp/second.yaml"
"$neurode" train "$tmp/first.yaml" -o "$tmp/first.h5" >"$tmp/log" 2>&1; result $? "stage 1 by hand"
"$neurode" train "$tmp/second.yaml" -o "$tmp/second.h5" >"$tmp/log" 2>&1; result $? "stage 2 by hand"
"$neurode" train "$tmp/staged.yaml" -o "$tmp/out.h5" >"$tmp/staged.log" 2>&1; result $? "staged ($(tail -1 "$tmp/staged.log"))"
grep -q "stage 1 of 2" "$tmp/staged.log" && grep -q "stage 2 of 2" "$tmp/staged.log"; result $? "each stage announced"

same() {  # same(A, B): the training results of two files are equal to the bit
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(f) for f in sys.argv[1:3])
for n in ("training/loss", "parameters/initial", "parameters/final", "evaluation/trajectories"):
    assert np.array_equal(a[n][()].view(np.uint64), b[n][()].view(np.uint64)), n
PY
}
same "$tmp/out.stage-1.h5" "$tmp/first.h5"; result $? "stage 1 equals the first training by hand"
same "$tmp/out.h5" "$tmp/second.h5"; result $? "the last stage equals the chained training by hand"
/usr/bin/python3 -c "
import sys, h5py
f = h5py.File(sys.argv[1])
assert f['/config'].attrs['stage'] == 2 and f['/config'].attrs['stages'] == 2
assert f['/training/loss'].shape[0] == 3
" "$tmp/out.h5"; result $? "the result names its stage and holds its own epochs"

# Rerun: both stages are done and kept; without the final result only the last stage is trained.
cp "$tmp/out.h5" "$tmp/kept.h5"
"$neurode" train "$tmp/staged.yaml" -o "$tmp/out.h5" >"$tmp/log" 2>&1; result $? "rerun"
[ "$(grep -c 'is done' "$tmp/log")" -eq 2 ] && cmp -s "$tmp/out.h5" "$tmp/kept.h5"; result $? "a rerun keeps both stages"
# A comment and another layout are the same config: both stages still done. A value is not.
{ echo "# the staged XOR training, commented afterwards"; sed 's/^stages:$/stages:   # two of them/' "$tmp/staged.yaml"; } >"$tmp/commented.yaml"
"$neurode" train "$tmp/commented.yaml" -o "$tmp/out.h5" >"$tmp/log" 2>&1; result $? "rerun of the commented config"
[ "$(grep -c 'is done' "$tmp/log")" -eq 2 ] && cmp -s "$tmp/out.h5" "$tmp/kept.h5"; result $? "a comment retrains no stage"
sed 's/learning_rate: 0.5}/learning_rate: 0.25}/' "$tmp/staged.yaml" >"$tmp/changed.yaml"
cp "$tmp/out.stage-1.h5" "$tmp/changed.stage-1.h5" && cp "$tmp/out.h5" "$tmp/changed.h5"
"$neurode" train "$tmp/changed.yaml" -o "$tmp/changed.h5" >"$tmp/log" 2>&1; result $? "another value, over the first config's results"
! grep -q "is done" "$tmp/log"; result $? "another value retrains every stage"
rm "$tmp/out.h5"
"$neurode" train "$tmp/staged.yaml" -o "$tmp/out.h5" >"$tmp/log" 2>&1; result $? "rerun without the last result"
grep -q "stage 1 of 2 is done" "$tmp/log" && ! grep -q "stage 2 of 2 is done" "$tmp/log"; result $? "stage 1 kept, stage 2 trained"
same "$tmp/out.h5" "$tmp/second.h5"; result $? "the same last stage again"
# A damaged stage result is trained again: the same bits.
head -c 1000 "$tmp/out.stage-1.h5" >"$tmp/cut" && mv "$tmp/cut" "$tmp/out.stage-1.h5" && rm "$tmp/out.h5"
"$neurode" train "$tmp/staged.yaml" -o "$tmp/out.h5" >"$tmp/log" 2>&1; result $? "rerun with a damaged stage 1"
! grep -q "is done" "$tmp/log" && same "$tmp/out.h5" "$tmp/second.h5"; result $? "both stages trained again, same result"

# Bad stages: exit 2, one line naming the stage's key (and its line), no output.
bad() {  # bad(NAME, STAGES-YAML, EXPECTED-TEXT)
  { cat "$base"; printf 'stages:\n%s\n' "$2"; } >"$tmp/$1.yaml"
  "$neurode" train "$tmp/$1.yaml" -o "$tmp/$1.h5" >"$tmp/$1.log" 2>&1
  local code=$?
  [ $code -eq 2 ] && grep -q -- "$3" "$tmp/$1.log" && [ ! -e "$tmp/$1.h5" ] && [ ! -e "$tmp/$1.stage-1.h5" ]
  result $? "$1: exit $code, $(head -1 "$tmp/$1.log")"
}
bad seed_in_stage '  - {seed: 4}' "stages\[0\].seed: unknown key"
bad negative_rate '  - {training: {epochs: 1}}
  - {optimizer: {learning_rate: -1}}' ":10: optimizer.learning_rate: in stage 2 of 2: expected"
bad empty_list '  []' "stages"
bad stage_scalar '  - 3' "stages\[0\]: expected a map"
finish
