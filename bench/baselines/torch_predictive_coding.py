#!/usr/bin/env python3
"""The PyTorch way for predictive coding: the model written as a PyTorch user would, integrated by fixed-step
Euler or RK4 with back-propagation through the steps (torch.autograd), PyTorch's own convolutions.

Model (shared/spec/vision-models.md "Predictive coding"; conventions shared/reference/vision/README.md):
levels l = 1..L, r_0 = x (held fixed), e_l = r_{l-1} - G_l(r_l),
  dr_l/dt = k1 G_l^T(e_l) + k2 (G_{l+1}(r_{l+1}) - r_l) - alpha P(r_l)   (l < L),
  dr_L/dt = k1 G_L^T(e_L) - alpha P(r_L),
P(r) = r (gaussian) or 2r/(1 + r^2) (sparse), r_l(0) = 0, integrated over [0, T];
logits = A f + b with f = r_L(T) flattened (readout pool none) or its mean over height and width (pool mean);
loss = mean over the batch of the cross-entropy. Dense: G_l(r) = r @ U_l^T, U_l [n_{l-1}, n_l], G_l^T(e) = e @ U_l.
Conv: G_l = conv_transpose2d(., K_l, s, p), G_l^T = conv2d(., K_l, s, p), K_l [C_l, C_{l-1}, kh, kw], NCHW.
Each evaluation of the vector field computes every G_l(r_l) once and uses it both in e_l and in level l-1's
top-down term, so it costs L transposed convolutions (or matmuls) and L convolutions.

Gradients are with respect to every K_l / U_l, A, b, k1, k2 and alpha.

Sample runs:
  /usr/bin/python3 bench/baselines/torch_predictive_coding.py --check-reference ../shared/reference/vision
  nice /usr/bin/python3 bench/baselines/torch_predictive_coding.py --output bench/baselines/torch_predictive_coding.csv
  /usr/bin/python3 bench/baselines/torch_predictive_coding.py --model conv --solver rk4 --steps 20 --batch 128 \
      --dtype float32 --threads 1

Benchmark networks (inputs N(0, 1), labels uniform over 10 classes, both from --seed):
  conv:  1x28x28 -> 16x14x14 (K1 [16,1,4,4], s 2, p 1) -> 32x7x7 (K2 [32,16,4,4], s 2, p 1), read-out 1568 -> 10
  dense: 784 -> 128 -> 32, read-out 32 -> 10
  gaussian prior, k1 = 0.5, k2 = 0.3, alpha = 0.05, T = 10. Weights as neurode initialises them
  (src/models/predictive_coding/pc_config.cpp, image_classification_task.cpp): K_l / U_l entries
  N(0, 1) x weight_scale / sqrt(fan-in of G_l^T) (C_{l-1} kh kw, or n_{l-1}), weight_scale 0.5 (at 1 the conv
  network's Jacobian reaches |lambda| 6.3, too stiff for Euler at dt 1 and 0.5 and RK4 at dt 1; at 0.5, 1.9);
  A ~ N(0, 1) / sqrt(features), b = 0. Fixed-step timings do not depend on these values.
One timed call = zero the gradients (set to None), integrate, loss, loss.backward(); wall-clock
(time.perf_counter), after --warmup calls, repeated until at least --min-seconds and --min-repeats.
CSV columns: model, solver, steps, batch, dtype, threads, median_ms, min_ms, rhs_evaluations (plus repeats).

Threads: torch.set_num_threads(n) and set_num_interop_threads(1). Debian's torch does its matmuls and its
float64 (im2col) convolutions in OpenBLAS (pthread build), whose thread count torch.set_num_threads does not
change; this script sets it too (openblas_set_num_threads), else "1 thread" would use every core in BLAS.
torch 1.13 has no torch.compile; --jit compiles the vector field with torch.jit.script.
"""
import argparse
import csv
import ctypes
import itertools
import json
import math
import os
import statistics
import sys
import time
from typing import List

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


