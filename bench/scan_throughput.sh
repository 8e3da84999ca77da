#!/usr/bin/env bash
# Scan throughput (points per second) on 1 and 2 MPI ranks: the XOR scan of inputs/scan_xor.yaml
# (solvers euler, rk4, dopri5 by seeds) with POINTS_PER_SOLVER seeds and EPOCHS epochs per point,
# run ROUNDS times on 1 and on 2 ranks back to back (so under about the same load); prints each
# round's wall times and the ratio, and the median ratio. Every run's file is the same
# (tests/cli/scan.sh), so only the time differs.
# usage: bash bench/scan_throughput.sh [POINTS_PER_SOLVER] [EPOCHS] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
neurode=${NEURODE_BUILD_DIR:-$root/build}/apps/neurode
seeds=${1:-4}
epochs=${2:-20}
rounds=${3:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/scan.yaml" <<YAML
base: $root/inputs/train_xor.yaml
axes:
  solver.method: [euler, rk4, dopri5]
  seed: {from: 1, to: $seeds}
  training.epochs: [$epochs]
  training.target_loss: [0]
YAML
points=$((3 * seeds))
ratios=""
for round in $(seq "$rounds"); do
  declare -A seconds
  for np in 1 2; do
    rm -rf "$tmp/out-$np.h5" "$tmp/out-$np.h5.points"
    start=$(date +%s.%N)
    bash "$root/tools/mpirun.sh" -np $np "$neurode" scan "$tmp/scan.yaml" -o "$tmp/out-$np.h5" >"$tmp/log-$np" 2>&1 ||
      { tail -3 "$tmp/log-$np"; exit 1; }
    seconds[$np]=$(echo "$(date +%s.%N) - $start" | bc -l)
  done
  ratio=$(echo "${seconds[1]} / ${seconds[2]}" | bc -l)
  ratios="$ratios $ratio"
  printf "round %d: %d points, 1 rank %.1f s, 2 ranks %.1f s: %.2fx the points per second\n" "$round" $points \
    "${seconds[1]}" "${seconds[2]}" "$ratio"
done
median=$(printf "%s\n" $ratios | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf "median over %d rounds: 2 ranks run %.2fx the points per second of 1 rank\n" "$rounds" "$median"
