#!/usr/bin/env bash
# The main job on its built-in default: installs what is missing, builds, then runs the default
# column-network job on 2 MPI ranks, writing out/quickstart.h5 and out/quickstart.png.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/install-dependencies.sh"
bash "$root/tools/build.sh"
mkdir -p "$root/out"
start=$(date +%s)
bash "$root/tools/mpirun.sh" -np 2 "$root/build/apps/neurode" simulate "$root/inputs/wta_two_columns.yaml" \
  -o "$root/out/quickstart.h5"
/usr/bin/python3 "$root/tools/plot_simulation.py" "$root/out/quickstart.h5" "$root/out/quickstart.png"
echo "neurode: main job done in $(( $(date +%s) - start )) s: $root/out/quickstart.h5, $root/out/quickstart.png"
