#!/usr/bin/env bash
# Training throughput (samples per second) of the winner-take-all task for 1, 2 and 4 (oversubscribed)
# MPI ranks at a fixed global batch, and the parallel efficiency relative to 1 rank. The results of
# every run are bitwise identical (tests/cli/train_ranks.sh), so only the time differs.
# Throughput is the batch x epochs over the epochs' own wall time (/training/seconds_per_epoch of the
# output): start-up (MPI, PETSc, Wong-Wang targets) and the final evaluation are not training, and
# since a WTA sample takes milliseconds they would otherwise dominate a short run. The whole
# command's time is printed beside it. On a shared machine other processes only ever take
# throughput away, and the rank counts run one after the other: ROUNDS rounds of 1, 2, 4 ranks are
# run; the table shows each rank count's best round, the headline the median of the rounds' 2-rank
# speed-ups (1 and 2 ranks back to back, so under about the same load).
# usage: bash bench/mpi_scaling.sh [BATCH] [EPOCHS] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
batch=${1:-32}
epochs=${2:-60}
rounds=${3:-5}
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
declare -A best_rate best_command best_seconds
speedups=""
for round in $(seq "$rounds"); do
  for np in 1 2 4; do
    start=$(date +%s.%N)
    bash "$root/tools/mpirun.sh" -np $np "$root/build/apps/neurode" train "$tmp/scaling.yaml" -o "$tmp/out-$np.h5" >/dev/null
    command_seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
    seconds=$(/usr/bin/python3 -c "import h5py; print(sum(h5py.File('$tmp/out-$np.h5')['/training/seconds_per_epoch'][:]))")
    rate=$(echo "$batch * $epochs / $seconds" | bc -l)
    eval "rate_$np=$rate"
    if [ -z "${best_rate[$np]:-}" ] || (($(echo "$rate > ${best_rate[$np]}" | bc -l))); then
      best_rate[$np]=$rate best_command[$np]=$command_seconds best_seconds[$np]=$seconds
    fi
  done
  speedups="$speedups $(printf "%.2f" "$(echo "$rate_2 / $rate_1" | bc -l)")x"
done
echo "| ranks | command seconds | training seconds | samples/s | efficiency |"
echo "|---|---|---|---|---|"
for np in 1 2 4; do
  label=$np
  [ $np = 4 ] && label="4 (oversubscribed on $(nproc) cores)"
  printf "| %s | %.2f | %.2f | %.1f | %.2f |\n" "$label" "${best_command[$np]}" "${best_seconds[$np]}" "${best_rate[$np]}" \
    "$(echo "${best_rate[$np]} / ${best_rate[1]} / $np" | bc -l)"
done
echo
median=$(printf "%s\n" $speedups | tr -d x | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
printf "2 ranks give %.2fx the 1-rank throughput: the median of the %s rounds' speed-ups (1 and 2 ranks\n" "$median" "$rounds"
printf "run back to back:%s); the best rounds above give %.2fx.\n" "$speedups" \
  "$(echo "${best_rate[2]} / ${best_rate[1]}" | bc -l)"
