# Helpers of the reliability tests (tests/cli/full_disk.sh, signals.sh, damaged_checkpoint.sh),
# which check docs/reliability.md. Sourced right after tests/support/cli_checks.sh:
#   source "$(dirname "${BASH_SOURCE[0]}")/../support/reliability_checks.sh"
# Every run of neurode here writes under $tmp, whose name is unique, so the processes of a test are
# found by that name in their command lines (pgrep -f) and by nothing broader.
# shellcheck shell=bash disable=SC2034,SC2154  # tmp, neurode, mpirun, source_dir: cli_checks.sh
python=/usr/bin/python3  # Debian's, which has h5py (the first python3 on PATH may not)
if ! "$python" -c 'import h5py, numpy' 2>/dev/null; then
  echo "skipped: $python lacks h5py or numpy (apt-get install python3-h5py)"
  exit 77
fi

# On exit: no process of this test may outlive it (a failed check can leave a run going), then
# whatever the test registered in cleanup_steps (e.g. unmounting), then the scratch directory.
cleanup_steps=()
cleanup() {
  local pids
  pids=$(pgrep -f -- "$tmp" || true)
  # shellcheck disable=SC2086  # one PID a word
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  local step
  for step in "${cleanup_steps[@]}"; do eval "$step" || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# check DESCRIPTION COMMAND...: runs COMMAND as one counted check (set -e does not end the test).
check() {
  local what=$1
  shift
  if "$@"; then result 0 "$what"; else result 1 "$what"; fi
}

# start_run NAME ARGS...: `neurode ARGS` on 2 ranks through tools/mpirun.sh in the background,
# stdout in $tmp/NAME.out and stderr in $tmp/NAME.err; its PID in run_pid. SIGINT is reset to
# its default first: a background command of a non-interactive shell starts with SIGINT ignored,
# and tools/mpirun.sh could then not trap it as it does when started from a terminal.
start_run() {
  local name=$1
  shift
  env --default-signal=INT "${mpirun[@]}" -np 2 "$neurode" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  run_pid=$!
}

# wait_for_file PATH PID SECONDS: until PATH exists (0); 1 when PID ended first or time ran out.
wait_for_file() {
  local deadline=$((SECONDS + $3))
  while [ ! -e "$1" ]; do
    kill -0 "$2" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

# wait_for_line FILE REGEX PID SECONDS: until FILE has a line matching the extended REGEX.
wait_for_line() {
  local deadline=$((SECONDS + $4))
  until grep -Eq -- "$2" "$1" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

# finish_run PID SECONDS: waits for the background PID at most SECONDS; sets run_status (its exit
# status, or "hung" after the time, when its processes are killed) and run_seconds.
finish_run() {
  local start=$EPOCHREALTIME deadline=$((SECONDS + $2)) hung=0 status=0
  while kill -0 "$1" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.02; done
  if kill -0 "$1" 2>/dev/null; then
    hung=1
    local pids
    pids=$(pgrep -f -- "$tmp" || true)
    # shellcheck disable=SC2086  # one PID a word
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  fi
  wait "$1" 2>/dev/null || status=$?  # (bash would report a killed run as "Killed")
  run_seconds=$(elapsed_since "$start")
  if [ "$hung" -eq 1 ]; then run_status=hung; else run_status=$status; fi
}
# elapsed_since EPOCHREALTIME: seconds since then, to 0.01 s.
elapsed_since() { LC_ALL=C awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
# at_most SECONDS LIMIT: SECONDS <= LIMIT (decimals).
at_most() { LC_ALL=C awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# processes PATTERN: the PIDs of processes whose command line holds PATTERN (an extended regex).
processes() { pgrep -f -- "$1" || true; }
# gone_within PATTERN SECONDS: no process matches PATTERN any more, at the latest after SECONDS.
# (Its stderr is discarded: bash reports there a background run killed by SIGKILL as "Killed".)
gone_within() {
  local deadline=$((SECONDS + $2))
  while [ -n "$(processes "$1")" ]; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
} 2>/dev/null

# messages FILE: the lines neurode printed on stderr (mpirun adds its own block after a non-zero
# exit code; those lines are not neurode's and are not counted).
messages() { grep -E '^neurode' "$1" || true; }
# one_message FILE REGEX...: FILE holds exactly one line of neurode's and it matches every REGEX
# (extended, case-insensitive).
one_message() {
  local file=$1 line
  shift
  [ "$(messages "$file" | wc -l)" -eq 1 ] || return 1
  line=$(messages "$file")
  local pattern
  for pattern in "$@"; do grep -Eiq -- "$pattern" <<<"$line" || return 1; done
}
# lacks FILE TEXT: no line of FILE holds TEXT.
lacks() { ! grep -qF -- "$2" "$1"; }
# no_tracebacks FILE: no PETSc traceback, sanitizer report or crash in FILE.
no_tracebacks() { ! grep -Eq 'PETSC ERROR|Sanitizer|runtime error:|Segmentation|Aborted|core dumped|terminate called' "$1"; }
# shown FILE: FILE's neurode lines (or its last line) for a failure's description.
shown() { local m; m=$(messages "$1" | head -3); [ -n "$m" ] || m=$(tail -1 "$1" 2>/dev/null); echo "$m"; }

# no_temporaries DIR: no FINAL.tmpPID file (of a result or a checkpoint) is left in DIR.
no_temporaries() { [ -z "$(find "$1" -maxdepth 1 -name '*.tmp[0-9]*' -print -quit)" ]; }

# readable_checkpoint FILE: h5py opens FILE and reads every dataset; the epoch is at least 1 and
# the parameters are finite. Prints the epoch.
readable_checkpoint() {
  "$python" - "$1" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    def read(name, o):  # a non-None return would end the visit
        if isinstance(o, h5py.Dataset):
            o[()]
    f.visititems(read)
    epoch = int(f["/epoch"][()])
    assert epoch >= 1, epoch
    assert np.all(np.isfinite(f["/parameters"][()]))
    print(epoch)
PY
}

# same A.h5 B.h5: two training results equal bit for bit (wall times excluded).
same() { "$python" "$source_dir/tests/support/same_training.py" "$1" "$2" >/dev/null 2>&1; }
