#!/usr/bin/env bash
# Installs a single-node Slurm (controller, node daemon, client) and munge from Debian 12's packages,
# for trying jobs/ on one machine with tools/local-slurm.sh and for the Slurm jobs test
# (tests/cli/slurm_jobs.sh). Only those missing are installed. The local Slurm does not use the
# packages' system services (its own daemons, config, key and ports): without a system slurm.conf,
# Debian's slurmctld and slurmd services do not start.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/install-dependencies.sh" slurmctld slurmd slurm-client munge
