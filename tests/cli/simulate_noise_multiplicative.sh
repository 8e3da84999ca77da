#!/usr/bin/env bash
# `neurode simulate` with multiplicative noise (inputs/wta_two_columns_noise_multiplicative.yaml):
# the example runs, its realisations spread over 1 and 2 MPI ranks give the same trajectories bit
# for bit, and a config that leaves the interpretation open or asks for a first-order solver is
# refused with the config exit code 2 and a message naming the key.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"

example="$source_dir/inputs/wta_two_columns_noise_multiplicative.yaml"
for np in 1 2; do
  "${mpirun[@]}" -np $np "$neurode" simulate "$example" -o "$tmp/mult-$np.h5" >"$tmp/log" 2>&1
  result $? "the example on $np ranks ($(tail -2 "$tmp/log"))"
done
h5diff "$tmp/mult-1.h5" "$tmp/mult-2.h5" /trajectory /trajectory >"$tmp/diff" 2>&1
result $? "1 and 2 ranks differ: $(head -3 "$tmp/diff")"

# The interpretation left open: refused, naming noise.interpretation.
grep -v 'interpretation: ito' "$example" >"$tmp/open.yaml"
"$neurode" simulate "$tmp/open.yaml" -o "$tmp/open.h5" >"$tmp/log" 2>&1
code=$?
[ $code -eq 2 ] && grep -q "noise.interpretation: expected stratonovich or ito" "$tmp/log" && [ ! -e "$tmp/open.h5" ]
result $? "no interpretation: exit code $code, $(head -1 "$tmp/log")"

# Forward Euler at the resolution: refused, naming noise.type and the method.
sed 's/^  method: dopri5$/  method: euler\n  dt: 1.0e-4/' "$example" >"$tmp/euler.yaml"
"$neurode" simulate "$tmp/euler.yaml" -o "$tmp/euler.h5" >"$tmp/log" 2>&1
code=$?
[ $code -eq 2 ] && grep -q "noise.type: expected a solver of order >= 2" "$tmp/log" && [ ! -e "$tmp/euler.h5" ]
result $? "euler: exit code $code, $(head -1 "$tmp/log")"
finish
