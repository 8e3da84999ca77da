#!/usr/bin/python3
"""Exit 0 when two `neurode scan` files hold the same scan, bit for bit.

usage: /usr/bin/python3 tests/support/same_scan.py A.h5 B.h5
Both files must have the same datasets and attributes; every dataset and attribute must be equal
(floating-point values compared as bits), except what records when and how a run went rather than
its results: /provenance below each point, per-epoch seconds, wall times. Prints how many
datasets were compared.
"""
import sys

import h5py
import numpy as np

TIMINGS = ("seconds_per_epoch", "wall_time_s", "scan_wall_time_s")


def skipped(name):
    return "/provenance" in "/" + name or name.split("/")[-1] in TIMINGS


def same(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape or x.dtype.kind != y.dtype.kind:
        return False
    if x.dtype.kind == "f":
        return np.array_equal(x.view(np.uint64), y.view(np.uint64))
    return np.array_equal(x, y)


def objects(f):
    names = {}
    f.visititems(lambda n, o: names.__setitem__(n, o))
    return names


a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
oa, ob = objects(a), objects(b)
problems = sorted(set(oa) ^ set(ob))
compared = 0
for name in sorted(set(oa) & set(ob)):
    if skipped(name):
        continue
    x, y = oa[name], ob[name]
    if isinstance(x, h5py.Dataset):
        compared += 1
        if not same(x[()], y[()]):
            problems.append(name)
    for key in set(x.attrs) | set(y.attrs):
        if key in TIMINGS:
            continue
        if key not in x.attrs or key not in y.attrs or not same(x.attrs[key], y.attrs[key]):
            problems.append(name + "@" + key)
if problems or compared < 10:
    print("differ:", problems[:10], "compared", compared)
    sys.exit(1)
print(compared, "datasets bitwise equal")
