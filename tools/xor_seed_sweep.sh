#!/usr/bin/env bash
# Trains inputs/train_xor.yaml for seeds 1..N (default 10) and prints how many reach 4/4.
# usage: bash tools/xor_seed_sweep.sh [N] [RANKS]   (RANKS: MPI ranks per training, default 2)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-10}
ranks=${2:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
solved=0
start=$(date +%s)
for seed in $(seq 1 "$n"); do
  sed "s/^seed: .*/seed: $seed/; s|file: out/train_xor.h5|file: $tmp/xor-$seed.h5|" "$root/inputs/train_xor.yaml" >"$tmp/xor-$seed.yaml"
  bash "$root/tools/mpirun.sh" -np "$ranks" "$root/build/apps/neurode" train "$tmp/xor-$seed.yaml" >"$tmp/xor-$seed.log"
  correct=$(/usr/bin/python3 -c "import h5py; print(int(round(4 * h5py.File('$tmp/xor-$seed.h5')['/evaluation/correct'].attrs['mean'])))")
  echo "seed $seed: $correct/4 ($(grep -c '^epoch' "$tmp/xor-$seed.log") epochs)"
  [ "$correct" -eq 4 ] && solved=$((solved + 1))
done
echo "XOR: $solved of $n seeds reach 4/4 ($(( $(date +%s) - start )) s on $ranks rank(s))"
