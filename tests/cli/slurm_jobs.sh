#!/usr/bin/env bash
# The job scripts of jobs/ under a real single-node Slurm (tools/local-slurm.sh):
# - jobs/train.sbatch trains on 2 MPI ranks, is requeued part-way (from outside, as a preempted or
#   failed node's job is, and by itself on the time-limit signal), resumes from its checkpoint and
#   ends with the result of an uninterrupted run, bit for bit, and its plots;
# - jobs/submit_seed_sweep.sh runs one training per seed as a job array, then the summary job,
#   which tabulates every seed;
# - jobs/simulate.sbatch spreads noise realisations over 2 ranks, to the file of a 1-rank run.
# Skipped (exit 77) where Slurm is not installed (tools/install-slurm.sh; tools/test.sh installs it).
set -u
# Absolute paths: the test works in its own directory, and must find the stop script on exit.
neurode=$(realpath "$1")
source_dir=$(realpath "$2")
for program in munged slurmctld slurmd sbatch scontrol squeue; do
  command -v $program >/dev/null || { echo "skipped: $program not installed (bash tools/install-slurm.sh)"; exit 77; }
done
tmp=$(mktemp -d)
chmod 755 "$tmp"  # munge's socket lives below it
# Below the kernel's range for outgoing connections (from 32768), which could hold any port above
# it; tools/local-slurm.sh moves on when another program holds this one.
port=$((20000 + $$ % 5000 * 2))
cleanup() {
  bash "$source_dir/tools/local-slurm.sh" stop "$tmp/slurm" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
result() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $2"; fi; }
give_up() { echo "FAILED: $1"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }
# Every Slurm client call has a time limit: with a controller gone, each would retry for minutes.
field() { timeout 20 scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
# Waits (at most $2 seconds) until job $1 has left the queue; every wait has a limit (an
# impossible request would otherwise pend silently).
wait_gone() {
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    [ -z "$(timeout 20 squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  return 1
}

start=$(bash "$source_dir/tools/local-slurm.sh" start "$tmp/slurm" $port 2>"$tmp/slurm.err") ||
  give_up "local Slurm did not start: $(tail -3 "$tmp/slurm.err")"
eval "$start"
NEURODE_BUILD_DIR=$(dirname "$(dirname "$neurode")")  # the scripts run $NEURODE_BUILD_DIR/apps/neurode
export NEURODE_ROOT=$source_dir NEURODE_BUILD_DIR
cd "$tmp" || give_up "cd $tmp"

# 1. A training interrupted part-way resumes to the uninterrupted result: requeued from outside
#    (as a preempted job or one on a failed node is), and by itself on the time-limit signal
#    (--signal=B:USR1, sent here at once rather than 5 minutes before a limit).
config=$source_dir/tests/data/train_xor_requeue.yaml
"$neurode" train "$config" -o "$tmp/uninterrupted.h5" >"$tmp/uninterrupted.log" 2>&1 ||
  give_up "uninterrupted run: $(tail -2 "$tmp/uninterrupted.log")"
interrupted_run() {  # name, then the command that interrupts job $job
  local name=$1 job
  shift
  job=$(timeout 60 sbatch --parsable --ntasks=2 "$source_dir/jobs/train.sbatch" "$config" "$tmp/$name.h5") ||
    give_up "sbatch jobs/train.sbatch"
  local log=$tmp/neurode-train-$job.log
  for _ in $(seq 600); do
    grep -q "^epoch    5/" "$log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "^epoch    5/" "$log" 2>/dev/null || give_up "job $job did not reach epoch 5 in 60 s: $(tail -2 "$log" 2>&1)"
  timeout 30 "$@" "$job" || give_up "$* $job"
  # A requeued job waits two minutes before it may start again; let it start now.
  local deadline=$((SECONDS + 30))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(field "$job" JobState)" = PENDING ] && timeout 20 scontrol update JobId="$job" StartTime=now 2>/dev/null && break
    sleep 0.1
  done
  wait_gone "$job" 90 || give_up "job $job still queued after 90 s: $(field "$job" JobState) $(field "$job" Reason)"
  [ "$(field "$job" JobState)" = COMPLETED ]
  result $? "$name: job completed (state $(field "$job" JobState), exit $(field "$job" ExitCode))"
  [ "$(field "$job" Restarts)" = 1 ]; result $? "$name: the job ran twice (restarts: $(field "$job" Restarts))"
  grep -q "resuming from $tmp/$name.h5.checkpoint after epoch" "$log"
  result $? "$name: second attempt resumed from the checkpoint ($(grep -c '^neurode job .*attempt' "$log") attempts)"
  /usr/bin/python3 "$source_dir/tests/support/same_training.py" "$tmp/uninterrupted.h5" "$tmp/$name.h5" \
    >"$tmp/same.log" 2>&1
  result $? "$name: result equals the uninterrupted one ($(tail -1 "$tmp/same.log"))"
  [ -s "$tmp/$name-loss.png" ] && [ -s "$tmp/$name-task.png" ]; result $? "$name: plots written by the job"
  [ ! -e "$tmp/$name.h5.checkpoint" ]; result $? "$name: checkpoint removed after success"
  LAST_LOG=$log
}
interrupted_run requeued scontrol requeue
interrupted_run time_limit scancel --batch --signal=USR1
grep -q "time limit near, requeued" "$LAST_LOG"; result $? "time_limit: the job requeued itself on the signal"

# 2. A seed sweep: a job array of trainings, then the summary.
submitted=$(timeout 120 bash "$source_dir/jobs/submit_seed_sweep.sh" "$source_dir/tests/data/train_xor_tiny.yaml" 1-2 \
  "$tmp/sweep") || give_up "submit_seed_sweep.sh"
array=$(echo "$submitted" | sed -n 's/^trainings: job array \([0-9]*\).*/\1/p')
summary=$(echo "$submitted" | sed -n 's/.*summary: job \([0-9]*\).*/\1/p')
[ -n "$array" ] && [ -n "$summary" ] || give_up "job IDs not printed: $submitted"
wait_gone "$summary" 120 || give_up "summary job $summary still queued after 120 s: $(field "$summary" Reason)"
[ "$(field "$summary" JobState)" = COMPLETED ]
result $? "summary job completed after the array ($(cat "$tmp"/neurode-summary-*.log 2>/dev/null | tail -1))"
/usr/bin/python3 - "$tmp/sweep" "$array" >"$tmp/sweep.log" 2>&1 <<'PY'
import csv, sys, h5py, numpy as np
d, array = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(f"{d}/train_xor_tiny-seeds.csv")))
assert [r["status"] for r in rows] == ["ok", "ok"], rows
assert [r["seed"] for r in rows] == ["1", "2"], rows
one, two = (h5py.File(f"{d}/train_xor_tiny-seed{s}.h5") for s in (1, 2))
# The table holds each seed's own numbers, to the bit.
for r, f in zip(rows, (one, two)):
    assert r["epochs"] == "4" and float(r["heldout_loss"]) == f["/evaluation/loss"][()], (r, f.filename)
    # Each file names the array job and the task (the seed) that wrote it.
    p = f["/provenance"].attrs
    assert (p["slurm_array_job_id"], p["slurm_array_task_id"]) == (array, r["seed"]), dict(p)
assert b"seed: 2" in two["/config/text"][()] or "seed: 2" in str(two["/config/text"][()])
# The seed keys the initial jitter: the two trainings start from different weights.
assert not np.array_equal(one["/parameters/initial"][()], two["/parameters/initial"][()])
import os
assert os.path.getsize(f"{d}/train_xor_tiny-seeds-loss.png") > 0
print("2 seeds tabulated and plotted")
PY
result $? "sweep results and table ($(tail -1 "$tmp/sweep.log"))"
# 3. An ensemble of noise realisations on 2 ranks equals the same simulation on 1 rank.
cat >"$tmp/ensemble.yaml" <<'YAML'
seed: 2
model: {small_network: true, areas: [{name: mt, columns: 2}]}
stimulus:
  times: [0.0, 0.01]
  segments: [[], [{column: 0, populations: [L4e, L4i], rate: 20}]]
noise: {sigma: 10, resolution: 1.0e-4, realisations: 6}
simulation: {t_end: 0.02, output_times: {count: 21}, block_size: 2}
YAML
"$neurode" simulate "$tmp/ensemble.yaml" -o "$tmp/ensemble-1.h5" >"$tmp/ensemble.log" 2>&1 ||
  give_up "ensemble on 1 rank: $(tail -2 "$tmp/ensemble.log")"
job=$(timeout 60 sbatch --parsable --ntasks=2 "$source_dir/jobs/simulate.sbatch" "$tmp/ensemble.yaml" "$tmp/ensemble-2.h5") ||
  give_up "sbatch jobs/simulate.sbatch"
wait_gone "$job" 120 || give_up "simulate job $job still queued after 120 s: $(field "$job" Reason)"
[ "$(field "$job" JobState)" = COMPLETED ]
result $? "simulate job completed ($(tail -1 "$tmp/neurode-simulate-$job.log" 2>/dev/null))"
/usr/bin/python3 - "$tmp" "$job" >"$tmp/ensemble-check.log" 2>&1 <<'PY'
import os, sys, h5py, numpy as np
d, job = sys.argv[1], sys.argv[2]
one, two = (h5py.File(f"{d}/ensemble-{k}.h5", "r") for k in (1, 2))
for name in ("V", "a", "r", "realisation"):
    assert np.array_equal(one["/trajectory/" + name][()], two["/trajectory/" + name][()]), name
assert two["/provenance"].attrs["mpi_ranks"] == 2, two["/provenance"].attrs["mpi_ranks"]
assert two["/provenance"].attrs["slurm_job_id"] == job, dict(two["/provenance"].attrs)  # the job that wrote it
assert os.path.getsize(f"{d}/ensemble-2.png") > 0
print("6 realisations on 2 ranks equal the 1-rank file")
PY
result $? "ensemble on 2 ranks ($(tail -1 "$tmp/ensemble-check.log"))"
# 4. A scan split over a job array of 2 tasks, then the collecting job: the same file and table
#    as one MPI run of the scan.
scan=$source_dir/tests/data/scan_xor_tiny.yaml
bash "$source_dir/tools/mpirun.sh" -np 2 "$neurode" scan "$scan" -o "$tmp/scan-mpi.h5" >"$tmp/scan-mpi.log" 2>&1 ||
  give_up "scan on 2 ranks: $(tail -2 "$tmp/scan-mpi.log")"
submitted=$(timeout 120 bash "$source_dir/jobs/submit_scan.sh" "$scan" -o "$tmp/scan-array.h5" --array 2 -- --ntasks=1) ||
  give_up "submit_scan.sh: $submitted"
tasks=$(echo "$submitted" | sed -n 's/^scan: job array \([0-9]*\).*/\1/p')
collect=$(echo "$submitted" | sed -n 's/.*collecting job \([0-9]*\).*/\1/p')
[ -n "$tasks" ] && [ -n "$collect" ] || give_up "job IDs not printed: $submitted"
wait_gone "$collect" 180 || give_up "collecting job $collect still queued after 180 s: $(field "$collect" Reason)"
[ "$(field "$collect" JobState)" = COMPLETED ]
result $? "collecting job completed ($(tail -1 "$tmp/neurode-scan-$collect.log" 2>/dev/null))"
grep -q "(6 already finished, 0 to run)" "$tmp/neurode-scan-$collect.log"
result $? "the array tasks computed every point, the collecting job none ($(grep -m1 'points (' "$tmp/neurode-scan-$collect.log"))"
/usr/bin/python3 "$source_dir/tests/support/same_scan.py" "$tmp/scan-mpi.h5" "$tmp/scan-array.h5" >"$tmp/scan-same.log" 2>&1
result $? "the array's scan file equals the MPI run's ($(tail -1 "$tmp/scan-same.log"))"
/usr/bin/python3 - "$tmp/scan-array.h5" "$tasks" >"$tmp/scan-array.log" 2>&1 <<'PY'
import sys, h5py
f, array = h5py.File(sys.argv[1], "r"), sys.argv[2]
tasks = set()
for p in range(6):
    a = f[f"/points/{p:05d}/provenance"].attrs
    text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
    assert text(a["slurm_array_job_id"]) == array, dict(a)
    tasks.add(text(a["slurm_array_task_id"]))
    assert int(text(a["slurm_array_task_id"])) == p % 2, (p, dict(a))  # point p is task p mod 2's
print("points of tasks", sorted(tasks))
PY
result $? "each point was computed by its array task ($(tail -1 "$tmp/scan-array.log"))"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
