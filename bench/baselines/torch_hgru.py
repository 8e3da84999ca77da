#!/usr/bin/env python3
"""The PyTorch way for the hGRU: the model of src/models/hgru/hgru.hpp written as a PyTorch user would, integrated
by fixed-step Euler or RK4 with back-propagation through the steps (torch.autograd), PyTorch's own convolutions.

Model (shared/spec/vision-models.md "hGRU", docs/hgru.md; conventions shared/reference/vision/README.md), NCHW:
  X = F * image + f (front end, fixed during the dynamics), W = (V + V^T)/2 over the channel axes (symmetric),
  G1 = sigma(U1 * H2 + b1);  C1 = W * (G1 . H2);  H1 = zeta(X - (alpha H2 + mu) . C1)
  G2 = sigma(U2 * H1 + b2);  C2 = W * H1;  H2~ = zeta(kappa (H1 + gamma C2) + omega (H1 . gamma C2))
  dH2/dt = (1 - G2) . (H2~ - H2) / tau,  H2(0) = 0, over [0, T];
with * a "same" zero-padded F.conv2d, U1, U2 1x1. Read-out: logits = A f + b, f each channel's maximum (pool max),
mean (pool mean) or every value of H2(T); loss = mean over the batch of the cross-entropy. Gradients with respect
to every parameter, in neurode's order (hgru_parameter_arrays): V (or W), U1, U2, b1, b2, alpha, mu, gamma, kappa,
omega, tau, F, f, then A and b.

  /usr/bin/python3 bench/baselines/torch_hgru.py --check ../shared/reference/vision/hgru.h5
  /usr/bin/python3 bench/baselines/torch_hgru.py --check-neurode problem.h5    (neurode_hgru_bench --export)
  /usr/bin/python3 bench/baselines/torch_hgru.py --problem problem.h5 --solver euler,rk4 --dtype float32,float64 \
      --threads 1 --output torch.csv

Benchmark problem (bench/hgru_bench.cpp): a batch of 32 1x32x32 images, 7x7 front end, C = 8, 7x7 symmetric W,
tanh, T = 8, tau = 1, 8 steps (Euler 8 is the discrete hGRU), pool max, 10 classes. --problem takes the images,
labels and parameters neurode exported, so both integrate the very same numbers; without it they are drawn at
random (fixed-step timings do not depend on the values).
One timed call = set the gradients to None, integrate, loss, loss.backward(); wall-clock (time.perf_counter),
after --warmup calls, repeated until at least --min-seconds and --min-repeats.
CSV columns: solver, steps, batch, dtype, threads, median_ms, min_ms, rhs_evaluations, repeats.

Threads: torch.set_num_threads(n), set_num_interop_threads(1), and openblas_set_num_threads(n): Debian's torch does
its float64 convolutions (im2col) in OpenBLAS, whose thread count torch.set_num_threads does not change.
"""
import argparse
import csv
import ctypes
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def _openblas():
    for name in ("libopenblas.so.0", "libopenblas.so", "libblas.so.3"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_set_num_threads  # raises AttributeError if this BLAS is not OpenBLAS
            return lib
        except (OSError, AttributeError):
            continue
    return None


OPENBLAS = _openblas()


def set_threads(n):
    torch.set_num_threads(n)
    if OPENBLAS is not None:
        OPENBLAS.openblas_set_num_threads(n)


# --- the model -----------------------------------------------------------------------------------------------

def parameter_shapes(C, k, front_kernel, input_channels, symmetric):
    """neurode's parameter arrays in order (src/models/hgru/hgru.cpp, hgru_parameter_arrays)."""
    shapes = [("V" if symmetric else "W", (C, C, k, k)), ("U1", (C, C, 1, 1)), ("U2", (C, C, 1, 1))]
    shapes += [(name, (C,)) for name in ("b1", "b2", "alpha", "mu", "gamma", "kappa", "omega")]
    shapes.append(("tau", ()))
    if front_kernel:
        shapes += [("F", (C, input_channels, front_kernel, front_kernel)), ("f", (C,))]
    return shapes


class Hgru:
    """The hGRU on a batch. `p` maps parameter names to leaf tensors (per-channel ones of shape [C])."""

    def __init__(self, p, symmetric, zeta="tanh", pool="max"):
        self.p, self.symmetric, self.pool = p, symmetric, pool
        self.zeta = torch.tanh if zeta == "tanh" else torch.relu

    def kernel(self):
        if not self.symmetric:
            return self.p["W"]
        V = self.p["V"]
        return 0.5 * (V + V.transpose(0, 1))

    def drive(self, x):
        """X: the front end's output (made once per call, it is fixed during the dynamics), or x itself."""
        if "F" not in self.p:
            return x
        Fk = self.p["F"]
        return F.conv2d(x, Fk, self.p["f"], padding=(Fk.shape[-1] - 1) // 2)

    def rhs(self, X, W, H2):
        c = lambda name: self.p[name].view(1, -1, 1, 1)  # per channel, broadcast over batch, height, width
        pad = (W.shape[-1] - 1) // 2
        G1 = torch.sigmoid(F.conv2d(H2, self.p["U1"], self.p["b1"]))
        C1 = F.conv2d(G1 * H2, W, padding=pad)
        H1 = self.zeta(X - (c("alpha") * H2 + c("mu")) * C1)
        G2 = torch.sigmoid(F.conv2d(H1, self.p["U2"], self.p["b2"]))
        gC2 = c("gamma") * F.conv2d(H1, W, padding=pad)
        H2t = self.zeta(c("kappa") * (H1 + gC2) + c("omega") * (H1 * gC2))
        return (1.0 - G2) * (H2t - H2) / self.p["tau"]

    def integrate(self, x, T, steps, solver, record_every=None):
        X, W = self.drive(x), self.kernel()
        h = T / steps
        H2 = torch.zeros_like(X)
        trajectory = [H2.detach().clone()] if record_every else None
        for n in range(steps):
            if solver == "euler":
                H2 = H2 + h * self.rhs(X, W, H2)
            else:
                a = self.rhs(X, W, H2)
                b = self.rhs(X, W, H2 + (0.5 * h) * a)
                c = self.rhs(X, W, H2 + (0.5 * h) * b)
                d = self.rhs(X, W, H2 + h * c)
                H2 = H2 + (h / 6.0) * (a + 2.0 * b + 2.0 * c + d)
            if record_every and (n + 1) % record_every == 0:
                trajectory.append(H2.detach().clone())
        return H2, trajectory

    def features(self, H2):
        if self.pool == "max":
            return H2.amax(dim=(2, 3))
        if self.pool == "mean":
            return H2.mean(dim=(2, 3))
        return H2.flatten(1)

    def logits(self, H2):
        return F.linear(self.features(H2), self.p["A"], self.p["b"])


def loss_and_backward(model, x, labels, T, steps, solver):
    for t in model.p.values():
        t.grad = None
    H2, _ = model.integrate(x, T, steps, solver)
    loss = F.cross_entropy(model.logits(H2), labels)
    loss.backward()
    return loss


# --- checks --------------------------------------------------------------------------------------------------

def check_reference(path, steps, tolerance):
    """Against shared/reference/vision/hgru.h5 (float64, RK4): trajectory, H1, loss, every dL_d*, the Euler step."""
    import h5py
    dt = torch.float64
    worst = {}  # the largest error of each quantity over both parameterisations
    with h5py.File(path, "r") as f:
        a = dict(f.attrs)
        T = float(a["T"])
        leaf = lambda key: torch.tensor(np.asarray(f[key]), dtype=dt, requires_grad=True)
        names = ["U1", "U2", "b1", "b2", "alpha", "mu", "gamma", "kappa", "omega", "A", "b"]
        for symmetric in (False, True):  # W as it is (dL_dW), then W = (V + V^T)/2 at V = W (dL_dV_sym)
            p = {name: leaf(name) for name in names}
            p["V" if symmetric else "W"] = leaf("W")
            p["tau"] = torch.tensor(float(a["tau"]), dtype=dt, requires_grad=True)
            model = Hgru(p, symmetric, zeta=str(a["zeta"]), pool="mean")
            x = torch.tensor(np.asarray(f["X"]), dtype=dt)[None]
            times = np.asarray(f["t"])
            per_output = steps / (len(times) - 1)
            if abs(per_output - round(per_output)) > 1e-12:
                raise SystemExit(f"--check-steps {steps} is not a multiple of the {len(times) - 1} output intervals")
            H2, trajectory = model.integrate(x, T, steps, "rk4", record_every=int(round(per_output)))
            loss = F.cross_entropy(model.logits(H2), torch.tensor([int(a["label"])]))
            loss.backward()
            ours = np.stack([s[0].numpy() for s in trajectory])
            bump = lambda key, value: worst.__setitem__(key, max(worst.get(key, 0.0), value))
            bump("H2 trajectory (abs)", float(np.max(np.abs(ours - np.asarray(f["H2"])))))
            bump("loss (abs)", abs(loss.item() - float(a["loss"])))
            for name, tensor in p.items():
                key = "V_sym" if name == "V" else name
                ref = np.asarray(f[f"dL_d{key}"])
                bump(f"dL_d{key} (rel)", float(np.max(np.abs(tensor.grad.numpy() - ref))  / np.max(np.abs(ref))))
        with torch.no_grad():  # H1 from the stored H2, and one Euler step with dt = tau
            W = torch.tensor(np.asarray(f["W"]), dtype=dt)
            H2s = torch.tensor(np.asarray(f["H2"]), dtype=dt)
            c = lambda name: p[name].detach().view(1, -1, 1, 1)
            G1 = torch.sigmoid(F.conv2d(H2s, p["U1"].detach(), p["b1"].detach()))
            H1 = torch.tanh(x - (c("alpha") * H2s + c("mu")) * F.conv2d(G1 * H2s, W, padding=1))
            worst["H1 (abs)"] = float(np.max(np.abs(H1.numpy() - np.asarray(f["H1"]))))
            g = f["discrete_step_check"]
            start = torch.tensor(np.asarray(g["H2_start"]), dtype=dt)[None]
            model = Hgru({k: v.detach() for k, v in p.items()}, True)
            step = start + float(a["tau"]) * model.rhs(x, model.kernel(), start)
            worst["Euler step (abs)"] = float(np.max(np.abs(step[0].numpy() - np.asarray(g["H2_euler"]))))
    print(f"{os.path.basename(path)}: RK4 {steps} steps, loss {loss.item():.15f} (reference {float(a['loss']):.15f})")
    for key, value in worst.items():
        print(f"  {key:24s} {value:.2e}")
    bad = {k: v for k, v in worst.items() if not v <= tolerance}
    print(f"reference check (tolerance {tolerance:.0e}): " + ("ok" if not bad else f"FAILED {sorted(bad)}"))
    return 1 if bad else 0


def load_problem(path, dtype):
    """Images, labels and the model from neurode_hgru_bench --export's file."""
    import h5py
    with h5py.File(path, "r") as f:
        a = f.attrs
        C, k, kf = int(a["channels"]), int(a["kernel"]), int(a["front_kernel"])
        symmetric, classes = bool(a["symmetric"]), int(a["classes"])
        images = np.asarray(f["images"])
        labels = torch.tensor(np.asarray(f["labels"]).astype(np.int64))
        values = np.asarray(f["parameters"])
        T, zeta, pool = float(a["T"]), str(a["zeta"]), str(a["pool"])
        gradients = {name: (float(f[name]["loss"][()]), np.asarray(f[name]["gradient"]), int(f[name].attrs["steps"]),
                            str(f[name].attrs["solver"])) for name in f if isinstance(f[name], h5py.Group)}
    features = C if pool != "none" else C * images.shape[2] * images.shape[3]
    shapes = parameter_shapes(C, k, kf, images.shape[1], symmetric) + [("A", (classes, features)), ("b", (classes,))]
    p, offset = {}, 0
    for name, shape in shapes:
        count = int(np.prod(shape)) if shape else 1
        p[name] = torch.tensor(values[offset:offset + count].reshape(shape), dtype=dtype, requires_grad=True)
        offset += count
    if offset != len(values):
        raise SystemExit(f"{path}: {len(values)} parameters, expected {offset}")
    model = Hgru(p, symmetric, zeta=zeta, pool=pool)
    return model, torch.tensor(images, dtype=dtype), labels, T, gradients


def flat_gradient(model):
    return np.concatenate([t.grad.detach().numpy().ravel() for t in model.p.values()])


def check_neurode(path, tolerance):
    """neurode's loss and gradient (float64) against PyTorch's on the same problem, each solver."""
    set_threads(1)
    failures = 0
    model, x, labels, T, gradients = load_problem(path, torch.float64)
    for name, (loss_ref, grad_ref, steps, solver) in sorted(gradients.items()):
        loss = loss_and_backward(model, x, labels, T, steps, solver)
        g = flat_gradient(model)
        rel = float(np.max(np.abs(g - grad_ref)) / np.max(np.abs(grad_ref)))
        # Within each array too, so that a small array's gradient (tau's, the biases') is checked on its own scale.
        per_array, offset = {}, 0
        for key, tensor in model.p.items():
            ref = grad_ref[offset:offset + tensor.numel()]
            per_array[key] = float(np.max(np.abs(g[offset:offset + tensor.numel()] - ref)) / max(np.max(np.abs(ref)),
                                                                                               1e-300))
            offset += tensor.numel()
        worst = max(per_array, key=per_array.get)
        loss_err = abs(loss.item() - loss_ref) / abs(loss_ref)
        ok = rel <= tolerance and loss_err <= tolerance and per_array[worst] <= 1e3 * tolerance
        failures += not ok
        print(f"  {name}: loss {loss.item():.15f} (neurode {loss_ref:.15f}), rel {loss_err:.1e}; gradient "
              f"({len(g)}) max|diff|/max|neurode| {rel:.2e}, worst array {worst} {per_array[worst]:.2e} "
              f"{'ok' if ok else 'FAILED'}")
    print(f"neurode check (tolerance {tolerance:.0e}): " + ("ok" if failures == 0 else f"{failures} FAILED"))
    return 1 if failures else 0


# --- benchmark -----------------------------------------------------------------------------------------------

def random_problem(batch, dtype, seed):
    """The benchmark problem's shapes with values drawn as neurode initialises them (docs/hgru.md)."""
    g = torch.Generator().manual_seed(seed)
    normal = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    C, k, kf, classes = 8, 7, 7, 10
    b1 = -torch.log(1.0 + 6.0 * torch.rand(C, generator=g, dtype=torch.float64))
    values = {"V": normal(C, C, k, k) / math.sqrt(C * k * k), "U1": normal(C, C, 1, 1) / math.sqrt(C),
              "U2": normal(C, C, 1, 1) / math.sqrt(C), "b1": b1, "b2": -b1, "alpha": torch.full((C,), 0.1),
              "mu": torch.ones(C), "gamma": torch.ones(C), "kappa": torch.full((C,), 0.5),
              "omega": torch.full((C,), 0.5), "tau": torch.tensor(1.0), "F": normal(C, 1, kf, kf) / kf,
              "f": torch.zeros(C), "A": normal(classes, C) / math.sqrt(C), "b": torch.zeros(classes)}
    p = {name: v.to(dtype).requires_grad_(True) for name, v in values.items()}
    x = normal(batch, 1, 32, 32).to(dtype)
    labels = torch.randint(0, classes, (batch,), generator=g)
    return Hgru(p, True), x, labels, 8.0


def time_case(model, x, labels, T, steps, solver, warmup, min_seconds, min_repeats):
    for _ in range(warmup):
        loss = loss_and_backward(model, x, labels, T, steps, solver)
    if not torch.isfinite(loss):
        raise RuntimeError(f"non-finite loss {loss.item()}")
    times = []
    start = time.perf_counter()
    while len(times) < min_repeats or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        loss_and_backward(model, x, labels, T, steps, solver)
        times.append(time.perf_counter() - t0)
    return times, loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--check", metavar="HGRU_H5", help="check against the reference hgru.h5 (float64) and exit")
    parser.add_argument("--check-steps", type=int, default=4000, help="RK4 steps over T for --check")
    parser.add_argument("--check-neurode", metavar="FILE", help="check neurode_hgru_bench --export's gradients")
    parser.add_argument("--tolerance", type=float, default=1e-10,
                        help="largest error --check (absolute, relative for gradients) and --check-neurode allow")
    parser.add_argument("--problem", help="neurode_hgru_bench --export's file: its images, labels, parameters")
    parser.add_argument("--solver", default="euler,rk4", help="comma list of euler, rk4")
    parser.add_argument("--steps", default="8", help="comma list; dt = T / steps")
    parser.add_argument("--batch", type=int, default=32, help="without --problem")
    parser.add_argument("--dtype", default="float32,float64")
    parser.add_argument("--threads", default="1,2", help="comma list of torch (and OpenBLAS) thread counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--min-repeats", type=int, default=5)
    parser.add_argument("--output", help="write the CSV here instead of stdout")
    args = parser.parse_args()
    torch.set_num_interop_threads(1)
    if args.check:
        set_threads(1)
        return check_reference(args.check, args.check_steps, args.tolerance)
    if args.check_neurode:
        return check_neurode(args.check_neurode, args.tolerance)

    split = lambda s: [v for v in s.split(",") if v]
    out = open(args.output, "w", newline="") if args.output else sys.stdout
    writer = csv.writer(out)
    writer.writerow(["solver", "steps", "batch", "dtype", "threads", "median_ms", "min_ms", "rhs_evaluations",
                     "repeats"])
    out.flush()
    for threads in [int(v) for v in split(args.threads)]:
        set_threads(threads)
        for dtype_name in split(args.dtype):
            dtype = getattr(torch, dtype_name)
            if args.problem:
                model, x, labels, T, _ = load_problem(args.problem, dtype)
            else:
                model, x, labels, T = random_problem(args.batch, dtype, args.seed)
            for solver in split(args.solver):
                for steps in [int(v) for v in split(args.steps)]:
                    times, loss = time_case(model, x, labels, T, steps, solver, args.warmup, args.min_seconds,
                                            args.min_repeats)
                    row = [solver, steps, x.shape[0], dtype_name, threads, f"{1e3 * statistics.median(times):.3f}",
                           f"{1e3 * min(times):.3f}", steps * (4 if solver == "rk4" else 1), len(times)]
                    writer.writerow(row)
                    out.flush()
                    print(f"hgru {solver:5s} steps {steps:3d} B {x.shape[0]:4d} {dtype_name:7s} threads {threads}: "
                          f"median {row[5]} ms, min {row[6]} ms ({len(times)} runs), loss {loss:.4f}",
                          file=sys.stderr, flush=True)
    if args.output:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
