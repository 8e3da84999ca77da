#!/usr/bin/env bash
# Trains inputs/train_hopf.yaml on growing horizons (t_end 5, 10, 15, 25 with 11, 21, 31, 51
# observations, 100 epochs each, then 150 more epochs at 25), each stage starting from the previous
# stage's weights; prints each stage's held-out metrics.
# usage: bash tools/hopf_curriculum.sh [RANKS] [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ranks=${1:-2}
out=${2:-$root/out/hopf}
mkdir -p "$out"
previous=""
start=$(date +%s)
index=0
for stage in "5 11 100" "10 21 100" "15 31 100" "25 51 100" "25 51 150"; do
  set -- $stage
  index=$((index + 1))
  config="$out/stage-$index.yaml"
  sed "s/^  t_end: .*/  t_end: $1/; s/^  observations: .*/  observations: $2/; s/epochs: 100/epochs: $3/;
       s|^output: .*|output: {file: $out/stage-$index.h5}|" "$root/inputs/train_hopf.yaml" >"$config"
  [ -n "$previous" ] && echo "initial_parameters: $previous" >>"$config"
  log="$out/stage-$index.log"
  if ! bash "$root/tools/mpirun.sh" -np "$ranks" "$root/build/apps/neurode" train "$config" >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    echo "hopf curriculum: stage $index failed (log: $log)" >&2
    exit 1
  fi
  echo "stage $index: t_end $1, $3 epochs: $(tail -n 2 "$log" | head -n 1)"
  previous="$out/stage-$index.h5"
done
echo "Hopf curriculum done in $(( $(date +%s) - start )) s on $ranks rank(s): $previous"
/usr/bin/python3 "$root/tools/plot_training.py" "$previous" "$out/hopf"