class ConvTransposeViaConvBackward(torch.autograd.Function):
    """conv_transpose2d(r, K, s, p) computed as what it is, the input gradient of conv2d(., K, s, p), with
    aten.convolution_backward (oneDNN for float32; torch 1.13's F.conv_transpose2d runs the slow native kernel
    on CPU, whose weight gradient loops over the batch). Backward: dr = conv2d(g, K, s, p) and dK = the weight
    gradient of conv2d(g, ., s, p) at output gradient r. `--conv-transpose conv-backward` selects it."""

    @staticmethod
    def forward(ctx, r, K, stride, padding, output_shape):
        ctx.save_for_backward(r, K)
        ctx.stride, ctx.padding = stride, padding
        like = r.new_empty(1).expand(output_shape)  # convolution_backward reads only the shape of `input`
        return torch.ops.aten.convolution_backward(r, like, K, None, [stride] * 2, [padding] * 2, [1, 1], False,
                                                   [0, 0], 1, (True, False, False))[0]

    @staticmethod
    def backward(ctx, g):
        r, K = ctx.saved_tensors
        s, p = ctx.stride, ctx.padding
        dr = F.conv2d(g, K, stride=s, padding=p) if ctx.needs_input_grad[0] else None
        dK = None
        if ctx.needs_input_grad[1]:
            dK = torch.ops.aten.convolution_backward(r, g, K, None, [s] * 2, [p] * 2, [1, 1], False, [0, 0], 1,
                                                     (False, True, False))[1]
        return dr, dK, None, None, None


# --- the model -----------------------------------------------------------------------------------------------

class PredictiveCoding:
    """Predictive coding with L levels. `weights` are U_l (dense) or K_l (conv) as leaf tensors."""

    def __init__(self, variant, weights, A, b, k1, k2, alpha, prior="gaussian", stride=1, padding=0,
                 pool="none", conv_transpose="native"):
        self.conv_transpose = conv_transpose
        self.variant, self.weights, self.A, self.b = variant, list(weights), A, b
        self.k1, self.k2, self.alpha = k1, k2, alpha
        self.prior, self.stride, self.padding, self.pool = prior, stride, padding, pool

    def parameters(self):
        return self.weights + [self.A, self.b, self.k1, self.k2, self.alpha]

    def G(self, l, r):
        W = self.weights[l]
        if self.variant == "dense":
            return F.linear(r, W)  # r @ U^T
        if self.conv_transpose == "conv-backward":
            H, Wd = r.shape[2:]
            shape = (r.shape[0], W.shape[1], (H - 1) * self.stride - 2 * self.padding + W.shape[2],
                     (Wd - 1) * self.stride - 2 * self.padding + W.shape[3])
            return ConvTransposeViaConvBackward.apply(r, W, self.stride, self.padding, shape)
        return F.conv_transpose2d(r, W, stride=self.stride, padding=self.padding)

    def GT(self, l, e):
        W = self.weights[l]
        if self.variant == "dense":
            return e @ W
        return F.conv2d(e, W, stride=self.stride, padding=self.padding)

    def P(self, r):
        return r if self.prior == "gaussian" else 2.0 * r / (1.0 + r * r)

    def rhs(self, x, rs):
        """The vector field at states rs = [r_1, ..., r_L] (each batch-first)."""
        L = len(rs)
        predictions = [self.G(l, rs[l]) for l in range(L)]  # G_l(r_l), a prediction of level l-1
        below = [x] + rs[:-1]
        errors = [below[l] - predictions[l] for l in range(L)]
        out = []
        for l in range(L):
            d = self.k1 * self.GT(l, errors[l]) - self.alpha * self.P(rs[l])
            if l + 1 < L:
                d = d + self.k2 * (predictions[l + 1] - rs[l])
            out.append(d)
        return out

    def initial_states(self, x):
        """r_l(0) = 0 with the shapes the maps give (level l has the input shape of G_l^T's output)."""
        states, r = [], x
        with torch.no_grad():
            for l in range(len(self.weights)):
                r = self.GT(l, r)
                states.append(torch.zeros_like(r))
        return states

    def integrate(self, x, T, steps, solver, record_every=None):
        h = T / steps
        rs = self.initial_states(x)
        trajectory = [[r.detach().clone() for r in rs]] if record_every else None
        for n in range(steps):
            if solver == "euler":
                ks = self.rhs(x, rs)
                rs = [r + h * k for r, k in zip(rs, ks)]
            else:
                a = self.rhs(x, rs)
                b = self.rhs(x, [r + (0.5 * h) * k for r, k in zip(rs, a)])
                c = self.rhs(x, [r + (0.5 * h) * k for r, k in zip(rs, b)])
                d = self.rhs(x, [r + h * k for r, k in zip(rs, c)])
                rs = [r + (h / 6.0) * (ka + 2.0 * kb + 2.0 * kc + kd) for r, ka, kb, kc, kd in zip(rs, a, b, c, d)]
            if record_every and (n + 1) % record_every == 0:
                trajectory.append([r.detach().clone() for r in rs])
        return rs, trajectory

    def logits(self, top):
        f = top.mean(dim=(2, 3)) if self.pool == "mean" else top.flatten(1)
        return F.linear(f, self.A, self.b)


