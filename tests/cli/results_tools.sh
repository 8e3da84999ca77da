#!/usr/bin/env bash
# The post-processing tools on results: tools/neurode_results.py reads training, simulation and
# scan files (the scans written by tests/support/fake_scan.py in the layout of docs/output-format.md)
# into the same numbers h5py reads; tests/support/check_scan_file.py accepts a scan and its CSV and
# rejects a CSV that differs in one digit, a row or a NaN's form; tools/plot_scan.py draws lines
# and heat maps and refuses a column that is not a number; tools/plot_simulation.py plots a column
# network and a predictive-coding network (whose final logits are no time series).
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
py=/usr/bin/python3
support=$source_dir/tests/support
"$neurode" train "$source_dir/tests/data/train_xor_tiny.yaml" -o "$tmp/train.h5" >"$tmp/log" 2>&1
result $? "train ($(tail -1 "$tmp/log"))"
"$neurode" simulate "$source_dir/inputs/wta_two_columns.yaml" -o "$tmp/sim.h5" >"$tmp/log" 2>&1
result $? "simulate ($(tail -1 "$tmp/log"))"
for kind in training simulation single; do
  $py "$support/fake_scan.py" $kind "$tmp/scan-$kind.h5"
  $py "$support/check_scan_file.py" "$tmp/scan-$kind.h5" "$tmp/scan-$kind.csv" >"$tmp/log" 2>&1
  result $? "check_scan_file accepts the $kind scan ($(tail -1 "$tmp/log"))"
done
# Each way a CSV can differ from its HDF5 file is found.
csv=$tmp/scan-training.csv
sed 's/^1,dopri5,0.001,2,done,,0.58333333333333326,/1,dopri5,0.001,2,done,,0.58333333333333337,/' "$csv" >"$tmp/digit.csv"
head -n -1 "$csv" >"$tmp/short.csv"
sed 's/^13,\(.*\),,,,$/13,\1,nan,,,/' "$csv" >"$tmp/nan.csv"
sed 's/,step limit,/,step limits,/' "$csv" >"$tmp/string.csv"
for bad in digit short nan string; do
  ! cmp -s "$csv" "$tmp/$bad.csv" && ! $py "$support/check_scan_file.py" "$tmp/scan-training.h5" "$tmp/$bad.csv" >"$tmp/log" 2>&1
  result $? "check_scan_file rejects the $bad CSV ($(head -1 "$tmp/log"))"
done
$py - "$source_dir/tools" "$tmp" >"$tmp/log" 2>&1 <<'PY'
import sys, h5py, numpy as np
sys.path.insert(0, sys.argv[1])
import neurode_results as nr
d = sys.argv[2]
t = nr.load(f"{d}/train.h5")
with h5py.File(f"{d}/train.h5") as f:
    assert isinstance(t, nr.Training) and t.task == "xor", t.task
    assert nr.column_names(t.history)[:2] == ["epoch", "loss"], nr.column_names(t.history)
    assert np.array_equal(nr.column(t.history, "loss"), f["/training/loss"][()])
    assert t.metrics == ["correct", "output_Hz"] and np.array_equal(nr.column(t.evaluations, "correct"),
                                                                   f["/training/evaluation/correct"][()])
    assert np.array_equal(t.final_parameters, f["/parameters/final"][()]) and len(t.parameter_labels) == 24
    assert t.evaluation.means["correct"] == f["/evaluation/correct"].attrs["mean"]
    assert t.config_text == f["/config/text"][()].decode() and t.provenance["mpi_ranks"] == 1
s = nr.load(f"{d}/sim.h5")
with h5py.File(f"{d}/sim.h5") as f:
    assert isinstance(s, nr.Simulation) and list(s.variables) == ["V", "a", "r"], list(s.variables)
    assert np.array_equal(s.variables["r"].data, f["/trajectory/r"][()]) and s.variables["r"].units == "Hz"
    assert s.variables["r"].dims == ["time", "population"] and s.times.shape == (1501,)
    assert s.solver["steps"] == f["/solver"].attrs["steps"] and s.trial is None
