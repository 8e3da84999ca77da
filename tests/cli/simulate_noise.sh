#!/usr/bin/env bash
# Stochastic `neurode simulate`: noise realisations spread over 1, 2 and 3 MPI ranks give the same
# file contents bit for bit, with the trial and realisation of every run; different realisations
# differ, a deterministic run of the same config equals sigma = 0, and the noise is on V only; a
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
if np.max(np.abs(quiet["V"] - det["V"])) > 1e-9 * np.max(np.abs(det["V"])): problems.append("sigma 0 != deterministic")
# V moves by millivolts; a and r only through V (smaller, smoother changes than V's).
dV = np.abs(V[0] - det["V"][0]).max()
if not 0.01 < dV < 50: problems.append(f"noise moved V by {dV} mV")
if not np.array_equal(one["a"][:, 0], det["a"][[0, 0, 0, 1, 1, 1], 0]): problems.append("t = 0 differs")
print("; ".join(problems) if problems else f"ok (V moved by up to {dV:.2f} mV)")
sys.exit(1 if problems else 0)
PY
result $? "contents ($(tail -1 "$tmp/check"))"
finish
