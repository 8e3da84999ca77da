#!/usr/bin/env bash
# Time and peak memory of a whole XOR training to 4/4 at the prototype's accuracy (Dormand-Prince at
# rtol 1e-7, atol 1e-9; the prototype back-propagated through that solver in PyTorch and took about
# 45 minutes and 3.7 GB on a 2-core machine of this kind), with neurode's discrete adjoint on
# RANKS ranks. Prints a Markdown section for bench/RESULTS.md.
# usage: bash bench/xor_training.sh [RANKS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ranks=${1:-2}
prototype_seconds=2700
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s/^solver: .*/solver: {method: dopri5, rtol: 1.0e-7, atol: 1.0e-9}/; s|file: out/train_xor.h5|file: $tmp/xor.h5|" \
  "$root/inputs/train_xor.yaml" >"$tmp/xor.yaml"
start=$(date +%s.%N)
/usr/bin/time -v -o "$tmp/time.txt" bash "$root/tools/mpirun.sh" -np "$ranks" "$root/build/apps/neurode" train \
  "$tmp/xor.yaml" >"$tmp/train.log"
seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
# Largest resident set of any one process of the job (GNU time reports the children's maximum).
peak_mb=$(awk -F: '/Maximum resident/ {printf "%.1f", $2 / 1024}' "$tmp/time.txt")
correct=$(/usr/bin/python3 -c "import h5py; print(int(round(4 * h5py.File('$tmp/xor.h5')['/evaluation/correct'].attrs['mean'])))")
epochs=$(grep -c '^epoch' "$tmp/train.log")
cat <<MD
## XOR training to 4/4 (\`bash bench/xor_training.sh $ranks\`, run separately on $(date -u +%Y-%m-%d))

inputs/train_xor.yaml at the prototype's accuracy (dopri5, rtol 1e-7, atol 1e-9), discrete adjoint,
$ranks MPI ranks, whole command timed:

| epochs | patterns correct | seconds | prototype seconds (stated) | prototype / neurode | peak RSS MB (largest process) | prototype peak (stated) |
|---|---|---|---|---|---|---|
| $epochs | $correct/4 | $(printf "%.2f" "$seconds") | $prototype_seconds | $(printf "%.0f" "$(echo "$prototype_seconds / $seconds" | bc -l)")x | $peak_mb | 3.7 GB |
MD
