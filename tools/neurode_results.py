"""neurode's HDF5 results as numpy arrays and tables: training, simulation, gradient and scan files
(their layout: docs/output-format.md).

    import sys; sys.path.insert(0, "tools")
    import neurode_results as nr
    result = nr.load("xor.h5")                 # a Training, Simulation or Scan, by the file's groups
    result.history["loss"]                      # the training loss per epoch
    nr.simulation("wta.h5").variables["r"].data  # the rates, shaped as the variable's layout says
    table = nr.scan_table("sweep.h5")           # one row per point of a `neurode scan`
    nr.scan_point("sweep.h5", 3)                # point 3's own result (None if it failed)

Tables are pandas DataFrames when pandas imports, else dicts (in column order) of column name ->
1-D numpy array: `table[name]` works on both, and `column(table, name)` gives a numpy array from
either. NEURODE_RESULTS_NO_PANDAS=1 in the environment gives the dicts even with pandas installed.
Numbers are float64 (NaN where there is no value), `point` int64, strings Python str in object
arrays. Only h5py and numpy are required.
"""
import contextlib
import csv
import dataclasses
import os
from typing import Optional

import h5py
import numpy as np

try:
    if os.environ.get("NEURODE_RESULTS_NO_PANDAS"):
        raise ImportError("disabled by NEURODE_RESULTS_NO_PANDAS")
    import pandas
except ImportError:
    pandas = None

# The scan table's columns that are not axes: before them the point index, after them the results.
SCAN_FIXED = ("status", "message", "wall_time_s")
# Columns of a scan table that are strings whatever their cells look like (read_csv_table).
STRING_COLUMNS = ("status", "message")


class WrongKind(ValueError):
    """The file (or scan point) holds another kind of result than the one asked for."""


# --- tables -------------------------------------------------------------------------------------


def make_table(columns):
    """A table from {name: 1-D array} in column order: a DataFrame when pandas imports, else the dict."""
    columns = {name: np.asarray(values) for name, values in columns.items()}
    if pandas is not None:
        return pandas.DataFrame(columns)
    return columns


def column(table, name):
    """One column of a table of either kind as a numpy array."""
    return np.asarray(table[name])


def column_names(table):
    return [str(name) for name in table.keys()]


def row_count(table):
    names = column_names(table)
    return len(column(table, names[0])) if names else 0


# --- low-level reading --------------------------------------------------------------------------


def text(value):
    """An attribute or a scalar string dataset's value as str (h5py gives bytes or str)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return str(value)


def strings(dataset):
    """A strings dataset (neurode writes variable-length UTF-8; one string is a scalar) as a list."""
    if h5py.check_string_dtype(dataset.dtype) is None:
        raise WrongKind(f"{dataset.name} holds {dataset.dtype}, not strings")
    return [str(s) for s in np.atleast_1d(dataset.asstr()[()])]


def values(dataset):
    """A dataset as a numpy array: strings as an object array of str, anything else as stored."""
    if h5py.check_string_dtype(dataset.dtype) is not None:
        return np.array(strings(dataset), dtype=object) if dataset.shape != () else dataset.asstr()[()]
    return dataset[()]


def attributes(obj):
    """An object's attributes with strings decoded and one-element numbers as Python floats."""
    out = {}
    for name, value in obj.attrs.items():
        if isinstance(value, (bytes, str)):
            out[name] = text(value)
        elif isinstance(value, np.ndarray) and value.size == 1:
            out[name] = value.reshape(()).item()
        elif isinstance(value, np.generic):
            out[name] = value.item()
        else:
            out[name] = value
    return out


@contextlib.contextmanager
def opened(source, group="/"):
    """An h5py group from a path (opened read-only and closed after) or an open file or group."""
    if isinstance(source, (h5py.File, h5py.Group)):
        yield source[group] if group not in ("", "/") else source
        return
    with h5py.File(source, "r") as f:
        yield f[group] if group not in ("", "/") else f


def describe(g):
    """Where a group is, for messages: the file and, inside a scan, the point's group."""
    return g.file.filename + ("" if g.name == "/" else ":" + g.name)


