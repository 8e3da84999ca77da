#!/usr/bin/env bash
# neurode simulate / gradient --network on the hGRU reference file (../shared/reference/vision/hgru.h5):
# the outputs carry the reference's dataset names (/trajectory/H2, H1, logits, readout_input;
# /gradient/dL_d<name>, dL_dV_sym, dL_dtau) and match them (trajectories 1e-6 relative, loss 1e-8,
# gradients 1e-5 of the largest), by the discrete and the continuous adjoint; a damaged file is exit 2.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
ref=${NEURODE_REFERENCE_DIR:?}/vision/hgru.h5
"$neurode" simulate --network "$ref" -o "$tmp/sim.h5" >"$tmp/log" 2>&1
result $? "simulate hgru ($(tail -1 "$tmp/log"))"
for method in discrete continuous; do
  "$neurode" gradient --network "$ref" -o "$tmp/grad-$method.h5" --gradient $method >"$tmp/log" 2>&1
  result $? "gradient hgru, $method ($(tail -1 "$tmp/log"))"
done
/usr/bin/python3 - "$ref" "$tmp/sim.h5" "$tmp/grad-discrete.h5" "$tmp/grad-continuous.h5" >"$tmp/check" 2>&1 <<'PY'
import sys, h5py, numpy as np
ref, sim, *grads = (h5py.File(p, "r") for p in sys.argv[1:])
worst = 0.0
for name in ("H2", "H1", "logits", "readout_input"):
    mine, want = sim["trajectory/" + name][()], ref[name][()]
    assert mine.shape == want.shape, (name, mine.shape, want.shape)
    worst = max(worst, np.max(np.abs(mine - want)) / np.max(np.abs(want)))
assert worst < 1e-6, "trajectory error %g" % worst
names = [n for n in ref if n.startswith("dL_d")]
assert len(names) == 14, names
worst_gradient = 0.0
for grad in grads:
    assert abs(grad["gradient/loss"][()] - ref.attrs["loss"]) < 1e-8
    for name in names:
        mine, want = grad["gradient/" + name][()], ref[name][()]
        assert np.shape(mine) == np.shape(want), name
        error = np.max(np.abs(mine - want)) / max(np.max(np.abs(want)), 1e-300)
        assert error < 1e-5, (name, error)
        worst_gradient = max(worst_gradient, error)
print("trajectories within %.1e, loss and %d gradients within %.1e" % (worst, len(names), worst_gradient))
PY
result $? "hgru against the reference ($(tail -1 "$tmp/check"))"
# A file that says it is an hGRU but has no kernel W: one line naming it, exit 2, no output.
/usr/bin/python3 -c "
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'w'); f.attrs['model'] = 'hgru'
for a in ('tau', 'label'): f.attrs[a] = 1.0
f['X'] = np.zeros((2, 3, 3))" "$tmp/bad.h5"
for command in simulate gradient; do
  "$neurode" $command --network "$tmp/bad.h5" -o "$tmp/bad-out.h5" >"$tmp/log" 2>&1
  code=$?
  [ $code -eq 2 ] && grep -q "$tmp/bad.h5: missing dataset 'W'" "$tmp/log" && [ ! -e "$tmp/bad-out.h5" ]
  result $? "$command, a file without W: exit 2 naming it (exit $code: $(head -1 "$tmp/log"))"
done
finish
