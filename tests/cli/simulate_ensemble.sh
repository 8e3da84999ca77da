#!/usr/bin/env bash
# `neurode simulate` of a noise ensemble, each rank writing its own blocks of runs into the output
# through parallel HDF5 (docs/output-format.md, "neurode simulate"; tests/data/simulate_ensemble.yaml:
# 2 trials x 12 realisations in blocks of 2, fixed RK4 steps):
# 1. On 1, 2 and 3 ranks: every dataset and attribute bitwise the same (but /provenance's date and
#    rank count and /solver's wall time); h5dump reads the file; nothing else is left beside it.
# 2. The documented layout: the shapes, types and attributes of /trajectory, the trial and
#    realisation of every run, the output times, /config/text, /solver's counts, no /progress.
# 3. Blocks of 1 and of 16 runs give the same trajectories bit for bit (with fixed steps a run's
#    arithmetic does not depend on its block): every run's rows land where the gathering code put
#    them, whichever block and rank wrote them.
# 4. 2000 runs on 2 ranks killed with SIGKILL once 20 are done (about 1% of a run of some seconds,
#    so that the kill lands before the end on a loaded machine too): no output, the partial file
#    readable by h5py and h5dump, every run it flags done equal to the uninterrupted run's; the rerun
#    on 3 ranks resumes (integrating only the rest) and ends with the uninterrupted run's content.
# 5. 400 runs killed at random moments and rerun after each kill until one completes: the same
#    content again, and every partial file along the way readable with its flagged runs right (but
#    one killed while being completed, which its journal restores: tests/mpi/ensemble_output_np2.cpp).
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# shellcheck source=tests/support/reliability_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/reliability_checks.sh"
config=$source_dir/tests/data/simulate_ensemble.yaml
same=(/usr/bin/python3 "$source_dir/tests/support/same_simulation.py")

# simulate DIR NP CONFIG: neurode simulate CONFIG -o out.h5 in DIR (the same command line for every
# run, so that /provenance's command_line is the same) on NP ranks; log in DIR/log.
simulate() {
  mkdir -p "$1"
  (cd "$1" && "${mpirun[@]}" -np "$2" "$neurode" simulate "$3" -o out.h5 >log 2>&1)
}
# only_output DIR: DIR holds out.h5 and the log, nothing else (no partial file, journal or temporary).
only_output() { [ "$(cd "$1" && ls -A | sort | tr '\n' ' ')" = "log out.h5 " ]; }

# 1. Rank counts.
for np in 1 2 3; do
  simulate "$tmp/ranks-$np" $np "$config"
  result $? "$np rank(s) ($(tail -1 "$tmp/ranks-$np/log"))"
  check "$np rank(s): only the output is left" only_output "$tmp/ranks-$np"
done
for np in 2 3; do
  check "$np ranks equal 1 rank ($("${same[@]}" "$tmp/ranks-1/out.h5" "$tmp/ranks-$np/out.h5" | head -3))" \
    "${same[@]}" "$tmp/ranks-1/out.h5" "$tmp/ranks-$np/out.h5"
done
check "h5dump reads the file" bash -c "h5dump '$tmp/ranks-2/out.h5' >/dev/null"

# 2. The layout.
/usr/bin/python3 - "$tmp/ranks-2/out.h5" "$config" >"$tmp/layout" 2>&1 <<'PY'
import sys, h5py, numpy as np
path, config = sys.argv[1], sys.argv[2]
problems = []
def expect(ok, what):
    if not ok: problems.append(what)
