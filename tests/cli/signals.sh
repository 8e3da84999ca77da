#!/usr/bin/env bash
# Signals (docs/reliability.md, "Signals"; issue 16, defect 6), on 2 ranks through tools/mpirun.sh:
# - SIGTERM, then SIGINT, to the launcher of a training: every rank gone within a few seconds, exit
#   code 5, one line saying so and naming the kept checkpoint, the checkpoint readable, no output;
#   each rerun resumes, and the run that completes equals an uninterrupted one bit for bit;
# - SIGINT to the launcher's whole process group, as a terminal's Ctrl-C sends it, and SIGTERM to
#   one rank alone: the same;
# - SIGKILL of mpirun, and of tools/mpirun.sh: no rank left after a few seconds, no output, ever;
# - `neurode simulate` given SIGTERM: exit 5, no output.
# Each signal is sent only once the run has shown it is under way (a checkpoint file, a progress or
# solver-monitor line), and the runs are long enough (200 epochs) not to end before it arrives.
set -euo pipefail
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# shellcheck source=tests/support/reliability_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/reliability_checks.sh"
cfg=$source_dir/tests/data/train_xor_requeue.yaml  # 200 epochs of about 0.05 s on 2 ranks
stop_limit=5  # seconds from the signal to the last rank's end ("within a few seconds")

# The uninterrupted run every resumed one must equal.
status=0
"${mpirun[@]}" -np 2 "$neurode" train "$cfg" -o "$tmp/reference.h5" >"$tmp/reference.log" 2>&1 || status=$?
check "uninterrupted training (exit $status: $(tail -1 "$tmp/reference.log"))" [ "$status" -eq 0 ]

# interrupted NAME SIGNAL OUT: the checks of a training stopped by SIGNAL (run NAME, output OUT).
# Sets kept_epoch to the epoch of the checkpoint it kept.
interrupted() {
  local name=$1 signal=$2 out=$3
  echo "$name: $signal, exit $run_status after $run_seconds s"
  check "$name: exit code 5 (got $run_status)" [ "$run_status" = 5 ]
  check "$name: all ranks gone within $stop_limit s of $signal (${run_seconds} s)" at_most "$run_seconds" "$stop_limit"
  check "$name: no process of the run left" gone_within "$out" 1
  check "$name: one line saying $signal interrupted it and the checkpoint is kept ($(shown "$tmp/$name.err"))" \
    one_message "$tmp/$name.err" "$signal|interrupt" "checkpoint" "kept" "$out\\.checkpoint"
  check "$name: no traceback" no_tracebacks "$tmp/$name.err"
  kept_epoch=$(readable_checkpoint "$out.checkpoint" 2>"$tmp/$name.h5py") || kept_epoch=0
  check "$name: the checkpoint is readable ($(tail -1 "$tmp/$name.h5py"))" [ "$kept_epoch" -ge 1 ]
  check "$name: no output file" [ ! -e "$out" ]
  check "$name: no temporary file" [ -z "$(find "$tmp" -maxdepth 1 -name "$(basename "$out")*.tmp[0-9]*" -print -quit)" ]
}

# 1. SIGTERM to the launcher once the first checkpoint exists.
out=$tmp/chain.h5
start_run term train "$cfg" -o "$out"
check "term: first checkpoint written" wait_for_file "$out.checkpoint" "$run_pid" 60
check "term: 2 ranks running" [ "$(processes "^$neurode .*$out" | wc -l)" -eq 2 ]
kill -TERM "$run_pid"
finish_run "$run_pid" 60
interrupted term SIGTERM "$out"
first=$kept_epoch

# 2. The rerun resumes; SIGINT once it has written a checkpoint of its own (the progress line of
#    epoch first+2 follows the checkpoint of epoch first+1).
start_run int train "$cfg" -o "$out"
check "int: resumed after epoch $first" wait_for_line "$tmp/int.out" "resuming from .* after epoch $first\$" "$run_pid" 60
check "int: trained on after resuming" wait_for_line "$tmp/int.out" "^epoch +$((first + 2))/" "$run_pid" 60
kill -INT "$run_pid"
finish_run "$run_pid" 60
interrupted int SIGINT "$out"
check "int: its checkpoint is later than the first ($kept_epoch > $first)" [ "$kept_epoch" -gt "$first" ]

