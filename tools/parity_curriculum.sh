#!/usr/bin/env bash
# Trains the parity network (inputs/train_parity.yaml) in stages, each starting from the previous
# stage's weights. A stage's task loss counts the patterns whose number of active inputs is in its
# list; every stage integrates all 16 for the activity bound. Default stages: counts 0-1 (80 epochs,
# learning rate 0.05), 0-2 (300 epochs, 0.05), 0-3 (200 epochs, 0.01), all (200 epochs, 0.01).
# PARITY_STAGES overrides them: stages separated by ';', each "COUNTS EPOCHS RATE", e.g.
#   PARITY_STAGES="0,1 80 0.05; 0,1,2,4 300 0.05; 0,1,2,3,4 200 0.01"
# Prints each stage's held-out metrics (always all 16 patterns) and plots the last stage.
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
stages=${PARITY_STAGES:-"0,1 80 0.05; 0,1,2,4 300 0.05; 0,1,2,3,4 300 0.01; 0,1,2,3,4 400 0.01"}
IFS=';' read -ra stage_list <<<"$stages"
for stage in "${stage_list[@]}"; do
  set -- $stage
  if [ $# -ne 3 ]; then
    echo "parity curriculum: bad stage '$stage' (expected COUNTS EPOCHS RATE)" >&2
    exit 2
  fi
  index=$((index + 1))
  config="$out/stage-$index.yaml"
  sed "s/trained_input_counts: \[[0-9, ]*\]/trained_input_counts: [$1]/;
       s/epochs: [0-9]*/epochs: $2/;
       s/learning_rate: [0-9.e-]*/learning_rate: $3/;
       s|^output: .*|output: {file: $out/stage-$index.h5}|" "$root/inputs/train_parity.yaml" >"$config"
  grep -q "trained_input_counts: \[$1\]" "$config" || { echo "parity curriculum: could not set the counts" >&2; exit 1; }
  [ -n "$seed" ] && sed -i "s/^seed: .*/seed: $seed/" "$config"
  [ -n "$previous" ] && echo "initial_parameters: $previous" >>"$config"
  log="$out/stage-$index.log"
  if ! bash "$root/tools/mpirun.sh" -np "$ranks" "$root/build/apps/neurode" train "$config" >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    echo "parity curriculum: stage $index failed (log: $log)" >&2
    exit 1
  fi
  echo "stage $index: patterns with $1 active inputs, $2 epochs: $(tail -n 2 "$log" | head -n 1)"
  previous="$out/stage-$index.h5"
done
echo "parity curriculum done in $(( $(date +%s) - start )) s on $ranks rank(s): $previous"
/usr/bin/python3 "$root/tools/plot_training.py" "$previous" "$out/parity"
