#!/usr/bin/env bash
# Stochastic `neurode simulate`: noise realisations spread over 1, 2 and 3 MPI ranks give the same
# file contents bit for bit, with the trial and realisation of every run; different realisations
# differ, a deterministic run of the same config equals sigma = 0 in V, a and r, and the noise is on
# V only (a and r differ from the deterministic run at every later time, a far less than V); a
# run that fails on one rank fails the command with exit code 3 and no file.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"

# Two trials (stimuli) x 3 realisations, blocks of 2 runs: blocks straddle trials and ranks.
base=$(cat <<'YAML'
seed: 4
model: {small_network: true, areas: [{name: mt, columns: 2}]}
stimulus:
  times: [0.0, 0.01]
  segments: [[], [{column: 0, populations: [L4e, L4i], rate: 20}]]
trials:
  - {}
  - segments: [[], [{column: 1, populations: [L4e, L4i], rate: 30}]]
simulation: {t_end: 0.03, output_times: {count: 31}, block_size: 2}
solver: {method: dopri5, rtol: 1.0e-6, atol: 1.0e-6}
YAML
)
printf '%s\nnoise: {sigma: 10, resolution: 1.0e-4, realisations: 3}\n' "$base" >"$tmp/noisy.yaml"
printf '%s\nnoise: {sigma: 0}\n' "$base" >"$tmp/quiet.yaml"
printf '%s\n' "$base" >"$tmp/deterministic.yaml"
for np in 1 2 3; do
  "${mpirun[@]}" -np $np "$neurode" simulate "$tmp/noisy.yaml" -o "$tmp/noisy-$np.h5" >"$tmp/log" 2>&1
  result $? "noisy on $np ranks ($(tail -2 "$tmp/log"))"
done
"$neurode" simulate "$tmp/quiet.yaml" -o "$tmp/quiet.h5" >"$tmp/log" 2>&1; result $? "sigma 0 ($(tail -1 "$tmp/log"))"
"$neurode" simulate "$tmp/deterministic.yaml" -o "$tmp/deterministic.h5" >"$tmp/log" 2>&1
result $? "deterministic ($(tail -1 "$tmp/log"))"
# A run that diverges (Euler at 2 ms, above the stability limit) on 2 ranks: exit code 3, the
# failing runs named, no file.
printf '%s\nnoise: {sigma: 10, resolution: 2.0e-3, realisations: 3}\nsolver: {method: euler, dt: 2.0e-3}\n' \
  "$(printf '%s\n' "$base" | grep -v '^solver:')" >"$tmp/diverging.yaml"
"${mpirun[@]}" -np 2 "$neurode" simulate "$tmp/diverging.yaml" -o "$tmp/diverging.h5" >"$tmp/log" 2>&1
code=$?
[ $code -eq 3 ] && grep -q "runs trial .* (one block)" "$tmp/log" && [ ! -e "$tmp/diverging.h5" ]
result $? "diverging runs on 2 ranks: exit code $code, $(grep -m1 'runs trial' "$tmp/log")"
/usr/bin/python3 - "$tmp" >"$tmp/check" 2>&1 <<'PY'
import sys, h5py, numpy as np
tmp = sys.argv[1]
def read(name):
    with h5py.File(f"{tmp}/{name}.h5", "r") as f:
        return {k: f["/trajectory/" + k][()] for k in f["/trajectory"]}
one, two, three = read("noisy-1"), read("noisy-2"), read("noisy-3")
problems = []
for k in one:
    if not (np.array_equal(one[k], two[k]) and np.array_equal(one[k], three[k])):
        problems.append(f"{k} differs between rank counts")
if one["V"].shape != (6, 31, 16): problems.append(f"V shape {one['V'].shape}, expected (6, 31, 16)")
if list(one["trial"]) != [0, 0, 0, 1, 1, 1] or list(one["realisation"]) != [0, 1, 2, 0, 1, 2]:
    problems.append(f"trial {one['trial']}, realisation {one['realisation']}")
V = one["V"]
if np.array_equal(V[0], V[1]) or np.array_equal(V[0], V[3]): problems.append("realisations share a path")
quiet, det = read("quiet"), read("deterministic")
for k in ("V", "a", "r"):
    if np.max(np.abs(quiet[k] - det[k])) > 1e-9 * np.max(np.abs(det[k])): problems.append(f"sigma 0: {k} != deterministic")
if not np.array_equal(one["t"], det["t"]): problems.append("output times differ from the deterministic run's")
# V moves by millivolts; a and r only through V. Each run's deterministic counterpart is its trial's.
ref = {k: det[k][one["trial"].astype(int)] for k in ("V", "a", "r")}
dV = np.abs(V[0] - det["V"][0]).max()
if not 0.01 < dV < 50: problems.append(f"noise moved V by {dV} mV")
# a and r have no noise of their own, but it reaches them through V: at every later output time of
# every run they differ from the deterministic run.
for k in ("a", "r"):
    moved = np.abs(one[k][:, 1:] - ref[k][:, 1:]).max(axis=2)  # runs x later times
    if not (moved > 0).all(): problems.append(f"{k} equals the deterministic run at a later time")
# a (time constant 10 s) follows V's noise only slowly: at the first output time (1 ms, 10 noise
# intervals) it has moved by about 1e-5 of V's change (measured); noise on a itself would move it
# about as much as V.
dV1 = np.abs(V[:, 1] - ref["V"][:, 1]).max()
da1 = np.abs(one["a"][:, 1] - ref["a"][:, 1]).max()
if not 0 < da1 < 1e-3 * dV1: problems.append(f"at 1 ms a moved by {da1:.3g} for {dV1:.3g} mV of V: noise on a?")
print("; ".join(problems) if problems else f"ok (V moved by up to {dV:.2f} mV; a by {da1 / dV1:.1e} of V at 1 ms)")
sys.exit(1 if problems else 0)
PY
result $? "contents ($(tail -1 "$tmp/check"))"
finish