def kind_of(g):
    """'scan', 'training', 'gradient' or 'simulation', from the groups a result has."""
    for name, kind in (("scan", "scan"), ("training", "training"), ("gradient", "gradient"),
                       ("trajectory", "simulation")):
        if name in g:
            return kind
    raise WrongKind(f"{describe(g)}: not a neurode result (no /scan, /training, /gradient or /trajectory)")


def kind(source, group="/"):
    with opened(source, group) as g:
        return kind_of(g)


def _require(g, name, wanted):
    if name not in g:
        found = kind_of(g) if any(n in g for n in ("scan", "training", "gradient", "trajectory")) else "no"
        raise WrongKind(f"{describe(g)}: a {found} result, not a {wanted} (no /{name})")


def _config(g):
    return text(g["config/text"][()]) if "config/text" in g else ""


def _provenance(g):
    return attributes(g["provenance"]) if "provenance" in g else {}


def _group_table(g, first=("epoch", "loss")):
    """The datasets of a group as a table: the columns `first` (when there), then the file's order."""
    names = [n for n in g if isinstance(g[n], h5py.Dataset)]
    names = [n for n in first if n in names] + [n for n in names if n not in first]
    return make_table({n: values(g[n]) for n in names})


# --- training files -----------------------------------------------------------------------------


@dataclasses.dataclass
class Evaluation:
    """The final held-out evaluation (/evaluation): the loss, each metric per sample and its mean."""
    loss: float
    metrics: dict                  # name -> per-sample values
    means: dict                    # name -> the metric's mean (its `mean` attribute)
    times: Optional[np.ndarray]
    trajectories: Optional[np.ndarray]  # sample x time x component
    targets: Optional[np.ndarray]
    components: list


@dataclasses.dataclass
class Test:
    """The trained model on the test split (/test), for tasks that have one."""
    loss: float
    metrics: dict                  # name -> value over the test set
    per_sample: dict               # name -> per-sample values
    samples: Optional[int]


@dataclasses.dataclass
class Training:
    source: str
    task: str
    attributes: dict               # of /training: task, solver, gradient
    history: object                # table, one row per epoch: epoch, loss, gradient_norm, ...
    evaluations: object            # table, one row per evaluated epoch: epoch, loss, each metric
    metrics: list                  # the task's metric names, in the file's order
    initial_parameters: Optional[np.ndarray]
    final_parameters: Optional[np.ndarray]
    snapshot_epochs: Optional[np.ndarray]
    snapshots: Optional[np.ndarray]
    evaluation: Optional[Evaluation]
    test: Optional[Test]
    examples: dict                 # image classification: image, prediction, error, label, predicted
    config_text: str
    stage: Optional[int]           # a staged training's stage (from 1) and stage count
    stages: Optional[int]
    provenance: dict
    file: str = ""                 # where the result is: the file, and the group inside it
    group: str = "/"
    _labels: Optional[list] = dataclasses.field(default=None, repr=False)

    @property
    def parameter_labels(self):
        """What each parameter is ("W[3,7]", "U1[0,2]"...), read when first asked: a large model's
        labels take longer to read than the rest of its file."""
        if self._labels is None:
            with opened(self.file, self.group) as g:
                self._labels = strings(g["parameters/labels"]) if "parameters/labels" in g else []
        return self._labels


def _evaluation(g):
    if "evaluation" not in g:
        return None
    e = g["evaluation"]
    metrics = {n: d[()] for n, d in e.items() if isinstance(d, h5py.Dataset) and "mean" in d.attrs}
    optional = {n: e[n][()] if n in e else None for n in ("times", "trajectories", "targets")}
    return Evaluation(loss=float(np.mean(e["loss"][()])) if "loss" in e else float("nan"), metrics=metrics,
                      means={n: float(e[n].attrs["mean"]) for n in metrics},
                      components=strings(e["components"]) if "components" in e else [], **optional)


def _test(g):
    if "test" not in g:
        return None
    t = g["test"]
    per_sample = {n: d[()] for n, d in t["per_sample"].items()} if "per_sample" in t else {}
    metrics = {n: float(d[()]) for n, d in t.items() if isinstance(d, h5py.Dataset) and n != "loss"}
    samples = t.attrs.get("samples")
    return Test(loss=float(t["loss"][()]) if "loss" in t else float("nan"), metrics=metrics,
                per_sample=per_sample, samples=int(samples) if samples is not None else None)