# TorchScript versions of the vector field (--jit), compiled on first use; gaussian prior, weights as a list.
def _rhs_conv_gaussian(x: torch.Tensor, rs: List[torch.Tensor], Ks: List[torch.Tensor], k1: torch.Tensor,
                       k2: torch.Tensor, alpha: torch.Tensor, stride: int, padding: int) -> List[torch.Tensor]:
    L = len(rs)
    predictions = [F.conv_transpose2d(rs[l], Ks[l], stride=stride, padding=padding) for l in range(L)]
    out: List[torch.Tensor] = []
    for l in range(L):
        below = x if l == 0 else rs[l - 1]
        d = k1 * F.conv2d(below - predictions[l], Ks[l], stride=stride, padding=padding) - alpha * rs[l]
        if l + 1 < L:
            d = d + k2 * (predictions[l + 1] - rs[l])
        out.append(d)
    return out


def _rhs_dense_gaussian(x: torch.Tensor, rs: List[torch.Tensor], Us: List[torch.Tensor], k1: torch.Tensor,
                        k2: torch.Tensor, alpha: torch.Tensor, stride: int, padding: int) -> List[torch.Tensor]:
    L = len(rs)
    predictions = [F.linear(rs[l], Us[l]) for l in range(L)]
    out: List[torch.Tensor] = []
    for l in range(L):
        below = x if l == 0 else rs[l - 1]
        d = k1 * ((below - predictions[l]) @ Us[l]) - alpha * rs[l]
        if l + 1 < L:
            d = d + k2 * (predictions[l + 1] - rs[l])
        out.append(d)
    return out


_SCRIPTED = {}


def _scripted(function):
    if function not in _SCRIPTED:
        _SCRIPTED[function] = torch.jit.script(function)
    return _SCRIPTED[function]


class ScriptedPredictiveCoding(PredictiveCoding):
    """The same model with the vector field compiled by torch.jit.script (gaussian prior only)."""

    def rhs(self, x, rs):
        assert self.prior == "gaussian" and self.conv_transpose in ("native", "-")
        f = _scripted(_rhs_conv_gaussian if self.variant == "conv" else _rhs_dense_gaussian)
        return f(x, rs, self.weights, self.k1, self.k2, self.alpha, self.stride, self.padding)


def zero_grads(parameters):
    for p in parameters:
        p.grad = None


def loss_and_backward(model, x, labels, T, steps, solver):
    zero_grads(model.parameters())
    rs, _ = model.integrate(x, T, steps, solver)
    loss = F.cross_entropy(model.logits(rs[-1]), labels)
    loss.backward()
    return loss


# --- reference check -----------------------------------------------------------------------------------------