with h5py.File(path, "r") as f:
    expect(sorted(f) == ["config", "provenance", "solver", "trajectory"], f"groups {sorted(f)}")
    tr = f["trajectory"]
    expect(sorted(tr) == ["V", "a", "r", "realisation", "t", "trial"], f"/trajectory holds {sorted(tr)}")
    for name, units in (("V", "mV"), ("a", "mV"), ("r", "Hz")):
        d = tr[name]
        expect(d.shape == (24, 16, 16) and d.dtype == np.float64, f"{name}: {d.shape} {d.dtype}")
        expect(d.attrs["units"] == units, f"{name} units {d.attrs['units']}")
        expect(d.attrs["layout"] == "trial x time x population", f"{name} layout {d.attrs['layout']}")
        expect(d.attrs["index"].startswith("population = 8 * column + population"), f"{name} index {d.attrs['index']}")
        expect(np.isfinite(d[()]).all(), f"{name} not finite")
    expect(tr["t"].attrs["units"] == "s" and np.array_equal(tr["t"][()], np.linspace(0, 0.15, 16)), "t")
    expect(list(tr["trial"][()]) == [0.0] * 12 + [1.0] * 12 and tr["trial"].dtype == np.float64, "trial")
    expect(list(tr["realisation"][()]) == [float(k) for k in range(12)] * 2, "realisation")
    V = tr["V"][()]
    expect(not np.array_equal(V[0], V[1]) and not np.array_equal(V[0], V[12]), "runs share a path")
    expect(f["config/text"][()].decode() == open(config).read(), "/config/text is not the config")
    s = f["solver"].attrs
    # 12 blocks of 0.15 s in steps of 0.1 ms, four RHS evaluations a step.
    expect(s["method"] == "rk/4, fixed step 0.0001 s" and s["status"] == "success", f"method {s['method']}")
    expect(s["steps"] == 12 * 1500 and s["rhs_evaluations"] == 4 * 12 * 1500 and s["rejected_steps"] == 0,
           f"steps {s['steps']}, RHS evaluations {s['rhs_evaluations']}")
    expect(f["provenance"].attrs["mpi_ranks"] == 2, "mpi_ranks")
print("; ".join(problems) if problems else "ok")
sys.exit(1 if problems else 0)
PY
result $? "layout ($(tail -1 "$tmp/layout"))"

# 3. Block sizes.
for size in 1 16; do
  sed "s/block_size: 2/block_size: $size/" "$config" >"$tmp/blocks-$size.yaml"
  simulate "$tmp/blocks-$size" 2 "$tmp/blocks-$size.yaml"
  result $? "blocks of $size ($(tail -1 "$tmp/blocks-$size/log"))"
done
/usr/bin/python3 - "$tmp" >"$tmp/blocks" 2>&1 <<'PY'
import sys, h5py, numpy as np
tmp = sys.argv[1]
def read(name):
    with h5py.File(f"{tmp}/{name}/out.h5", "r") as f:
        return {k: f["trajectory/" + k][()] for k in f["trajectory"]}, f["solver"].attrs["steps"]
(two, steps2), (one, steps1), (sixteen, steps16) = read("ranks-1"), read("blocks-1"), read("blocks-16")
problems = [f"{k}: blocks of {n} differ" for n, other in ((1, one), (16, sixteen)) for k in two
            if two[k].tobytes() != other[k].tobytes() or two[k].shape != other[k].shape]
if (steps1, steps16) != (24 * 1500, 2 * 1500): problems.append(f"steps {steps1}, {steps16}: not one count per block")
print("; ".join(problems) if problems else "ok: blocks of 1, 2 and 16 give the same bits")
sys.exit(1 if problems else 0)
PY
result $? "block sizes ($(tail -1 "$tmp/blocks"))"