def _training(g):
    _require(g, "training", "training")
    t = g["training"]
    evaluations = t["evaluation"] if "evaluation" in t else {}
    p = g["parameters"] if "parameters" in g else {}
    config = attributes(g["config"]) if "config" in g else {}

    def parameters(name):
        return p[name][()] if name in p else None

    attrs = attributes(t)
    return Training(
        source=describe(g), task=str(attrs.get("task", "")), attributes=attrs,
        history=_group_table(t), evaluations=_group_table(evaluations) if "evaluation" in t else make_table({}),
        metrics=[n for n in evaluations if n not in ("epoch", "loss")],
        initial_parameters=parameters("initial"), final_parameters=parameters("final"),
        snapshot_epochs=parameters("snapshot_epochs"), snapshots=parameters("snapshots"),
        evaluation=_evaluation(g), test=_test(g),
        examples={n: d[()] for n, d in g["examples"].items()} if "examples" in g else {},
        config_text=_config(g), stage=int(config["stage"]) if "stage" in config else None,
        stages=int(config["stages"]) if "stages" in config else None, provenance=_provenance(g),
        file=g.file.filename, group=g.name)


def training(source, group="/"):
    """A training file (or a scan point's group of one) as a Training."""
    with opened(source, group) as g:
        return _training(g)


# --- simulation (and gradient) files -------------------------------------------------------------


@dataclasses.dataclass
class Variable:
    """One state component of /trajectory, as the model's state layout describes it."""
    name: str
    data: np.ndarray
    layout: str                    # e.g. "trial x time x population"
    units: str
    index: str                     # what the last index counts and how it is numbered

    @property
    def dims(self):
        return self.layout.split(" x ") if self.layout else []


@dataclasses.dataclass
class Simulation:
    source: str
    times: np.ndarray
    time_units: str
    variables: dict                # name -> Variable, the time series of /trajectory in the file's order
    outputs: dict                  # other datasets of /trajectory (e.g. predictive coding's logits)
    trial: Optional[np.ndarray]    # with noise realisations: each run's trial (stimulus) and Wiener path
    realisation: Optional[np.ndarray]
    solver: dict                   # attributes of /solver: method, steps, rhs_evaluations, ...
    gradient: Optional[dict]       # gradient files: the datasets and attributes of /gradient
    config_text: str
    provenance: dict


NOT_STATES = ("t", "trial", "realisation")


def _simulation(g):
    _require(g, "trajectory", "simulation")
    tr = g["trajectory"]
    variables, outputs = {}, {}
    for name, d in tr.items():
        if name in NOT_STATES or not isinstance(d, h5py.Dataset):
            continue
        a = attributes(d)
        # A state component names its time axis in `layout`; anything else is a final output.
        if "time" in str(a.get("layout", "")).split(" x "):
            variables[name] = Variable(name, d[()], a["layout"], str(a.get("units", "")), str(a.get("index", "")))
        else:
            outputs[name] = d[()]
    gradient = None
    if "gradient" in g:
        gradient = dict(attributes(g["gradient"]))
        gradient.update({n: values(d) for n, d in g["gradient"].items() if isinstance(d, h5py.Dataset)})
    return Simulation(
        source=describe(g), times=tr["t"][()], time_units=str(attributes(tr["t"]).get("units", "")),
        variables=variables, outputs=outputs, trial=tr["trial"][()] if "trial" in tr else None,
        realisation=tr["realisation"][()] if "realisation" in tr else None,
        solver=attributes(g["solver"]) if "solver" in g else {}, gradient=gradient, config_text=_config(g),
        provenance=_provenance(g))


def simulation(source, group="/"):
    """A simulation or gradient file (or a scan point's group of one) as a Simulation."""
    with opened(source, group) as g:
        return _simulation(g)


# --- scan files ---------------------------------------------------------------------------------


def point_group(index):
    """The group of a scan point's result: /points/00003."""
    return "/points/%05d" % int(index)


