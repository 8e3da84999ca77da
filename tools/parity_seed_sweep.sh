#!/usr/bin/env bash
# Trains inputs/train_parity.yaml (all three stages) for seeds 1..N (default 5) and prints, per seed,
# the patterns correct out of 16, the held-out loss and the wall time, then how many reach 16/16.
# usage: bash tools/parity_seed_sweep.sh [N] [RANKS] [OUT_DIR]
#   RANKS: MPI ranks per training (default 2); OUT_DIR keeps each seed's files (default: a temporary
#   directory, removed at the end).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-5}
ranks=${2:-2}
out=${3:-}
if [ -z "$out" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
solved=0
for seed in $(seq 1 "$n"); do
  sed "s|file: out/train_parity.h5|file: $out/parity-$seed.h5|" "$root/inputs/train_parity.yaml" >"$out/parity-$seed.yaml"
  start=$(date +%s)
  bash "$root/tools/mpirun.sh" -np "$ranks" "$root/build/apps/neurode" train "$out/parity-$seed.yaml" \
    --seed "$seed" >"$out/parity-$seed.log"
  seconds=$(($(date +%s) - start))
  read -r correct loss < <(/usr/bin/python3 -c "
import h5py
e = h5py.File('$out/parity-$seed.h5')['/evaluation']
print(int(round(16 * e['correct'].attrs['mean'])), '%.3g' % e['loss'][()])")
  echo "seed $seed: $correct/16, held-out loss $loss, $seconds s"
  [ "$correct" -eq 16 ] && solved=$((solved + 1))
done
echo "parity: $solved of $n seeds reach 16/16 on $ranks rank(s)"
