#!/usr/bin/env bash
# Trains the parity network (inputs/train_parity.yaml) in four stages, each starting from the
# previous stage's weights, whose task loss counts the patterns with at most 1 active input (80
# epochs, learning rate 0.05), at most 2 (300 epochs, 0.05), at most 3 (200 epochs, 0.01), then all
# 16 (the file's own settings: 200 epochs, 0.01); every stage integrates all 16 for the activity
# bound. Prints each stage's held-out metrics (always all 16 patterns) and plots the last stage.
# usage: bash tools/parity_curriculum.sh [RANKS] [OUT_DIR] [SEED]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ranks=${1:-2}
out=${2:-$root/out/parity}
seed=${3:-}
mkdir -p "$out"
previous=""
start=$(date +%s)
index=0
# max active inputs, epochs, learning rate, schedule
for stage in "1 80 0.05 constant" "2 300 0.05 constant" "3 200 0.01 constant" "4 200 0.01 constant"; do
  set -- $stage
  index=$((index + 1))
  config="$out/stage-$index.yaml"
  sed "s/max_active_inputs: [0-9]/max_active_inputs: $1/;
       s/epochs: [0-9]*/epochs: $2/;
       s/learning_rate: [0-9.e-]*/learning_rate: $3/; s/schedule: [a-z]*/schedule: $4/;
       s|^output: .*|output: {file: $out/stage-$index.h5}|" "$root/inputs/train_parity.yaml" >"$config"
  [ -n "$seed" ] && sed -i "s/^seed: .*/seed: $seed/" "$config"
  [ -n "$previous" ] && echo "initial_parameters: $previous" >>"$config"
  log="$out/stage-$index.log"
  if ! bash "$root/tools/mpirun.sh" -np "$ranks" "$root/build/apps/neurode" train "$config" >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    echo "parity curriculum: stage $index failed (log: $log)" >&2
    exit 1
  fi
  echo "stage $index: patterns with <= $1 active inputs, $2 epochs: $(tail -n 2 "$log" | head -n 1)"
  previous="$out/stage-$index.h5"
done
echo "parity curriculum done in $(( $(date +%s) - start )) s on $ranks rank(s): $previous"
/usr/bin/python3 "$root/tools/plot_training.py" "$previous" "$out/parity"
