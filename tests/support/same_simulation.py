#!/usr/bin/python3
"""Exit 0 when two `neurode simulate` outputs hold the same content, bit for bit.

usage: /usr/bin/python3 tests/support/same_simulation.py A.h5 B.h5 [--any-provenance]
The same groups and datasets; every dataset of the same type and shape with the same bits; every
attribute of the same type with the same value, except /solver's wall_time_s and /provenance's
date_utc and mpi_ranks (with --any-provenance: every attribute of /provenance, for files of two
builds). Prints what was compared, or each difference.
"""
import sys

import h5py
import numpy as np

SKIPPED = {("solver", "wall_time_s"), ("provenance", "date_utc"), ("provenance", "mpi_ranks")}


def kind(dtype):
    """The type as h5py sees it, strings told apart by length (variable or fixed) and encoding."""
    string = h5py.check_string_dtype(dtype)
    return ("string", string.length, string.encoding) if string else ("numbers", dtype.str)


def same_values(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape:
        return False
    if x.dtype.kind == "f" and y.dtype.kind == "f":
        return x.dtype == y.dtype and x.tobytes() == y.tobytes()
    return np.array_equal(x, y)


def objects(f):
    found = {"": f}
    f.visititems(lambda name, o: found.__setitem__(name, o) and None)
    return found


def compare(a, b, any_provenance):
    problems, compared = [], 0
    oa, ob = objects(a), objects(b)
    if set(oa) != set(ob):
        problems.append(f"objects differ: only in A {sorted(set(oa) - set(ob))}, only in B {sorted(set(ob) - set(oa))}")
    for name in sorted(set(oa) & set(ob)):
        x, y = oa[name], ob[name]
        if isinstance(x, h5py.Dataset) != isinstance(y, h5py.Dataset):
            problems.append(f"/{name}: a dataset in one file only")
            continue
        if isinstance(x, h5py.Dataset):
            compared += 1
            if kind(x.dtype) != kind(y.dtype) or x.shape != y.shape:
                problems.append(f"/{name}: {kind(x.dtype)} {x.shape} against {kind(y.dtype)} {y.shape}")
            elif not same_values(x[()], y[()]):
                problems.append(f"/{name}: values differ")
        skip = {n for g, n in SKIPPED if g == name}
        if any_provenance and name == "provenance":
            skip = set(x.attrs) | set(y.attrs)
        if set(x.attrs) - skip != set(y.attrs) - skip:
            problems.append(f"/{name}: attributes {sorted(set(x.attrs) - skip)} against {sorted(set(y.attrs) - skip)}")
        for attribute in sorted((set(x.attrs) & set(y.attrs)) - skip):
            compared += 1
            u, v = x.attrs.get_id(attribute), y.attrs.get_id(attribute)
            if kind(u.dtype) != kind(v.dtype) or u.shape != v.shape:
                problems.append(f"/{name}@{attribute}: {kind(u.dtype)} against {kind(v.dtype)}")
            elif not same_values(x.attrs[attribute], y.attrs[attribute]):
                problems.append(f"/{name}@{attribute}: {x.attrs[attribute]!r} against {y.attrs[attribute]!r}")
    return problems, compared


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    with h5py.File(arguments[0], "r") as a, h5py.File(arguments[1], "r") as b:
        problems, compared = compare(a, b, "--any-provenance" in sys.argv)
    for p in problems:
        print(p)
    if not problems:
        print(f"the same: {compared} datasets and attributes")
    sys.exit(1 if problems else 0)
