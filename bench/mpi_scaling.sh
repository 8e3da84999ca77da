#!/usr/bin/env bash
# Training throughput (samples per second) of the winner-take-all task for 1, 2 and 4 (oversubscribed)
# MPI ranks at a fixed global batch, and the parallel efficiency relative to 1 rank. The results of
# every run are bitwise identical (tests/cli/train_ranks.sh), so only the time differs.
# Throughput is the batch x epochs over the epochs' own wall time (/training/seconds_per_epoch of the
# output): start-up (MPI, PETSc, Wong-Wang targets) and the final evaluation are not training, and
# since a WTA sample takes milliseconds they would otherwise dominate a short run. The whole
# command's time is printed beside it.
# usage: bash bench/mpi_scaling.sh [BATCH] [EPOCHS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
batch=${1:-32}
epochs=${2:-60}
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
printf "%-6s %-16s %-16s %-14s %-10s\n" ranks command_seconds training_seconds samples/s efficiency
base=""
for np in 1 2 4; do
  start=$(date +%s.%N)
  bash "$root/tools/mpirun.sh" -np $np "$root/build/apps/neurode" train "$tmp/scaling.yaml" -o "$tmp/out-$np.h5" >/dev/null
  command_seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
  seconds=$(/usr/bin/python3 -c "import h5py; print(sum(h5py.File('$tmp/out-$np.h5')['/training/seconds_per_epoch'][:]))")
  rate=$(echo "$batch * $epochs / $seconds" | bc -l)
  [ -z "$base" ] && base=$rate
  printf "%-6s %-16.2f %-16.2f %-14.1f %-10.2f\n" $np "$command_seconds" "$seconds" "$rate" "$(echo "$rate / $base / $np" | bc -l)"
done
