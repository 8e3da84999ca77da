#!/usr/bin/env bash
# neurode simulate / gradient --network on the predictive-coding reference files: the outputs
# carry the reference's dataset names (/trajectory/r1, r2, logits; /gradient/dL_d<name>) and match
# them (trajectories 1e-6 relative, gradients 1e-5 of the largest); a damaged file is exit 2.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
ref=${NEURODE_REFERENCE_DIR:?}/vision
for case in pc_dense pc_conv; do
  "$neurode" simulate --network "$ref/$case.h5" -o "$tmp/$case-sim.h5" >"$tmp/log" 2>&1
  result $? "simulate $case ($(tail -1 "$tmp/log"))"
  "$neurode" gradient --network "$ref/$case.h5" -o "$tmp/$case-grad.h5" >"$tmp/log" 2>&1
  result $? "gradient $case ($(tail -1 "$tmp/log"))"
  /usr/bin/python3 - "$ref/$case.h5" "$tmp/$case-sim.h5" "$tmp/$case-grad.h5" >"$tmp/check" 2>&1 <<'PY'
import sys, h5py, numpy as np
ref, sim, grad = (h5py.File(p, "r") for p in sys.argv[1:])
worst = 0.0
for name in ("r1", "r2", "logits", "readout_input"):
    mine, want = sim["trajectory/" + name][()], ref[name][()]
    assert mine.shape == want.shape, (name, mine.shape, want.shape)
    worst = max(worst, np.max(np.abs(mine - want)) / np.max(np.abs(want)))
assert worst < 1e-6, "trajectory error %g" % worst
assert abs(grad["gradient/loss"][()] - ref.attrs["loss"]) < 1e-8
names = [n for n in ref if n.startswith("dL_d")]
for name in names:
    mine, want = grad["gradient/" + name][()], ref[name][()]
    assert np.shape(mine) == np.shape(want), name
    error = np.max(np.abs(mine - want)) / max(np.max(np.abs(want)), 1e-300)
    assert error < 1e-5, (name, error)
print("trajectories within %.1e, loss and %d gradients match" % (worst, len(names)))
PY
  result $? "$case against the reference ($(tail -1 "$tmp/check"))"
done
# A file that says it is predictive coding but has no levels: one line naming it, exit 2.
/usr/bin/python3 -c "
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'w'); f.attrs['model'] = 'predictive_coding'
for a in ('k1', 'k2', 'alpha', 'T', 'label'): f.attrs[a] = 0.5
f['x'] = np.zeros(4)" "$tmp/bad.h5"
"$neurode" simulate --network "$tmp/bad.h5" -o "$tmp/bad-out.h5" >"$tmp/log" 2>&1
code=$?
[ $code -eq 2 ] && grep -q "$tmp/bad.h5" "$tmp/log" && [ ! -e "$tmp/bad-out.h5" ]
result $? "a file without levels: exit 2 naming it (exit $code: $(head -1 "$tmp/log"))"
finish