def check_reference(directory, solver, steps, tol_loss, tol_grad, tol_trajectory):
    import h5py
    failures = 0
    dt = torch.float64
    for name, conv_transpose in (("pc_dense.h5", "-"), ("pc_conv.h5", "native"), ("pc_conv.h5", "conv-backward")):
        with h5py.File(os.path.join(directory, name), "r") as f:
            a = f.attrs
            variant = str(a["variant"])
            t = lambda key: torch.tensor(np.asarray(f[key]), dtype=dt)
            leaf = lambda key: t(key).requires_grad_(True)
            prefix = "U" if variant == "dense" else "K"
            names = list(itertools.takewhile(lambda n: n in f, (f"{prefix}{l}" for l in itertools.count(1))))
            weights = [leaf(n) for n in names]
            scalar = lambda key: torch.tensor(float(a[key]), dtype=dt, requires_grad=True)
            model = PredictiveCoding(variant, weights, leaf("A"), leaf("b"), scalar("k1"), scalar("k2"),
                                     scalar("alpha"), prior=str(a["prior"]),
                                     stride=int(a.get("stride", 1)), padding=int(a.get("padding", 0)),
                                     pool="none" if variant == "dense" else "mean", conv_transpose=conv_transpose)
            x = t("x")[None]  # add the batch axis
            T = float(a["T"])
            times = np.asarray(f["t"])
            per_output = steps / (len(times) - 1)
            record = int(round(per_output)) if abs(per_output - round(per_output)) < 1e-12 else None
            label = torch.tensor([int(a["label"])])
            rs, trajectory = model.integrate(x, T, steps, solver, record_every=record)
            logits = model.logits(rs[-1])
            loss = F.cross_entropy(logits, label)
            loss.backward()
            ref_loss = float(a["loss"])
            errors = {"loss": abs(loss.item() - ref_loss)}
            ok = errors["loss"] <= tol_loss
            if trajectory is not None:
                traj_err = 0.0
                for l in range(len(rs)):
                    ours = np.stack([s[l][0].numpy() for s in trajectory])
                    traj_err = max(traj_err, float(np.max(np.abs(ours - np.asarray(f[f"r{l + 1}"])))))
                errors["trajectory"] = traj_err
                ok &= traj_err <= tol_trajectory
            grads = dict(zip(names, [w.grad for w in weights]))
            grads.update(A=model.A.grad, b=model.b.grad, k1=model.k1.grad, k2=model.k2.grad,
                         alpha=model.alpha.grad)
            for key, g in grads.items():
                ref = np.asarray(f[f"dL_d{key}"])
                rel = float(np.max(np.abs(g.numpy() - ref)) / np.max(np.abs(ref)))
                errors[f"dL_d{key}"] = rel
                ok &= rel <= tol_grad
            failures += not ok
            what = "" if variant == "dense" else f" (conv_transpose {conv_transpose})"
            print(f"{name}{what}: {solver} {steps} steps, loss {loss.item():.15f} (reference {ref_loss:.15f})")
            print("  " + ", ".join(f"{k} {v:.2e}" for k, v in errors.items())
                  + f"  [loss/trajectory absolute, gradients max|diff|/max|ref|] {'ok' if ok else 'FAILED'}")
    print("reference check: " + ("ok" if failures == 0 else f"{failures} FAILED"))
    return 1 if failures else 0


# --- benchmark -----------------------------------------------------------------------------------------------

NETWORKS = {
    # input shape (no batch axis), weight shapes, readout features
    "conv": dict(input=(1, 28, 28), weights=[(16, 1, 4, 4), (32, 16, 4, 4)], stride=2, padding=1, pool="none"),
    "dense": dict(input=(784,), weights=[(784, 128), (128, 32)], stride=1, padding=0, pool="none"),
}
CLASSES = 10


