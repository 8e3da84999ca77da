#!/usr/bin/env bash
# The main job on its built-in default: installs what is missing, builds, then runs the default
# column-network training (winner-take-all against Wong-Wang, inputs/quickstart_wta.yaml) on 2 MPI
# ranks, writing out/quickstart.h5 and the plots out/quickstart-{loss,metrics,task}.png.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/install-dependencies.sh"
bash "$root/tools/build.sh"
mkdir -p "$root/out"
start=$(date +%s)
cd "$root"
bash "$root/tools/mpirun.sh" -np 2 "$root/build/apps/neurode" train "$root/inputs/quickstart_wta.yaml" \
  -o "$root/out/quickstart.h5"
/usr/bin/python3 "$root/tools/plot_training.py" "$root/out/quickstart.h5" "$root/out/quickstart"
echo "neurode: main job done in $(( $(date +%s) - start )) s: $root/out/quickstart.h5 and $root/out/quickstart-*.png"