# 3. The second rerun completes and equals the uninterrupted run.
second=$kept_epoch
status=0
"${mpirun[@]}" -np 2 "$neurode" train "$cfg" -o "$out" >"$tmp/resume.log" 2>&1 || status=$?
check "resume: exit 0 ($(tail -1 "$tmp/resume.log"))" [ "$status" -eq 0 ]
check "resume: resumed after epoch $second" grep -Eq "resuming from .* after epoch $second\$" "$tmp/resume.log"
check "resume: equals the uninterrupted run bit for bit" same "$tmp/reference.h5" "$out"
check "resume: checkpoint removed after success" [ ! -e "$out.checkpoint" ]

# 4. Ctrl-C: SIGINT to every process of the launcher's process group (tools/mpirun.sh and mpirun;
#    a terminal sends it to the foreground group). setsid gives the run a group of its own.
out=$tmp/ctrl-c.h5
setsid env --default-signal=INT "${mpirun[@]}" -np 2 "$neurode" train "$cfg" -o "$out" \
  >"$tmp/ctrl-c.out" 2>"$tmp/ctrl-c.err" &
run_pid=$!
check "ctrl-c: first checkpoint written" wait_for_file "$out.checkpoint" "$run_pid" 60
kill -INT -- "-$run_pid"
finish_run "$run_pid" 60
interrupted ctrl-c SIGINT "$out"

# 5. SIGTERM to one neurode rank alone (the contract's "to neurode"): every rank stops with it.
out=$tmp/one-rank.h5
start_run one-rank train "$cfg" -o "$out"
check "one-rank: first checkpoint written" wait_for_file "$out.checkpoint" "$run_pid" 60
rank=$(processes "^$neurode .*$out" | head -1)
kill -TERM "$rank"
finish_run "$run_pid" 60
interrupted one-rank SIGTERM "$out"

# 6. SIGKILL of mpirun (the launcher's child; setpriv has become it) and 7. of tools/mpirun.sh:
#    the ranks find their launcher gone and end, writing nothing.
for victim in mpirun wrapper; do
  out=$tmp/kill-$victim.h5
  start_run "kill-$victim" train "$cfg" -o "$out"
  check "kill $victim: first checkpoint written" wait_for_file "$out.checkpoint" "$run_pid" 60
  check "kill $victim: 2 ranks running" [ "$(processes "^$neurode .*$out" | wc -l)" -eq 2 ]
  target=$run_pid
  [ "$victim" = wrapper ] || target=$(pgrep -P "$run_pid" -x mpirun || true)
  check "kill $victim: found its process" [ -n "$target" ]
  kill -KILL "${target:-$run_pid}"
  start=$EPOCHREALTIME
  check "kill $victim: no rank left after $stop_limit s" gone_within "$out" "$stop_limit"
  echo "kill $victim: every process of the run gone after $(elapsed_since "$start") s"
  finish_run "$run_pid" 10
  sleep 1  # a rank that had survived unseen would write its output now
  check "kill $victim: no output file" [ ! -e "$out" ]
  check "kill $victim: no output temporary" [ -z "$(find "$tmp" -maxdepth 1 -name "kill-$victim.h5.tmp*" -print -quit)" ]
done

# 8. A simulation given SIGTERM while it solves (a fixed step of 0.1 us: about 1.5 million steps),
#    signalled at its first solver-monitor line.
out=$tmp/simulate.h5
start_run simulate simulate "$source_dir/inputs/wta_two_columns.yaml" -o "$out" \
  -ts_type rk -ts_rk_type 4 -ts_adapt_type none -ts_dt 1e-7 -ts_monitor
check "simulate: solving" wait_for_line "$tmp/simulate.out" "TS dt" "$run_pid" 60
kill -TERM "$run_pid"
finish_run "$run_pid" 60
check "simulate: exit code 5 (got $run_status)" [ "$run_status" = 5 ]
check "simulate: all ranks gone within $stop_limit s of SIGTERM (${run_seconds} s)" at_most "$run_seconds" "$stop_limit"
check "simulate: one line saying SIGTERM interrupted it ($(shown "$tmp/simulate.err"))" \
  one_message "$tmp/simulate.err" "SIGTERM|interrupt"
check "simulate: no traceback" no_tracebacks "$tmp/simulate.err"
check "simulate: no output file" [ ! -e "$out" ]
# Its own temporaries only: a run killed by SIGKILL above may have left a checkpoint's temporary,
# which the next write of that checkpoint removes (docs/reliability.md, "Outputs").
check "simulate: no temporary file" [ -z "$(find "$tmp" -maxdepth 1 -name "simulate.h5.tmp*" -print -quit)" ]
rm -f "$tmp/simulate.out"  # the monitor's lines, tens of MB
finish
