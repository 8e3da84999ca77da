#!/usr/bin/python3
"""Exit 0 when two `neurode train` results hold the same training, bit for bit.

usage: /usr/bin/python3 tests/support/same_training.py A.h5 B.h5
Every dataset under /training, /parameters, /evaluation and /test (wall times excluded) must be equal:
floating-point values compared as bits, the rest as values. Prints how many were compared.
"""
import sys

import h5py
import numpy as np

a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
names = [n for n in names if n.startswith(("training", "parameters", "evaluation", "test")) and "seconds" not in n]
assert len(names) > 10, names
for n in names:
    x, y = np.asarray(a[n][()]), np.asarray(b[n][()])
    if x.dtype.kind == "f":
        assert x.shape == y.shape and np.array_equal(x.view(np.uint64), y.view(np.uint64)), n
    else:
        assert np.array_equal(x, y), n
print(len(names), "datasets bitwise equal")
