#!/usr/bin/env bash
# Peak memory of each rank, and the time, of a large noise ensemble run by `neurode simulate`: the
# winner-take-all trial of inputs/wta_two_columns_noise.yaml with REALISATIONS Wiener paths, output
# every 10 ms (16 output times over the 0.15 s trial), blocks of 8 runs, on RANKS ranks. Each rank
# runs under GNU time, which reports its maximum resident set size; the output file is removed.
# Run it for two builds to compare them (e.g. one that gathers every run on rank 0 before writing,
# and one that writes each rank's blocks itself).
# usage: bash bench/ensemble_memory.sh NEURODE_BINARY [REALISATIONS (10000)] [RANKS (2)]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
neurode=$(realpath "${1:?usage: bash bench/ensemble_memory.sh NEURODE_BINARY [REALISATIONS] [RANKS]}")
realisations=${2:-10000}
ranks=${3:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e "s/realisations: 64/realisations: $realisations/" -e "s/count: 1501/count: 16/" \
  "$root/inputs/wta_two_columns_noise.yaml" >"$tmp/ensemble.yaml"
grep -q "realisations: $realisations" "$tmp/ensemble.yaml" && grep -q "count: 16" "$tmp/ensemble.yaml" || {
  echo "bench/ensemble_memory.sh: inputs/wta_two_columns_noise.yaml no longer has the lines it edits" >&2
  exit 1
}
# Each rank under its own GNU time (Open MPI names the rank in OMPI_COMM_WORLD_RANK).
cat >"$tmp/rank.sh" <<'SH'
#!/usr/bin/env bash
exec /usr/bin/time -v -o "$BENCH_DIR/time.$OMPI_COMM_WORLD_RANK" "$@"
SH
chmod +x "$tmp/rank.sh"
start=$(date +%s.%N)
(cd "$tmp" && BENCH_DIR=$tmp bash "$root/tools/mpirun.sh" -np "$ranks" -x BENCH_DIR "$tmp/rank.sh" "$neurode" \
  simulate ensemble.yaml -o ensemble.h5 >"$tmp/log" 2>&1) || {
  cat "$tmp/log" >&2
  exit 1
}
seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
size_mb=$(stat -c %s "$tmp/ensemble.h5" | awk '{printf "%.1f", $1 / 1e6}')
echo "$neurode: $realisations realisations on $ranks ranks, $(printf '%.1f' "$seconds") s (whole command)," \
  "output $size_mb MB"
grep -E "run\(s\) on" "$tmp/log" | sed 's/^ */  /'
for ((r = 0; r < ranks; r++)); do
  awk -F: -v r="$r" '/Maximum resident/ {printf "  rank %d: peak RSS %.1f MiB\n", r, $2 / 1024}' "$tmp/time.$r"
done
