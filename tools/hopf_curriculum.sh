#!/usr/bin/env bash
# Trains inputs/train_hopf.yaml on growing horizons (t_end 5, 10, 15, 25 with 11, 21, 31, 51
# observations), each stage starting from the previous stage's weights; prints each stage's
# held-out metrics. usage: bash tools/hopf_curriculum.sh [RANKS] [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ranks=${1:-2}
out=${2:-$root/out/hopf}
mkdir -p "$out"
previous=""
start=$(date +%s)
for stage in "5 11" "10 21" "15 31" "25 51"; do
  set -- $stage
  config="$out/stage-$1.yaml"
  sed "s/^  t_end: .*/  t_end: $1/; s/^  observations: .*/  observations: $2/; s|^output: .*|output: {file: $out/stage-$1.h5}|" \
    "$root/inputs/train_hopf.yaml" >"$config"
  [ -n "$previous" ] && echo "initial_parameters: $previous" >>"$config"
  bash "$root/tools/mpirun.sh" -np "$ranks" "$root/build/apps/neurode" train "$config" | tail -2 | head -1
  previous="$out/stage-$1.h5"
done
echo "Hopf curriculum done in $(( $(date +%s) - start )) s on $ranks rank(s): $previous"
/usr/bin/python3 "$root/tools/plot_training.py" "$previous" "$out/hopf"