def build(network, batch, dtype, seed, weight_scale, jit, conv_transpose="native"):
    spec = NETWORKS[network]
    g = torch.Generator().manual_seed(seed)
    normal = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    weights = []
    for shape in spec["weights"]:
        fan_in = shape[1] * shape[2] * shape[3] if network == "conv" else shape[0]
        weights.append((weight_scale / math.sqrt(fan_in)) * normal(*shape))
    x = normal(batch, *spec["input"])
    labels = torch.randint(0, CLASSES, (batch,), generator=g)
    cls = ScriptedPredictiveCoding if jit else PredictiveCoding
    model = cls(network, [w.to(dtype).requires_grad_(True) for w in weights], None, None,
                *[torch.tensor(v, dtype=dtype, requires_grad=True) for v in (0.5, 0.3, 0.05)],
                prior="gaussian", stride=spec["stride"], padding=spec["padding"], pool=spec["pool"],
                conv_transpose=conv_transpose if network == "conv" else "-")
    features = model.initial_states(x.to(dtype))[-1][0].numel()
    model.A = ((1.0 / math.sqrt(features)) * normal(CLASSES, features)).to(dtype).requires_grad_(True)
    model.b = torch.zeros(CLASSES, dtype=dtype, requires_grad=True)
    return model, x.to(dtype).contiguous(), labels


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
    parser.add_argument("--check-reference", metavar="DIR",
                        help="check against DIR/pc_dense.h5 and DIR/pc_conv.h5 (float64) and exit")
    parser.add_argument("--check-solver", default="rk4", choices=["euler", "rk4"])
    parser.add_argument("--check-steps", type=int, default=2000)
    parser.add_argument("--model", default="conv,dense", help="comma list of conv, dense")
    parser.add_argument("--solver", default="euler,rk4", help="comma list of euler, rk4")
    parser.add_argument("--steps", default="10,20", help="comma list; dt = T / steps")
    parser.add_argument("--batch", default="32,128")
    parser.add_argument("--dtype", default="float32,float64")
    parser.add_argument("--threads", default="1,2", help="comma list of torch (and OpenBLAS) thread counts")
    parser.add_argument("--T", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--weight-scale", type=float, default=0.5,
                        help="K_l, U_l ~ N(0, 1) x weight_scale / sqrt(fan-in); 1 makes the conv network too stiff "
                             "for Euler at dt 1 and 0.5 and for RK4 at dt 1")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--min-repeats", type=int, default=5)
    parser.add_argument("--conv-transpose", default="native",
                        help="comma list: native (F.conv_transpose2d), conv-backward (ConvTransposeViaConvBackward)")
    parser.add_argument("--jit", action="store_true", help="torch.jit.script the vector field")
    parser.add_argument("--output", help="write the CSV here instead of stdout")
    parser.add_argument("--json", help="also append one JSON record per configuration to this file")
    args = parser.parse_args()
    torch.set_num_interop_threads(1)

    if args.check_reference:
        torch.set_num_threads(1)
        return check_reference(args.check_reference, args.check_solver, args.check_steps,
                               tol_loss=1e-8, tol_grad=1e-6, tol_trajectory=1e-7)

    split = lambda s: [v for v in s.split(",") if v]
    out = open(args.output, "w", newline="") if args.output else sys.stdout
    columns = ["model", "solver", "steps", "batch", "dtype", "threads", "median_ms", "min_ms",
               "rhs_evaluations", "repeats", "conv_transpose"]
    writer = csv.writer(out)
    writer.writerow(columns)
    out.flush()
    grid = itertools.product([int(v) for v in split(args.threads)], split(args.model), split(args.conv_transpose),
                             split(args.dtype), [int(v) for v in split(args.batch)], split(args.solver),
                             [int(v) for v in split(args.steps)])
    seen = set()
    for threads, network, conv_transpose, dtype_name, batch, solver, steps in grid:
        conv_transpose = conv_transpose if network == "conv" else "-"
        key = (threads, network, conv_transpose, dtype_name, batch, solver, steps)
        if key in seen:  # the dense model has no transposed convolution
            continue
        seen.add(key)
        set_threads(threads)
        model, x, labels = build(network, batch, getattr(torch, dtype_name), args.seed, args.weight_scale, args.jit,
                                 conv_transpose)
        times, loss = time_case(model, x, labels, args.T, steps, solver, args.warmup, args.min_seconds,
                                args.min_repeats)
        evaluations = steps * (4 if solver == "rk4" else 1)
        row = [network, solver, steps, batch, dtype_name, threads, f"{1e3 * statistics.median(times):.3f}",
               f"{1e3 * min(times):.3f}", evaluations, len(times), conv_transpose]
        writer.writerow(row)
        out.flush()
        print(f"{network:5s} {conv_transpose:13s} {solver:5s} steps {steps:3d} B {batch:4d} {dtype_name:7s} "
              f"threads {threads}: "
              f"median {row[6]} ms, min {row[7]} ms ({len(times)} runs), loss {loss:.4f}",
              file=sys.stderr, flush=True)
        if args.json:
            record = dict(zip(columns, row), median_ms=1e3 * statistics.median(times), min_ms=1e3 * min(times))
            with open(args.json, "a") as js:
                js.write(json.dumps(dict(record, loss=loss, jit=args.jit, torch=torch.__version__)) + "\n")
    if args.output:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
