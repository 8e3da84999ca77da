#!/usr/bin/env bash
# End to end: `neurode simulate --network` and `neurode gradient --network` on the reference
# cases, compared with the references by Debian's python3-h5py; divergence gives exit code 3 and
# no output file.
set -u
neurode=$1
ref=${NEURODE_REFERENCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {  # name, command...
  local name=$1; shift
  if "$@" >"$tmp/log" 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; cat "$tmp/log"; fi
}
compare_trajectory() {  # output, reference
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
out, ref = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
assert np.array_equal(out["/trajectory/t"][()], ref["t"][()])
for v in "Var":
    a, b = out["/trajectory/" + v][()], ref[v][()]
    err = np.max(np.abs(a - b)) / np.max(np.abs(b))
    print(v, err)
    assert err < 1e-6, (v, err)
assert out["/provenance"].attrs["mpi_ranks"] >= 1 and "config" in out and "solver" in out
PY
}
for case in single_column_mt wta_two_columns stiff_60hz gradient_wta; do
  check "simulate $case" bash -c "'$neurode' simulate --network '$ref/$case.h5' -o '$tmp/$case.h5' && $(declare -f compare_trajectory); compare_trajectory '$tmp/$case.h5' '$ref/$case.h5'"
done
check "simulate stiff_60hz with bdf" bash -c "'$neurode' simulate --network '$ref/stiff_60hz.h5' -o '$tmp/bdf.h5' -ts_type bdf -ts_bdf_order 5 && $(declare -f compare_trajectory); compare_trajectory '$tmp/bdf.h5' '$ref/stiff_60hz.h5'"
check "euler at 2 ms diverges with exit 3" bash -c "
  '$neurode' simulate --network '$ref/wta_two_columns.h5' -o '$tmp/div.h5' -ts_type rk -ts_rk_type 1fe -ts_adapt_type none -ts_dt 2e-3 2>'$tmp/err'
  rc=\$?; cat '$tmp/err'; [ \$rc -eq 3 ] && [ ! -e '$tmp/div.h5' ] && ! ls '$tmp'/div.h5.tmp* 2>/dev/null && grep -q 'integration stopped at t = ' '$tmp/err' && [ \$(wc -l <'$tmp/err') -eq 1 ]"
# tsadjoint: PETSc's TSAdjoint, RK4 at 20 us by default and Crank-Nicolson at 2 us through options.
for method in discrete continuous tsadjoint "tsadjoint -ts_type cn -ts_dt 2e-6"; do
  check "gradient $method" bash -c "'$neurode' gradient --network '$ref/gradient_wta.h5' -o '$tmp/g.h5' --gradient $method && /usr/bin/python3 - '$tmp/g.h5' '$ref/gradient_wta.h5' <<'PY'
import sys, h5py, numpy as np
out, ref = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
g, r = out['/gradient/dL_dW'][()], ref['dL_dW'][()]
print(g, r)
assert np.max(np.abs(g - r) / np.abs(r)) < 1e-5
assert abs(out['/gradient/loss'][()] - ref['loss'][()]) < 1e-7 * ref['loss'][()]
PY"
done
check "tsadjoint refuses dopri5 with exit 2" bash -c "
  '$neurode' gradient --network '$ref/gradient_wta.h5' -o '$tmp/t.h5' --gradient tsadjoint -ts_rk_type 5dp 2>'$tmp/err'
  rc=\$?; cat '$tmp/err'; [ \$rc -eq 2 ] && [ ! -e '$tmp/t.h5' ] && grep -q 'use gradient: discrete' '$tmp/err'"
check "missing network file gives exit 2" bash -c "'$neurode' simulate --network '$tmp/none.h5' -o '$tmp/x.h5'; [ \$? -eq 2 ] && [ ! -e '$tmp/x.h5' ]"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
