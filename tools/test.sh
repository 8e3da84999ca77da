#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test with CTest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/install-dependencies.sh"
bash "$root/tools/install-slurm.sh"  # the job scripts are tested under a real (local) Slurm
bash "$root/tools/build.sh"
cd "${NEURODE_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j 2 --timeout 600 "$@"
