#!/usr/bin/env bash
# Outputs that cannot be written (docs/reliability.md, exit code 4 and "Outputs"; issue 16, defects
# 1 and 9), on 2 ranks through tools/mpirun.sh:
# - an output directory that does not exist, or is removed while a training runs: exit 4 (not 2)
#   and one line naming the path;
# - on a small file system this test mounts (tmpfs; needs root, skipped otherwise), filled up to a
#   chosen free space by a filler file:
#   (a) `neurode simulate` whose result does not fit: exit 4, one line naming the output (never its
#       temporary name), nothing at the output path (a file already there untouched), no
#       temporary file left;
#   (b) `neurode train` whose checkpoints fit but whose result does not: exit 4, the line names the
#       output, the last checkpoint kept and readable, no output, no temporary; with space freed,
#       the rerun resumes from the checkpoint and equals an uninterrupted run bit for bit;
#   (b2) a training whose second checkpoint does not fit: exit 4, the first checkpoint kept; the
#       rerun with space freed resumes from it to the same result.
set -euo pipefail
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# shellcheck source=tests/support/reliability_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/reliability_checks.sh"
simulation=$source_dir/inputs/wta_two_columns.yaml  # about 600 kB of trajectory
long=$source_dir/tests/data/train_xor_requeue.yaml  # 200 short epochs
observed=$source_dir/tests/data/train_xor_observed.yaml  # result about 40x its checkpoint

# failed_output NAME PATH STATUS: exit 4 and one line naming PATH (the user's name, not a
# temporary one), no traceback. The run's stderr is $tmp/NAME.err.
failed_output() {
  local name=$1 path=$2 status=$3
  echo "$name: exit $status: $(shown "$tmp/$name.err")"
  check "$name: exit code 4 (got $status)" [ "$status" = 4 ]
  check "$name: one line naming $path ($(shown "$tmp/$name.err"))" one_message "$tmp/$name.err" "$path"
  check "$name: the line names no temporary file" lacks_regex "$tmp/$name.err" '\.tmp[0-9]'
  check "$name: no traceback" no_tracebacks "$tmp/$name.err"
}
lacks_regex() { ! grep -Eq -- "$2" "$1"; }
# run NAME ARGS...: neurode ARGS on 2 ranks, stdout and stderr in $tmp/NAME.{out,err}; sets status.
run() {
  local name=$1
  shift
  status=0
  "${mpirun[@]}" -np 2 "$neurode" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || status=$?
}

# 1. A missing output directory, for a simulation and a training: nothing is created.
run missing-simulate simulate "$simulation" -o "$tmp/missing/sim.h5"
failed_output missing-simulate "$tmp/missing/sim.h5" "$status"
run missing-train train "$source_dir/tests/data/train_xor_tiny.yaml" -o "$tmp/missing/out.h5"
failed_output missing-train "$tmp/missing/out.h5" "$status"
check "missing: the directory was not created" [ ! -e "$tmp/missing" ]

# 2. The output directory removed once the first checkpoint is there: the next checkpoint cannot be
#    written. It is moved away in one step (rm -r could race with a checkpoint being written into
#    it), which removes it from where the training looks, then deleted.
mkdir "$tmp/gone"
start_run removed train "$long" -o "$tmp/gone/out.h5"
check "removed: first checkpoint written" wait_for_file "$tmp/gone/out.h5.checkpoint" "$run_pid" 60
mv "$tmp/gone" "$tmp/moved-away"
finish_run "$run_pid" 60
failed_output removed "$tmp/gone/out.h5" "$run_status"
rm -rf "$tmp/moved-away"

# The rest needs a file system of its own to fill.
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped the full file system: mounting a tmpfs needs root"
  finish
  exit 77
fi
disk=$tmp/disk
mkdir "$disk"
if ! mount -t tmpfs -o size=4m,mode=0755 neurode-full-disk-test "$disk" 2>"$tmp/mount.err"; then
  echo "skipped the full file system: cannot mount a tmpfs ($(head -1 "$tmp/mount.err"))"
  finish
  exit 77
fi
# Unmounted on exit, after the processes of the test have been ended (cleanup in
# reliability_checks.sh); lazily should something still hold it.
cleanup_steps+=("umount '$disk' 2>/dev/null || umount -l '$disk'")

# leave_free BYTES: a filler file takes all but BYTES of the file system's free space (tmpfs counts
# whole pages, so the space left is BYTES rounded down to a page).
leave_free() {
  rm -f "$disk/filler"
  local available
  available=$(df -B1 --output=avail "$disk" | tail -1)
  head -c $((available - $1)) /dev/zero >"$disk/filler"
}
size() { stat -c %s "$1"; }