# 4. Killed part-way, then resumed.
sed "s/realisations: 12/realisations: 200/" "$config" >"$tmp/long.yaml"
simulate "$tmp/reference" 2 "$tmp/long.yaml"
result $? "400 runs, uninterrupted ($(tail -1 "$tmp/reference/log"))"
sed "s/realisations: 12/realisations: 1000/" "$config" >"$tmp/longer.yaml"
simulate "$tmp/reference-longer" 2 "$tmp/longer.yaml"
result $? "2000 runs, uninterrupted ($(tail -1 "$tmp/reference-longer/log"))"
# wait_for_done FILE COUNT: until FILE flags at least COUNT runs done (0), or 60 s (1).
wait_for_done() {
  HDF5_USE_FILE_LOCKING=FALSE timeout 60 /usr/bin/python3 - "$1" "$2" <<'PY' 2>/dev/null
import os, sys, time, h5py
while True:
    try:
        with h5py.File(sys.argv[1], "r") as f:
            if f["progress/done"][()].sum() >= int(sys.argv[2]): break
    except (OSError, KeyError):
        pass
    time.sleep(0.02)
PY
}
# in_dir DIR: the PIDs of the processes working in DIR (a run's wrapper, mpirun and ranks: the
# command lines are the same for every run, so that the files are).
in_dir() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/cwd" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
  done
  return 0
}
# kill_run DIR: SIGKILL to every process of the run in DIR at once, then until none is left.
kill_run() {
  local pids deadline=$((SECONDS + 10))
  pids=$(in_dir "$1")
  while [ -n "$pids" ] && [ "$SECONDS" -lt "$deadline" ]; do
    # shellcheck disable=SC2086  # one PID a word
    kill -KILL $pids 2>/dev/null
    sleep 0.05
    pids=$(in_dir "$1")
  done
  [ -z "$pids" ]
}
# stop_run DIR PID: kill_run DIR (its status), then reaps PID (quietly: bash reports a killed job as
# "Killed").
stop_run() {
  local status=0
  kill_run "$1" || status=$?
  wait "$2" || true
  return $status
} 2>/dev/null
# partial_is_right DIR [REFERENCE]: DIR/out.h5.partial opens in h5py and h5dump; the runs it flags
# done (at least one) equal the uninterrupted run's (REFERENCE/out.h5, by default the 400 runs'),
# bit for bit, and so do their blocks' step counts.
partial_is_right() {
  h5dump -d /progress/done "$1/out.h5.partial" >/dev/null || return 1
  /usr/bin/python3 - "$1/out.h5.partial" "${2:-$tmp/reference}/out.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as p, h5py.File(sys.argv[2], "r") as r:
    done = p["progress/done"][()].astype(bool)
    for k in ("V", "a", "r"):
        assert np.array_equal(p["trajectory/" + k][done], r["trajectory/" + k][done]), k
    blocks = done.reshape(-1, 2).all(axis=1)
    assert (p["progress/statistics"][()][blocks, 0] == 1500).all()
    print(f"{done.sum()} of {done.size} runs done, all equal to the uninterrupted run's")
PY
}
mkdir -p "$tmp/killed"
(cd "$tmp/killed" && exec "${mpirun[@]}" -np 2 "$neurode" simulate "$tmp/longer.yaml" -o out.h5 >log 2>&1) &
run_pid=$!
check "killed: 20 runs done" wait_for_done "$tmp/killed/out.h5.partial" 20
check "killed: every process gone" stop_run "$tmp/killed" "$run_pid"
check "killed: no output" [ ! -e "$tmp/killed/out.h5" ]
check "killed: the partial file is right ($(partial_is_right "$tmp/killed" "$tmp/reference-longer" 2>&1 | tail -1))" partial_is_right "$tmp/killed" "$tmp/reference-longer"
mv "$tmp/killed/log" "$tmp/killed/first.log"
simulate "$tmp/killed" 3 "$tmp/longer.yaml"
result $? "rerun on 3 ranks ($(tail -1 "$tmp/killed/log"))"
check "rerun: resumed ($(grep -m1 resuming "$tmp/killed/log"))" \
  grep -Eq "resuming .*out.h5.partial: [1-9][0-9]* of 1000 blocks done" "$tmp/killed/log"
check "rerun: equals the uninterrupted run ($("${same[@]}" "$tmp/reference-longer/out.h5" "$tmp/killed/out.h5" | head -3))" \
  "${same[@]}" "$tmp/reference-longer/out.h5" "$tmp/killed/out.h5"
rm -f "$tmp/killed/first.log"
check "rerun: only the output is left" only_output "$tmp/killed"

# 5. Killed at random moments (0.3 to 1.5 s after the start) until a run completes.
mkdir -p "$tmp/random"
kills=0
while [ ! -e "$tmp/random/out.h5" ] && [ $kills -lt 20 ]; do
  (cd "$tmp/random" && exec "${mpirun[@]}" -np 2 "$neurode" simulate "$tmp/long.yaml" -o out.h5 >>log 2>&1) &
  run_pid=$!
  sleep "$(LC_ALL=C awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + 1.2 * r / 32767 }')"
  stop_run "$tmp/random" "$run_pid"
  kills=$((kills + 1))
  # (Killed while completing the file, it may be half changed: the journal beside it then restores
  # it, which the rerun does first.)
  if [ -e "$tmp/random/out.h5.partial.journal" ]; then
    echo "random kill $kills: killed while completing the file"
  elif [ ! -e "$tmp/random/out.h5" ] && [ -e "$tmp/random/out.h5.partial" ]; then
    check "random kill $kills: the partial file is right" partial_is_right "$tmp/random"
  fi
done
echo "random kills: $kills"
if [ ! -e "$tmp/random/out.h5" ]; then
  simulate "$tmp/random" 2 "$tmp/long.yaml"
  result $? "random kills: the last rerun ($(tail -1 "$tmp/random/log"))"
fi
check "random kills: equals the uninterrupted run" "${same[@]}" "$tmp/reference/out.h5" "$tmp/random/out.h5"
finish
