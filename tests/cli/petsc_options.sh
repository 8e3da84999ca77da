#!/usr/bin/env bash
# PETSc options are checked like config keys (docs/reliability.md): a bad type, a value that is not
# a number or a step that is not positive and finite is one line and exit 2 with no output, and an
# option that was never used is warned about on a run that succeeds.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
config="$source_dir/inputs/wta_two_columns.yaml"
refused() {  # NAME EXPECTED-TEXT OPTION...: exit 2, one line naming what was wrong, no output
  local name=$1 expected=$2
  shift 2
  "$neurode" simulate "$config" -o "$tmp/$name.h5" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  local rc=$?
  [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/$name.err")" -eq 1 ] && grep -qF -- "$expected" "$tmp/$name.err" &&
    [ ! -e "$tmp/$name.h5" ] && [ -z "$(find "$tmp" -name "$name.h5.tmp*" -print -quit)" ]
  result $? "$name: exit $rc (expected 2), message: $(head -c 300 "$tmp/$name.err")"
}
refused unknown-type "Unknown TS type: bogus" -ts_type bogus
refused rtol-not-a-number "Input string abc has no numeric value" -ts_rtol abc
refused dt-nan "-ts_dt: expected a step > 0, got nan" -ts_dt nan
refused dt-negative "-ts_dt: expected a step > 0, got -1" -ts_dt -1
refused rtol-tiny "-ts_rtol: expected a number >= 1e-15" -ts_rtol 1e-300
"$neurode" simulate "$config" -o "$tmp/typo.h5" -ts_rtl 1e-9 >"$tmp/typo.out" 2>"$tmp/typo.err"
rc=$?
[ $rc -eq 0 ] && [ -e "$tmp/typo.h5" ] && grep -q "PETSc option -ts_rtl was given but never used" "$tmp/typo.err"
result $? "a misspelt option is warned about (exit $rc: $(cat "$tmp/typo.err"))"
! grep -q "never used" "$tmp/typo.out"
result $? "the warning goes to stderr"
"$neurode" simulate "$config" -o "$tmp/used.h5" -ts_rtol 1e-9 >/dev/null 2>"$tmp/used.err"
[ $? -eq 0 ] && [ ! -s "$tmp/used.err" ]
result $? "a used option gives no warning ($(cat "$tmp/used.err"))"
# A training records the method PETSc ran (after -ts_* options) beside the config's.
"$neurode" train "$source_dir/tests/data/train_xor_tiny.yaml" -o "$tmp/train.h5" -ts_type rk -ts_rk_type 4 \
  -ts_adapt_type none -ts_dt 1e-4 >"$tmp/train.log" 2>&1
/usr/bin/python3 - "$tmp/train.h5" >"$tmp/used.log" 2>&1 <<'PY'
import sys, h5py
a = h5py.File(sys.argv[1], "r")["/training"].attrs
assert a["solver"] == "dopri5" and a["solver_used"] == "rk/4, fixed step 0.0001 s", dict(a)
print(a["solver_used"])
PY
result $? "a training's file records the solver PETSc ran ($(tail -1 "$tmp/used.log"))"
finish