scan = nr.load(f"{d}/scan-training.h5")
assert isinstance(scan, nr.Scan) and scan.axes == ["solver.method", "optimizer.learning_rate", "seed"], scan.axes
assert scan.results[0] == "epochs" and scan.points == 18 and scan.failed == 2 and scan.combine == "grid"
table = nr.scan_table(f"{d}/scan-training.h5")
assert nr.column(table, "point").dtype == np.int64 and nr.column(table, "solver.method")[9] == "rk4"
assert np.isnan(nr.column(table, "final_loss")[4]) and "\n" in nr.column(table, "message")[4]
again = nr.read_csv_table(f"{d}/scan-training.csv")  # the types guessed from the cells alone
for name in nr.column_names(table):
    a, b = nr.column(table, name), nr.column(again, name)
    assert a.dtype == b.dtype and (a.tolist() == b.tolist() if a.dtype == object else
                                   np.array_equal(a, b, equal_nan=True)), name
point = nr.scan_point(f"{d}/scan-training.h5", 3)
assert isinstance(point, nr.Training) and point.source.endswith("/points/00003"), point.source
assert nr.scan_point(f"{d}/scan-training.h5", 4) is None  # failed
assert isinstance(scan.point(2), nr.Training)
assert isinstance(nr.scan_point(f"{d}/scan-simulation.h5", 1), nr.Simulation)
single = nr.scan_table(f"{d}/scan-single.h5")  # one point: the strings datasets are scalars
assert nr.column(single, "status").tolist() == ["done"] and nr.row_count(single) == 1
try:
    nr.training(f"{d}/sim.h5")
    raise AssertionError("a simulation read as a training")
except nr.WrongKind as error:
    assert "not a training" in str(error), error
print("module: training, simulation and scan files read as h5py reads them; tables", "DataFrame" if nr.pandas else "dicts")
PY
result $? "neurode_results ($(tail -1 "$tmp/log"))"
plot() {  # description, expected exit code, arguments of plot_scan.py (the last: -o FILE)
  local what=$1 expected=$2
  shift 2
  $py "$source_dir/tools/plot_scan.py" "$@" >"$tmp/log" 2>&1
  local code=$? out=${*: -1}
  if [ "$expected" -eq 0 ]; then [ $code -eq 0 ] && [ -s "$out" ]; else [ $code -eq "$expected" ] && [ ! -e "$out" ]; fi
  result $? "plot_scan: $what (exit $code: $(tail -1 "$tmp/log"))"
}
plot "metric against the first numeric axis over seeds, a line per method" 0 "$tmp/scan-training.h5" --metric final_loss -o "$tmp/lines.png"
plot "heat map" 0 "$tmp/scan-training.h5" --metric held_out_loss --x optimizer.learning_rate --y solver.method -o "$tmp/heat.png"
plot "simulation scan, standard deviation" 0 "$tmp/scan-simulation.h5" --metric steps --spread std -o "$tmp/sim-scan.png"
plot "a string axis along x" 0 "$tmp/scan-training.h5" --metric final_loss --x solver.method -o "$tmp/methods.png"
plot "one point" 0 "$tmp/scan-single.h5" --metric final_loss -o "$tmp/single.png"
plot "a string column refused" 2 "$tmp/scan-training.h5" --metric status -o "$tmp/refused.png"
plot "an unknown axis refused" 2 "$tmp/scan-training.h5" --metric final_loss --x nope -o "$tmp/refused.png"
$py "$source_dir/tools/plot_scan.py" "$tmp/scan-training.h5" --metric final_loss -o "$tmp/lines.png" >"$tmp/log" 2>&1
grep -q "18 points, 2 failed (left out)" "$tmp/log"
result $? "plot_scan counts the failed points ($(tail -1 "$tmp/log"))"
$py "$source_dir/tools/plot_simulation.py" "$tmp/sim.h5" "$tmp/sim.png" >"$tmp/log" 2>&1 && [ -s "$tmp/sim.png" ]
result $? "plot_simulation on a column network ($(tail -1 "$tmp/log"))"
ref=${NEURODE_REFERENCE_DIR:-$source_dir/../shared/reference}
if [ -f "$ref/vision/pc_dense.h5" ]; then
  "$neurode" simulate --network "$ref/vision/pc_dense.h5" -o "$tmp/pc.h5" >"$tmp/log" 2>&1 &&
    $py "$source_dir/tools/plot_simulation.py" "$tmp/pc.h5" "$tmp/pc.png" >>"$tmp/log" 2>&1 && [ -s "$tmp/pc.png" ]
  result $? "plot_simulation on a predictive-coding network ($(tail -1 "$tmp/log"))"
fi
finish
