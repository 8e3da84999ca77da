#!/usr/bin/env bash
# Submits a parameter scan: one job (jobs/scan.sbatch) on the tasks asked for, or, with --array N,
# a job array of N tasks that each compute a share of the points, then a collecting job that starts
# when all of them have ended (successfully or not), computes any point still missing and merges
# every point into OUT.h5 and OUT.csv: the same file as one MPI run of the scan. Prints the job IDs.
# Extra sbatch options (e.g. --ntasks=4 --time=04:00:00) go to the scan's jobs.
#   bash jobs/submit_scan.sh SCAN.yaml [-o OUT.h5] [--array N] [-- sbatch options]
set -euo pipefail
usage="usage: $0 SCAN.yaml [-o OUT.h5] [--array N] [-- sbatch options]"
scan=${1:?$usage}
shift
out=$(pwd)/out/$(basename "$scan" .yaml).h5
array=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case $1 in
    -o) out=${2:?$usage}; shift 2 ;;
    --array) array=${2:?$usage}; shift 2 ;;
    *) echo "$0: unknown argument '$1'; $usage" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] && shift
[[ $array =~ ^[0-9]+$ ]] || { echo "$0: --array: expected a whole number of tasks, got '$array'" >&2; exit 2; }
[ -f "$scan" ] || { echo "$0: $scan: no such scan file" >&2; exit 2; }
jobs_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export NEURODE_ROOT=${NEURODE_ROOT:-$(dirname "$jobs_dir")}
scan=$(cd "$(dirname "$scan")" && pwd)/$(basename "$scan")
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
if [ "$array" -le 1 ]; then
  job=$(sbatch --parsable "$@" "$jobs_dir/scan.sbatch" "$scan" "$out")
  echo "scan: job ${job%%;*} -> $out"
  exit 0
fi
tasks=$(sbatch --parsable --array="0-$((array - 1))" "$@" "$jobs_dir/scan.sbatch" "$scan" "$out")
tasks=${tasks%%;*}
# --kill-on-invalid-dep: without it a collecting job whose dependency can never be met waits forever.
collect=$(sbatch --parsable --dependency="afterany:$tasks" --kill-on-invalid-dep=yes "$@" \
  "$jobs_dir/scan.sbatch" "$scan" "$out")
collect=${collect%%;*}
echo "scan: job array $tasks ($array tasks); collecting job $collect -> $out"
