#!/usr/bin/env bash
# Submits a seed sweep: the array of trainings (jobs/train_seeds.sbatch) and the summary that runs
# when all of them have ended, successfully or not (jobs/summarise_seeds.sbatch). Prints both job
# IDs. Extra sbatch options (e.g. --ntasks=2 --time=04:00:00) go to the trainings.
#   bash jobs/submit_seed_sweep.sh CONFIG.yaml FIRST-LAST [OUTDIR] [-- sbatch options]
set -euo pipefail
usage="usage: $0 CONFIG.yaml FIRST-LAST [OUTDIR] [-- sbatch options]"
config=${1:?$usage}
range=${2:?$usage}
shift 2
out_dir=$(pwd)/out
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  out_dir=$1
  shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
[[ $range =~ ^[0-9]+-[0-9]+$ ]] || { echo "$0: FIRST-LAST: expected e.g. 1-10, got '$range'" >&2; exit 2; }
[ -f "$config" ] || { echo "$0: $config: no such config" >&2; exit 2; }
jobs_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export NEURODE_ROOT=${NEURODE_ROOT:-$(dirname "$jobs_dir")}
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
array=$(sbatch --parsable --array="$range" "$@" "$jobs_dir/train_seeds.sbatch" "$config" "$out_dir")
array=${array%%;*}
# --kill-on-invalid-dep: without it a summary whose dependency can never be met waits forever.
summary=$(sbatch --parsable --dependency="afterany:$array" --kill-on-invalid-dep=yes \
  "$jobs_dir/summarise_seeds.sbatch" "$config" "$range" "$out_dir")
summary=${summary%%;*}
echo "trainings: job array $array (seeds $range); summary: job $summary -> $out_dir/$(basename "$config" .yaml)-seeds.csv"
