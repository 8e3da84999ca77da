#!/usr/bin/env bash
# neurode scan: a grid of solvers by seeds on 1, 2 and 3 ranks, and with 2 ranks per point, gives
# the same file (table and every point's result, bit for bit) and the same CSV, one row per point;
# a scan killed part-way and rerun computes only the missing points and ends equal to an
# uninterrupted one; points that diverge are recorded as failed with their messages while the
# others complete; bad scan files give one-line errors naming the key; h5py reads every dataset
# and tools/neurode_results.py's table equals the CSV; tools/plot_scan.py draws it.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
scan=$source_dir/tests/data/scan_xor_tiny.yaml
same_scan() { /usr/bin/python3 "$source_dir/tests/support/same_scan.py" "$1" "$2"; }
# The CSVs of two runs: equal but for the wall times.
same_table() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:3])
for r in a + b:
    r.pop("wall_time_s")
sys.exit(0 if a == b and len(a) > 0 else 1)
PY
}

# 1. The same scan on 1, 2 and 3 ranks, and 3 ranks in groups of 2.
for run in 1:1 2:1 3:1 3:2; do
  np=${run%:*} k=${run#*:}
  "${mpirun[@]}" -np "$np" "$neurode" scan "$scan" -o "$tmp/scan-$np-$k.h5" --ranks-per-point "$k" \
    >"$tmp/scan-$np-$k.log" 2>&1
  result $? "scan on $np ranks, $k per point ($(tail -1 "$tmp/scan-$np-$k.log"))"
done
rows=$(($(wc -l <"$tmp/scan-1-1.csv") - 1))
[ "$rows" -eq 6 ]; result $? "the CSV has one row per point ($rows of 6)"
[ ! -e "$tmp/scan-1-1.h5.points" ]; result $? "the points' directory is removed after the merge"
for run in 2-1 3-1 3-2; do
  same_scan "$tmp/scan-1-1.h5" "$tmp/scan-$run.h5" >"$tmp/log" 2>&1
  result $? "scan file: 1 rank vs $run ($(tail -1 "$tmp/log"))"
  same_table "$tmp/scan-1-1.csv" "$tmp/scan-$run.csv"
  result $? "CSV: 1 rank vs $run"
done
[ "$(grep -c "^neurode scan: point [0-5] (solver.method = .*, seed = [12]) done in .* s; [1-6]/6 done, 0 failed" \
  "$tmp/scan-3-2.log")" -eq 6 ]
result $? "a progress line per finished point ($(grep -m1 'point 5' "$tmp/scan-3-2.log"))"
"$neurode" scan "$scan" -o "$tmp/scan-1-1.h5" >"$tmp/log" 2>&1
grep -q "already holds all 6 points of this scan; nothing to do" "$tmp/log"
result $? "a rerun of a merged scan does nothing ($(tail -1 "$tmp/log"))"

# 2. Killed after its third point (the line is read from a FIFO as it is written), then rerun.
mkfifo "$tmp/progress"
"$neurode" scan "$scan" -o "$tmp/killed.h5" >"$tmp/progress" 2>"$tmp/killed.err" &
pid=$!
seen=""
while IFS= read -r -t 120 line; do
  if [[ $line =~ ^neurode\ scan:\ point\ 2\ .*\ done ]]; then
    kill -KILL $pid 2>/dev/null
    seen=$line
    break
  fi
done <"$tmp/progress"
wait $pid 2>/dev/null
[ -n "$seen" ] && [ ! -e "$tmp/killed.h5" ] && [ -e "$tmp/killed.h5.points/00002.h5" ]
result $? "killed after point 2: no scan file, the finished points kept"
"$neurode" scan "$scan" -o "$tmp/killed.h5" >"$tmp/log" 2>&1
result $? "rerun after the kill ($(tail -1 "$tmp/log"))"
computed=$(grep -c "^neurode scan: point" "$tmp/log")
# The kill lands within the fourth point at the latest, so 3 or 2 points remain.
grep -q "(3 already finished, 3 to run)\|(4 already finished, 2 to run)" "$tmp/log" && [ "$computed" -le 3 ]
result $? "the rerun computed only the missing points ($computed; $(head -1 "$tmp/log"))"
same_scan "$tmp/scan-1-1.h5" "$tmp/killed.h5" >"$tmp/log" 2>&1
result $? "killed and rerun equals uninterrupted ($(tail -1 "$tmp/log"))"

# 3. Diverging points are recorded and do not stop the scan.
"$neurode" scan "$source_dir/tests/data/scan_diverging.yaml" -o "$tmp/diverging.h5" >"$tmp/log" 2>&1
result $? "a scan with diverging points completes ($(tail -1 "$tmp/log"))"
/usr/bin/python3 - "$tmp/diverging.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
t = f["scan/table"]
status = [s.decode() for s in t["status"][()]]
message = [s.decode() for s in t["message"][()]]
assert status == ["done", "failed", "failed"], status
assert "divergence bound" in message[1] and "fixed step 0.02 s" in message[1], message[1]
assert message[0] == "" and t["held_out_loss"][0] > 0 and t["held_out_loss"][1] != t["held_out_loss"][1]
assert f["points/00001"].attrs["status"] == b"failed" or f["points/00001"].attrs["status"] == "failed"
assert "training" in f["points/00000"] and "training" not in f["points/00001"]
PY
result $? "the diverging points are failed with their messages, the first is done"

# 4. Bad scan files: one line naming the file, the key and what was expected; exit code 2.
bad() {  # name, scan text, expected part of the message
  printf '%s\n' "$2" >"$tmp/$1.yaml"
  "$neurode" scan "$tmp/$1.yaml" -o "$tmp/bad.h5" >"$tmp/out" 2>"$tmp/err"
  local code=$?
  [ $code -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$3" "$tmp/err" && [ ! -e "$tmp/bad.h5" ]
  result $? "$1: exit $code, $(cat "$tmp/err")"
}
base="base: $source_dir/tests/data/train_xor_tiny.yaml"
bad unknown-key "$base
axes: {solver.metod: [euler]}" "unknown-key.yaml:2: axes.solver.metod: solver.metod: unknown key 'metod'"
bad empty-axis "$base
axes: {seed: []}" "empty-axis.yaml:2: axes.seed: expected a non-empty list"
bad wrong-type "$base
axes: {training.epochs: [2, many]}" "axes.training.epochs: training.epochs: expected an integer >= 0, got 'many' [in point 1"
bad zip-lengths "$base
combine: zip
axes: {seed: [1, 2], training.epochs: [1, 2, 3]}" "axes.training.epochs: expected 2 values (zipped axes go together"
bad not-a-map "$base
axes: {task.type.x: [1]}" "axes.task.type.x: expected a key path into the base config, but task.type is not a map"
bad no-base "axes: {seed: [1]}" "no-base.yaml: base: required key is missing"
bad missing-base "base: nothere.yaml
axes: {seed: [1]}" "base: expected a readable config file"
bad range "$base
axes: {optimizer.learning_rate: {log_from: 0, log_to: 1, count: 3}}" "axes.optimizer.learning_rate.log_from: expected a number > 0"

# 5. Post-processing: every dataset readable, the module's table equal to the CSV, a plot.
/usr/bin/python3 "$source_dir/tests/support/check_scan_file.py" "$tmp/scan-2-1.h5" "$tmp/scan-2-1.csv" >"$tmp/log" 2>&1
result $? "h5py reads every dataset; tools/neurode_results.py's table equals the CSV ($(tail -1 "$tmp/log"))"
/usr/bin/python3 "$source_dir/tools/plot_scan.py" "$tmp/scan-2-1.h5" --metric held_out_loss --x solver.method \
  -o "$tmp/scan.png" >"$tmp/log" 2>&1 && [ -s "$tmp/scan.png" ]
result $? "tools/plot_scan.py draws the held-out loss against the solver ($(tail -1 "$tmp/log"))"
finish
