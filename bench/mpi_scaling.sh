#!/usr/bin/env bash
# Training throughput (samples per second) of the winner-take-all task for 1, 2 and 4 (oversubscribed)
# MPI ranks at a fixed global batch, and the parallel efficiency relative to 1 rank. The results of
# every run are bitwise identical (tests/cli/train_ranks.sh), so only the time differs.
# usage: bash bench/mpi_scaling.sh [BATCH] [EPOCHS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
batch=${1:-32}
epochs=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/scaling.yaml" <<YAML
seed: 1
task: {type: wta, training_samples: $batch, evaluation_samples: 1}
solver: {method: dopri5, rtol: 1.0e-6, atol: 1.0e-6}
training: {epochs: $epochs, batch_size: $batch, block_size: 4, eval_every: 1000}
optimizer: {type: adam, learning_rate: 1.0}
output: {checkpoint: false}
YAML
printf "%-6s %-12s %-14s %-10s\n" ranks seconds samples/s efficiency
base=""
for np in 1 2 4; do
  start=$(date +%s.%N)
  bash "$root/tools/mpirun.sh" -np $np "$root/build/apps/neurode" train "$tmp/scaling.yaml" -o "$tmp/out-$np.h5" >/dev/null
  seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
  rate=$(echo "$batch * $epochs / $seconds" | bc -l)
  [ -z "$base" ] && base=$rate
  printf "%-6s %-12.2f %-14.1f %-10.2f\n" $np "$seconds" "$rate" "$(echo "$rate / $base / $np" | bc -l)"
done