# (a) A simulation whose result does not fit in 256 kB.
leave_free $((256 * 1024))
run full-simulate simulate "$simulation" -o "$disk/sim.h5"
failed_output full-simulate "$disk/sim.h5" "$status"
check "full-simulate: nothing at the output path" [ ! -e "$disk/sim.h5" ]
check "full-simulate: no temporary file" no_temporaries "$disk"
echo "a result of an earlier run" >"$disk/previous.h5"
cp "$disk/previous.h5" "$tmp/previous.h5"
run full-simulate-over simulate "$simulation" -o "$disk/previous.h5"
failed_output full-simulate-over "$disk/previous.h5" "$status"
check "full-simulate-over: the file already there is untouched" cmp -s "$disk/previous.h5" "$tmp/previous.h5"
check "full-simulate-over: no temporary file" no_temporaries "$disk"
rm -f "$disk/previous.h5"

# (b) A training whose checkpoints fit and whose result does not: half the result's size is free.
run reference train "$observed" -o "$tmp/reference.h5"
check "reference training on a roomy disk (exit $status)" [ "$status" -eq 0 ]
result_size=$(size "$tmp/reference.h5")
free=$((result_size / 2))
leave_free "$free"
run full-result train "$observed" -o "$disk/out.h5"
failed_output full-result "$disk/out.h5" "$status"
check "full-result: the line says the checkpoint is kept" one_message "$tmp/full-result.err" "checkpoint" "kept"
check "full-result: nothing at the output path" [ ! -e "$disk/out.h5" ]
check "full-result: no temporary file" no_temporaries "$disk"
epoch=$(readable_checkpoint "$disk/out.h5.checkpoint" 2>"$tmp/h5py.err") || epoch=0
check "full-result: the checkpoint of the last epoch is readable (epoch $epoch; $(tail -1 "$tmp/h5py.err"))" [ "$epoch" -eq 4 ]
checkpoint_size=$(size "$disk/out.h5.checkpoint" 2>/dev/null || echo 0)
# What the case needs: two checkpoints (the old and its replacement) fit, the result does not.
check "full-result: the sizes make the case (checkpoint $checkpoint_size B, free $free B, result $result_size B)" \
  [ $((2 * checkpoint_size + 8192)) -lt "$free" ]
rm -f "$disk/filler"  # space freed
run resume-result train "$observed" -o "$disk/out.h5"
check "resume-result: exit 0 (got $status: $(shown "$tmp/resume-result.err"))" [ "$status" -eq 0 ]
check "resume-result: resumed after epoch 4" grep -Eq "resuming from .* after epoch 4\$" "$tmp/resume-result.out"
check "resume-result: equals the uninterrupted run" same "$tmp/reference.h5" "$disk/out.h5"
check "resume-result: checkpoint removed" [ ! -e "$disk/out.h5.checkpoint" ]
check "resume-result: no temporary file" no_temporaries "$disk"
rm -f "$disk/out.h5"

# (b2) Room for one checkpoint and a half: the first is written, the second (written beside the
#      first before replacing it) is not.
leave_free $((checkpoint_size * 3 / 2))
run full-checkpoint train "$observed" -o "$disk/out.h5"
failed_output full-checkpoint "$disk/out.h5" "$status"
check "full-checkpoint: the line says the checkpoint is kept" one_message "$tmp/full-checkpoint.err" "checkpoint" "kept"
epoch=$(readable_checkpoint "$disk/out.h5.checkpoint" 2>"$tmp/h5py.err") || epoch=0
check "full-checkpoint: the first checkpoint is kept and readable (epoch $epoch; $(tail -1 "$tmp/h5py.err"))" [ "$epoch" -eq 1 ]
check "full-checkpoint: nothing at the output path" [ ! -e "$disk/out.h5" ]
check "full-checkpoint: no temporary file" no_temporaries "$disk"
rm -f "$disk/filler"
run resume-checkpoint train "$observed" -o "$disk/out.h5"
check "resume-checkpoint: exit 0 (got $status: $(shown "$tmp/resume-checkpoint.err"))" [ "$status" -eq 0 ]
check "resume-checkpoint: resumed after epoch 1" grep -Eq "resuming from .* after epoch 1\$" "$tmp/resume-checkpoint.out"
check "resume-checkpoint: equals the uninterrupted run" same "$tmp/reference.h5" "$disk/out.h5"
finish