@dataclasses.dataclass
class Scan:
    source: str
    config_text: str
    columns: list                  # in CSV order: point, the axes, status, message, wall_time_s, results
    axes: list                     # the config key paths scanned, e.g. ["solver.method", "seed"]
    results: list                  # the result columns, e.g. ["epochs", "final_loss", ...]
    table: object
    points: int
    combine: str                   # "grid" or "zip"

    @property
    def failed(self):
        return int(np.sum(column(self.table, "status") != "done"))

    def point(self, index):
        return scan_point(self.source, index)


def split_columns(columns):
    """(axes, results) of a scan's columns: the axes lie between `point` and `status`."""
    if "status" not in columns or (columns and columns[0] != "point"):
        raise WrongKind(f"not a scan table's columns (point, axes..., status, message, wall_time_s, results...): "
                        f"{columns}")
    s = columns.index("status")
    return columns[1:s], [c for c in columns[s + 1:] if c not in SCAN_FIXED]


def _scan_table(g):
    _require(g, "scan", "scan")
    columns = strings(g["scan/columns"])
    table = {}
    for name in columns:
        d = g["scan/table"][name]
        data = values(d)
        table[name] = np.atleast_1d(data) if h5py.check_string_dtype(d.dtype) is None else \
            np.array(np.atleast_1d(data).tolist(), dtype=object)
    return columns, make_table(table)


def scan(source):
    """A scan file's table and description (points read on demand by Scan.point)."""
    with opened(source) as g:
        columns, table = _scan_table(g)
        a = attributes(g["scan"])
        axes, results = split_columns(columns)
        return Scan(source=g.file.filename, config_text=_config(g["scan"]), columns=columns, axes=axes,
                    results=results, table=table, points=int(a.get("points", row_count(table))),
                    combine=str(a.get("combine", "")))


def scan_table(source):
    """The scan's table: one row per point, the columns of /scan/columns in their order."""
    with opened(source) as g:
        return _scan_table(g)[1]


def scan_point(source, index):
    """Point `index`'s result as a Training or Simulation; None when the point failed (its message
    is in the table and in the group's attributes)."""
    with opened(source) as g:
        name = point_group(index)
        if name not in g:
            raise KeyError(f"{g.file.filename}: no {name} (the scan has {len(g['points']) if 'points' in g else 0} "
                           f"point groups)")
        p = g[name]
        if text(p.attrs.get("status", "done")) != "done" and "training" not in p and "trajectory" not in p:
            return None
        return _training(p) if "training" in p else _simulation(p)


# --- any file -----------------------------------------------------------------------------------


def load(source):
    """Any neurode result, by what it holds: a Scan, a Training or a Simulation (gradient files too)."""
    with opened(source) as g:
        k = kind_of(g)
        if k == "scan":
            return scan(g.file.filename)
        return _training(g) if k == "training" else _simulation(g)


# --- the CSV beside a scan file -----------------------------------------------------------------


def read_csv_table(path, types=None):
    """The CSV table `neurode scan` writes beside its HDF5 file, as a table like scan_table's.

    A column is numbers (float64, an empty cell NaN; `point` int64) when every non-empty cell reads
    as a number, else strings; `status` and `message` are always strings. `types` ({column:
    "number" or "string"}, e.g. from the HDF5 table) overrides the guess, for a string column whose
    every value looks like a number."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path}: empty, expected a header line")
    header, body = rows[0], rows[1:]
    for k, row in enumerate(body):
        if len(row) != len(header):
            raise ValueError(f"{path}: line {k + 2} has {len(row)} fields, the header {len(header)}")
    table = {}
    for c, name in enumerate(header):
        cells = [row[c] for row in body]
        wanted = (types or {}).get(name) or ("string" if name in STRING_COLUMNS or not _all_numbers(cells)
                                             else "number")
        if wanted == "string":
            table[name] = np.array(cells, dtype=object)
        elif name == "point" and all(_is_integer(s) for s in cells):
            table[name] = np.array([int(s) for s in cells], dtype=np.int64)
        else:
            table[name] = np.array([float(s) if s != "" else np.nan for s in cells], dtype=np.float64)
    return make_table(table)


def _all_numbers(cells):
    for s in cells:
        if s == "":
            continue
        try:
            float(s)
        except ValueError:
            return False
    return True


def _is_integer(s):
    try:
        int(s)
        return True
    except ValueError:
        return False
