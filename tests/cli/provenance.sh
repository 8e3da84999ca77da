#!/usr/bin/env bash
# /provenance of the outputs (docs/output-format.md): a training on 2 ranks inside a (simulated)
# Slurm array job records the job, array job and array task ids, this machine as the one host of
# both ranks, and the compiler, its flags and the build type; a simulation outside Slurm records no
# Slurm attribute at all (an absent attribute means "not under Slurm").
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
host=$(hostname 2>/dev/null || /usr/bin/python3 -c 'import socket; print(socket.gethostname())')
# -x gives the variables to the ranks alone: set for mpirun itself, they would make Open MPI
# believe it runs inside a Slurm allocation.
env -u SLURM_JOB_ID -u SLURM_ARRAY_JOB_ID -u SLURM_ARRAY_TASK_ID "${mpirun[@]}" -np 2 \
  -x SLURM_JOB_ID=123 -x SLURM_ARRAY_JOB_ID=120 -x SLURM_ARRAY_TASK_ID=4 \
  "$neurode" train "$source_dir/tests/data/train_xor_tiny.yaml" -o "$tmp/train.h5" >"$tmp/log" 2>&1
result $? "train on 2 ranks with Slurm variables ($(tail -1 "$tmp/log"))"
/usr/bin/python3 - "$tmp/train.h5" "$host" >"$tmp/check" 2>&1 <<'PY'
import sys, h5py
p = dict(h5py.File(sys.argv[1])["/provenance"].attrs)
print({k: v for k, v in p.items() if k != "command_line"})
assert (p["slurm_job_id"], p["slurm_array_job_id"], p["slurm_array_task_id"]) == ("123", "120", "4"), p
assert p["mpi_ranks"] == 2 and p["hosts"] == sys.argv[2] and p["host_count"] == 1, p
assert p["compiler"].strip() and " " in p["compiler"], p["compiler"]  # id and version, "GNU 12.2.0"
assert p["build_type"] and isinstance(p["compiler_flags"], str), p
if p["build_type"] == "Release":
    assert "-O3" in p["compiler_flags"], p["compiler_flags"]
PY
result $? "the training's /provenance ($(tail -1 "$tmp/check"))"
env -u SLURM_JOB_ID -u SLURM_ARRAY_JOB_ID -u SLURM_ARRAY_TASK_ID \
  "$neurode" simulate "$source_dir/inputs/wta_two_columns.yaml" -o "$tmp/sim.h5" >"$tmp/log" 2>&1
result $? "simulate outside Slurm ($(tail -1 "$tmp/log"))"
/usr/bin/python3 - "$tmp/sim.h5" "$host" >"$tmp/check" 2>&1 <<'PY'
import sys, h5py
p = dict(h5py.File(sys.argv[1])["/provenance"].attrs)
assert not [k for k in p if k.startswith("slurm")], p
assert p["hosts"] == sys.argv[2] and p["host_count"] == 1 and p["compiler"], p
print("no Slurm attributes; host", p["hosts"])
PY
result $? "the simulation's /provenance ($(tail -1 "$tmp/check"))"
finish
