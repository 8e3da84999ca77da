#!/usr/bin/env bash
# `noise.path: tree` in `neurode simulate`: adaptive SRA1 steps on Brownian trees. The file is the
# same bit for bit on 1, 2 and 3 ranks; the path is the tree's whatever the scheme and the steps
# (Euler-Maruyama at fixed 20 us steps ends within its strong error of adaptive SRA1); the adaptive
# solve at tolerance 1e-2 takes fewer steps than the grid method at its default resolution; and what the tree cannot
# do is refused with a one-line error naming the key (exit code 2).
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"

# The XOR network's 4 patterns, 2 realisations each, for 0.3 s (the input from 0.1 s).
base=$(cat <<'YAML'
seed: 5
model: {small_network: true, areas: [{name: mt, columns: 2}, {name: mt, columns: 1}],
        connections: {feedforward: {enabled: true}}, input: {channels: 2}}
stimulus: {times: [0.0, 0.1]}
trials:
  - channels: [[0, 0], [0, 0]]
  - channels: [[0, 0], [0, 20]]
  - channels: [[0, 0], [20, 0]]
  - channels: [[0, 0], [20, 20]]
simulation: {t_end: 0.3, output_times: {count: 4}, block_size: 3}
YAML
)
printf '%s\nnoise: {sigma: 10, path: tree, realisations: 2}\nsolver: {method: dopri5, rtol: 1.0e-2, atol: 1.0e-2}\n' \
  "$base" >"$tmp/tree.yaml"
for np in 1 2 3; do
  "${mpirun[@]}" -np $np "$neurode" simulate "$tmp/tree.yaml" -o "$tmp/tree-$np.h5" >"$tmp/log-$np" 2>&1
  result $? "tree on $np ranks ($(tail -2 "$tmp/log-$np" | head -1))"
done
for np in 2 3; do
  /usr/bin/python3 "$source_dir/tests/support/same_simulation.py" "$tmp/tree-1.h5" "$tmp/tree-$np.h5" --any-provenance >"$tmp/log" 2>&1
  result $? "tree: 1 rank vs $np ranks ($(tail -1 "$tmp/log"))"
done
printf '%s\nnoise: {sigma: 10, path: tree, realisations: 2}\nsolver: {method: euler, adaptive: false, dt: 2.0e-5}\n' \
  "$base" >"$tmp/euler.yaml"
"$neurode" simulate "$tmp/euler.yaml" -o "$tmp/euler.h5" >"$tmp/log" 2>&1
result $? "Euler-Maruyama on the tree ($(tail -2 "$tmp/log" | head -1))"
/usr/bin/python3 - "$tmp/tree-1.h5" "$tmp/euler.h5" >"$tmp/log" 2>&1 <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as a, h5py.File(sys.argv[2]) as b:
    va, vb = a["/trajectory/V"][:, -1, :], b["/trajectory/V"][:, -1, :]
    spread = np.abs(va - va[::-1]).max()  # how far apart two different paths end
    gap = np.abs(va - vb).max()
print(f"largest |V_SRA1 - V_EM| {gap:.3g} mV, runs' spread {spread:.3g} mV")
sys.exit(0 if gap < 0.05 * spread and gap < 0.5 else 1)
PY
result $? "the same path: SRA1 and Euler-Maruyama end together ($(tail -1 "$tmp/log"))"
printf '%s\nnoise: {sigma: 10, realisations: 2}\nsolver: {method: dopri5, rtol: 1.0e-3, atol: 1.0e-3}\n' \
  "$base" >"$tmp/grid.yaml"
"$neurode" simulate "$tmp/grid.yaml" -o "$tmp/grid.h5" >"$tmp/log-grid" 2>&1
result $? "the grid method ($(tail -2 "$tmp/log-grid" | head -1))"
steps() { sed -n 's/.* \([0-9]*\) steps (.*/\1/p' "$1" | tail -1; }
tree_steps=$(steps "$tmp/log-1") grid_steps=$(steps "$tmp/log-grid")
[ -n "$tree_steps" ] && [ -n "$grid_steps" ] && [ "$tree_steps" -lt "$grid_steps" ]
result $? "adaptive SRA1 takes fewer steps than the grid (${tree_steps:-?} < ${grid_steps:-?})"

# Refused, each with exit code 2 and the key in the message.
refused() {  # name, key, yaml text (appended to the base)
  printf '%s\n%s\n' "$base" "$3" >"$tmp/bad.yaml"
  "$neurode" "${4:-simulate}" "$tmp/bad.yaml" -o "$tmp/bad.h5" >"$tmp/log" 2>&1
  code=$?
  [ $code -eq 2 ] && grep -q "$2" "$tmp/log" && [ "$(grep -c . "$tmp/log")" -le 2 ]
  result $? "$1 refused naming $2 (exit $code: $(tail -1 "$tmp/log"))"
}
refused "the tree with multiplicative noise" "noise.path" \
  "noise: {sigma: 1, path: tree, type: multiplicative, interpretation: ito}"
refused "a leaf without the tree" "noise.leaf" "noise: {sigma: 1, leaf: 1.0e-6}"
refused "adaptive Euler on the tree" "noise.path" "noise: {sigma: 1, path: tree}
solver: {method: euler, adaptive: true}"
printf 'task: {type: xor}\nnoise: {sigma: 10, path: tree}\n' >"$tmp/train.yaml"
"$neurode" train "$tmp/train.yaml" -o "$tmp/train.h5" >"$tmp/log" 2>&1
code=$?
[ $code -eq 2 ] && grep -q "noise.path" "$tmp/log"
result $? "a training on the tree refused naming noise.path (exit $code: $(tail -1 "$tmp/log"))"
finish
