#!/usr/bin/env bash
# mpirun with the flags this machine needs: --oversubscribe always, --allow-run-as-root as root.
set -euo pipefail
flags=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
exec mpirun "${flags[@]}" "$@"
