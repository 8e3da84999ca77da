#!/usr/bin/env bash
# Damaged checkpoints (docs/reliability.md, "Checkpoints" and "Outputs"; issue 16, defect 7), on 2
# ranks through tools/mpirun.sh: a checkpoint of the same config that is truncated, empty, random
# bytes, an HDF5 file lacking one of its datasets, holding NaN or infinity, claiming epoch 1e12 (or
# a negative or fractional one), or with the wrong parameter count never blocks the rerun: the run
# ends 0, one line says the checkpoint was set aside as OUT.h5.checkpoint.damaged and the training
# started again, and the result equals an uninterrupted run. The undamaged checkpoint it was made
# from resumes instead. Temporary files of dead processes (OUT.h5.checkpoint.tmpPID, OUT.h5.tmpPID)
# are removed by the next write; one of a live process is not.
set -euo pipefail
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# shellcheck source=tests/support/reliability_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/reliability_checks.sh"
cfg=$source_dir/tests/data/train_xor_tiny.yaml  # 4 epochs: a fraction of a second

status=0
"${mpirun[@]}" -np 2 "$neurode" train "$cfg" -o "$tmp/reference.h5" >"$tmp/reference.log" 2>&1 || status=$?
check "uninterrupted training (exit $status: $(tail -1 "$tmp/reference.log"))" [ "$status" -eq 0 ]

# A genuine checkpoint of this config, without timing anything: when the result cannot be put in
# place (its name is taken by a directory), the training ends with exit 4 and keeps the checkpoint
# of its last epoch.
mkdir -p "$tmp/base/out.h5/occupied"
status=0
"${mpirun[@]}" -np 2 "$neurode" train "$cfg" -o "$tmp/base/out.h5" >"$tmp/base.log" 2>&1 || status=$?
check "a training whose result cannot be written ends with exit 4 (got $status)" [ "$status" -eq 4 ]
check "and keeps its checkpoint" [ -f "$tmp/base/out.h5.checkpoint" ]
if [ ! -f "$tmp/base/out.h5.checkpoint" ]; then
  echo "no checkpoint to damage: $(tail -1 "$tmp/base.log")"
  finish
  exit 1
fi
base=$tmp/base.checkpoint
cp "$tmp/base/out.h5.checkpoint" "$base"

# The damaged copies, one per case, in $tmp/cases/NAME.
mkdir "$tmp/cases"
"$python" - "$base" "$tmp/cases" <<'PY'
import os, random, shutil, sys
import h5py, numpy as np

base, out = sys.argv[1], sys.argv[2]
data = open(base, "rb").read()
def raw(name, content):
    with open(os.path.join(out, name), "wb") as f:
        f.write(content)
raw("truncated", data[: len(data) // 2])
raw("truncated-superblock", data[:100])
raw("empty", b"")
raw("random-bytes", random.Random(16).randbytes(len(data)))

def edited(name, edit):
    path = os.path.join(out, name)
    shutil.copy(base, path)
    with h5py.File(path, "r+") as f:
        edit(f)
def replace(dataset, value):
    def edit(f):
        del f[dataset]
        f[dataset] = value
    return edit
with h5py.File(base, "r") as f:
    datasets = [n for n in f.keys() if isinstance(f[n], h5py.Dataset)]
    parameters = f["/parameters"][()]
    optimizer = f["/optimizer_state"][()]
assert {"config_text", "epoch", "parameters", "optimizer_state", "history"} <= set(datasets), datasets
for name in datasets:
    edited("missing-" + name, lambda f, n=name: f.__delitem__(n))
nan = parameters.copy(); nan[3] = np.nan
edited("nan-parameters", replace("/parameters", nan))
inf = optimizer.copy(); inf[0] = np.inf
edited("inf-optimizer-state", replace("/optimizer_state", inf))
edited("epoch-1e12", replace("/epoch", 1e12))
edited("epoch-negative", replace("/epoch", -1.0))
edited("epoch-fractional", replace("/epoch", 2.5))
edited("parameter-count", replace("/parameters", parameters[:-1]))
edited("parameters-as-matrix", replace("/parameters", parameters.reshape(1, -1).repeat(2, axis=0)))
PY

# The undamaged checkpoint resumes (after its last epoch: only the final evaluation is left).
mkdir "$tmp/intact"
cp "$base" "$tmp/intact/out.h5.checkpoint"
status=0
"${mpirun[@]}" -np 2 "$neurode" train "$cfg" -o "$tmp/intact/out.h5" >"$tmp/intact.out" 2>"$tmp/intact.err" || status=$?
check "intact: exit 0 (got $status: $(shown "$tmp/intact.err"))" [ "$status" -eq 0 ]
check "intact: resumed" grep -q "resuming from" "$tmp/intact.out"
check "intact: nothing set aside" [ ! -e "$tmp/intact/out.h5.checkpoint.damaged" ]
check "intact: equals the uninterrupted run" same "$tmp/reference.h5" "$tmp/intact/out.h5"

for damaged in "$tmp"/cases/*; do
  name=$(basename "$damaged")
  dir=$tmp/run-$name out=$tmp/run-$name/out.h5
  mkdir "$dir"
  cp "$damaged" "$out.checkpoint"
  status=0
  "${mpirun[@]}" -np 2 "$neurode" train "$cfg" -o "$out" >"$tmp/$name.out" 2>"$tmp/$name.err" || status=$?
  echo "$name: exit $status: $(shown "$tmp/$name.err")"
  check "$name: exit 0 (got $status: $(shown "$tmp/$name.err"))" [ "$status" -eq 0 ]
  check "$name: one line saying it was set aside as out.h5.checkpoint.damaged and training restarted ($(shown "$tmp/$name.err"))" \
    one_message "$tmp/$name.err" "set aside" "$out\\.checkpoint\\.damaged" "epoch 0|start"
  check "$name: no traceback" no_tracebacks "$tmp/$name.err"
  check "$name: not resumed" lacks "$tmp/$name.out" "resuming from"
  check "$name: the damaged file kept as it was, as out.h5.checkpoint.damaged" cmp -s "$damaged" "$out.checkpoint.damaged"
  check "$name: result equals the uninterrupted run" same "$tmp/reference.h5" "$out"
  check "$name: checkpoint removed after success" [ ! -e "$out.checkpoint" ]
  check "$name: no temporary file" no_temporaries "$dir"
done

# Temporaries left by processes that were killed while writing (their PIDs no longer run) are
# removed; one of a running process (this shell) may still be written and stays.
dead=$(sh -c 'echo $$')  # a PID that has just ended
dir=$tmp/stale out=$tmp/stale/out.h5
mkdir "$dir"
echo partial >"$out.checkpoint.tmp$dead"
echo partial >"$out.tmp$dead"
echo partial >"$out.checkpoint.tmp$$"
status=0
"${mpirun[@]}" -np 2 "$neurode" train "$cfg" -o "$out" >"$tmp/stale.out" 2>"$tmp/stale.err" || status=$?
check "stale: exit 0 (got $status: $(shown "$tmp/stale.err"))" [ "$status" -eq 0 ]
check "stale: the dead run's checkpoint temporary removed" [ ! -e "$out.checkpoint.tmp$dead" ]
check "stale: the dead run's result temporary removed" [ ! -e "$out.tmp$dead" ]
check "stale: a live process's temporary left alone" [ -e "$out.checkpoint.tmp$$" ]
check "stale: result equals the uninterrupted run" same "$tmp/reference.h5" "$out"
finish
