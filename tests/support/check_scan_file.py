#!/usr/bin/python3
"""Checks a `neurode scan` result against the CSV written beside it (docs/output-format.md):

    /usr/bin/python3 tests/support/check_scan_file.py SCAN.h5 SCAN.csv

Exit 0 only if h5py reads every dataset and attribute of SCAN.h5 without error (strings as UTF-8);
the table read by tools/neurode_results.py has the columns point, the axes, status, message,
wall_time_s, the results, with one entry per point (/scan attribute `points`), point numbered from
0, status "done" or "failed", the message empty when done and a /points/<00000> group per point;
and SCAN.csv has the same header and one row per point equal to the table cell by cell: numbers
printed %.17g (so exactly the same float; integers as integers, an empty cell where the table holds
NaN), strings as they are. The CSV is parsed here with
the csv module, independently of the module's own read_csv_table, which must agree as well.
Prints every difference found (the first 20); exit 1 if any, 2 for bad usage.
"""
import csv
import math
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import neurode_results as nr  # noqa: E402


def read_everything(path, problems):
    """Reads every dataset and attribute: a damaged or half-written file fails here."""
    def visit(name, obj):
        try:
            for key in obj.attrs:
                obj.attrs[key]
            if isinstance(obj, h5py.Dataset):
                if h5py.check_string_dtype(obj.dtype) is not None:
                    obj.asstr()[()]
                else:
                    obj[()]
        except Exception as error:  # any failure to read is the finding
            problems.append(f"{path}: cannot read /{name}: {error}")

    with h5py.File(path, "r") as f:
        for key in f.attrs:
            f.attrs[key]
        f.visititems(visit)


def number_problem(expected, cell):
    """Why the CSV cell does not hold `expected` as neurode prints it ("" if it does): NaN as an
    empty cell, an integer column as the integer, any other number as %.17g (which reads back as
    the same float)."""
    if isinstance(expected, (int, np.integer)):
        return "" if cell == str(int(expected)) else "not this integer"
    expected = float(expected)
    if math.isnan(expected):
        return "" if cell == "" else "not empty for NaN"
    if cell == "%.17g" % expected:
        return ""
    try:
        value = float(cell)
    except ValueError:
        return "not a number"
    same = value == expected and math.copysign(1.0, value) == math.copysign(1.0, expected)
    return "the same number, not printed %%.17g (%r)" % ("%.17g" % expected) if same else "another number"


def check_structure(h5_path, scan, problems):
    columns = scan.columns
    s = columns.index("status")
    if columns[s:s + 3] != ["status", "message", "wall_time_s"]:
        problems.append(f"columns after the axes are {columns[s:s + 3]}, expected status, message, wall_time_s")
    n = nr.row_count(scan.table)
    if n != scan.points:
        problems.append(f"/scan attribute points = {scan.points}, the table has {n} rows")
    for name in columns:
        if len(nr.column(scan.table, name)) != n:
            problems.append(f"column {name} has {len(nr.column(scan.table, name))} entries, expected {n}")
    if not np.array_equal(nr.column(scan.table, "point"), np.arange(n)):
        problems.append(f"column point is {nr.column(scan.table, 'point').tolist()}, expected 0 to {n - 1}")
    status, message = nr.column(scan.table, "status"), nr.column(scan.table, "message")
    for k in range(n):
        if status[k] not in ("done", "failed"):
            problems.append(f"point {k}: status {status[k]!r}, expected done or failed")
        if status[k] == "done" and message[k] != "":
            problems.append(f"point {k}: done with the message {message[k]!r}")
    with h5py.File(h5_path, "r") as f:
        missing = [k for k in range(n) if nr.point_group(k) not in f]
        if missing:
            problems.append(f"no group {nr.point_group(missing[0])} ({len(missing)} points without one)")


def check_csv(csv_path, scan, problems):
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        problems.append(f"{csv_path}: empty")
        return
    header, body = rows[0], rows[1:]
    if header != scan.columns:
        problems.append(f"CSV header {header} differs from /scan/columns {scan.columns}")
        return
    if len(body) != nr.row_count(scan.table):
        problems.append(f"CSV has {len(body)} rows, the scan {nr.row_count(scan.table)} points")
    for r, row in enumerate(body):
        if len(row) != len(header):
            problems.append(f"CSV row {r + 1} has {len(row)} fields, the header {len(header)}")
            continue
        for name, cell in zip(header, row):
            values = nr.column(scan.table, name)
            if r >= len(values):
                continue
            expected = values[r]
            why = ("" if cell == expected else "another string") if isinstance(expected, str) else \
                number_problem(expected, cell)
            if why:
                problems.append(f"point {r}, column {name}: CSV {cell!r}, HDF5 {expected!r}: {why}")
    if len(body) != nr.row_count(scan.table) or any(len(row) != len(header) for row in body):
        return
    # The module's own CSV reader, told the HDF5 table's types, gives the same table.
    types = {c: "string" if nr.column(scan.table, c).dtype == object else "number" for c in scan.columns}
    again = nr.read_csv_table(csv_path, types=types)
    for name in scan.columns:
        a, b = nr.column(scan.table, name), nr.column(again, name)
        equal = a.tolist() == b.tolist() if a.dtype == object else \
            a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
        if not equal:
            problems.append(f"read_csv_table's column {name} differs from the HDF5 table's")


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    h5_path, csv_path = argv[1], argv[2]
    problems = []
    try:
        read_everything(h5_path, problems)
        scan = nr.scan(h5_path)
    except Exception as error:
        problems.append(f"{h5_path}: {error}")
        scan = None
    if scan is not None:
        check_structure(h5_path, scan, problems)
        try:
            check_csv(csv_path, scan, problems)
        except (OSError, ValueError) as error:
            problems.append(f"{csv_path}: {error}")
    for p in problems[:20]:
        print(p)
    if len(problems) > 20:
        print(f"... and {len(problems) - 20} more")
    if problems:
        return 1
    print(f"{h5_path}: {scan.points} points, {len(scan.columns)} columns, every dataset read; {csv_path} equal")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
