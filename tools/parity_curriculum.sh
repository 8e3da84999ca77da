#!/usr/bin/env bash
# Trains the parity network (inputs/train_parity.yaml) in three stages, each starting from the
# previous stage's weights: the patterns with at most 1 active input (80 epochs, learning rate
# 0.05), at most 2 (100 epochs, 0.05), then all 16 (the file's own settings: 100 epochs, 0.03 with
# a cosine schedule). Prints each stage's held-out metrics (always all 16 patterns) and plots the
# last stage.
# usage: bash tools/parity_curriculum.sh [RANKS] [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ranks=${1:-2}
out=${2:-$root/out/parity}
mkdir -p "$out"
previous=""
start=$(date +%s)
index=0
# max active inputs, epochs, batch size, block size, learning rate, schedule
for stage in "1 80 5 3 0.05 constant" "2 100 11 6 0.05 constant" "4 100 16 8 0.03 cosine"; do
  set -- $stage
  index=$((index + 1))
  config="$out/stage-$index.yaml"
  sed "s/max_active_inputs: [0-9]/max_active_inputs: $1/;
       s/^training: .*/training: {epochs: $2, batch_size: $3, block_size: $4, eval_every: 10}/;
       s/learning_rate: [0-9.e-]*/learning_rate: $5/; s/schedule: [a-z]*/schedule: $6/;
       s|^output: .*|output: {file: $out/stage-$index.h5}|" "$root/inputs/train_parity.yaml" >"$config"
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
