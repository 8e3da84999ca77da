#!/usr/bin/env python3
"""The PyTorch way: the laminar column model integrated by fixed-step Euler or RK4 in float64 with
back-propagation through the steps (torch.autograd), as the prototype and most neural-ODE code do.

The WTA problem (dense W, drive, y0, outputs, loss, trainable entries) is read with h5py from
shared/reference/gradient_wta.h5; the XOR network (areas [mt 2, mt 1], 72 states) and neurode's
losses and gradients for the same method and dt come from `neurode_bench --export=FILE`, whose WTA
arrays must equal the reference file's. The script checks its gradient against neurode's to 1e-8
relative and prints seconds per forward+backward, per call and per sample.

Sample runs (bench/compare.sh does this):
  build-bench/bench/neurode_bench --export=/tmp/problems.h5
  /usr/bin/python3 bench/baselines/column_torch.py /tmp/problems.h5
  /usr/bin/python3 bench/baselines/column_torch.py /tmp/problems.h5 --cases wta_b16 --methods rk4 --json out.json

Model (shared/spec/column-model.md): state [V, a, r] per trial;
  f(x) = (g x - theta) / (1 - exp(c tanh(-d (g x - theta) / c))) with the exponent clamp c = 80,
  written with expm1 (1 - exp(s) = -expm1(s)) as a careful PyTorch user would; like the prototype,
  it is 0/0 exactly at g x = theta, which these problems never hit.
  dV/dt = -V / tau_m + (R tau_s / tau_m) (W_ff nu_ff + W_bg nu_bg + W_in u + W f)
  da/dt = (-a + kappa f) / tau_a,   dr/dt = (-r + f) / tau_s
Loss: sum over trials and observations k of w_k sum_p (r_p(t_k) - target)^2 (neurode's MSE).

Modes (--modes): `eager`, the step loop in Python; `script`, the same loop compiled by TorchScript
(torch.jit.script: the loop and the vector field run in TorchScript's interpreter, no Python per
operation), the strongest PyTorch form of fixed-step back-propagation on CPU here. Cases wta_b256
and wta_b1024 are the WTA batch at 256 and 1024 trials (trial b driven as trial b mod 16 of
wta_b16).
"""
import argparse
import json
import os
import resource
import sys
import time
from typing import List

import h5py
import numpy as np
import torch

torch.set_default_dtype(torch.float64)


# The spec's transfer-function constants (shared/spec/column-model.md); the reference files do not store them.
TRANSFER = dict(gain=48.0, threshold=981.0, noise_factor=0.0089, exponent_clamp=80.0)
DT = 1e-4


def export_arrays(group):
    """A case as neurode_bench --export wrote it."""
    arrays = {name: np.asarray(group[name]) for name in group if isinstance(group[name], h5py.Dataset)}
    return arrays, dict(group.attrs)


def wta_reference_arrays(path, trials):
    """The WTA case straight from shared/reference/gradient_wta.h5: dense W, drive, y0, outputs, loss
    (mean over the outputs of (r_0 - 5)^2 + (r_8 - 1)^2) and the 4 trainable entries. For a batch,
    trial b drives column A's L4e/L4i with 20 + b Hz and column B's with 35 - b Hz (as bench/problems.cpp)."""
    with h5py.File(path, "r") as f:
        rates = np.asarray(f["input_rates"], dtype=float)
        population_rates = np.repeat(rates[None], trials, axis=0)
        if trials > 1:
            for b in range(trials):
                population_rates[b, 1, [2, 3]] = 20.0 + b % 16
                population_rates[b, 1, [10, 11]] = 35.0 - b % 16
        times = np.asarray(f["t"])
        target_rates = np.asarray(f["loss_target_rates"])
        entries = np.asarray(f["grad_entries"]).astype(int)
        arrays = dict(W=np.asarray(f["W"]), W_ff=np.asarray(f["W_ff"]), W_bg=np.asarray(f["W_bg"]),
                      kappa=np.asarray(f["kappa"]), segment_times=np.asarray(f["input_times"]),
                      population_rates=population_rates, y0=np.repeat(np.asarray(f["y0"])[None], trials, axis=0),
                      times=times, observation_weights=np.full(len(times), 1.0 / len(times)),
                      loss_populations=np.asarray(f["loss_target_populations"]).astype(int),
                      targets=np.broadcast_to(target_rates, (trials, len(times), len(target_rates))).copy(),
                      parameter_matrix=np.zeros(len(entries), dtype=int), parameter_row=entries[:, 0],
                      parameter_column=entries[:, 1])
        attrs = {k: float(f.attrs[k]) for k in ("tau_s", "tau_m", "tau_a", "R", "nu_bg")}
    attrs.update(TRANSFER, dt=DT)
    return arrays, attrs


def same_problem(a, b):
    """Names of the arrays and attributes in which two descriptions of a case differ."""
    (arrays_a, attrs_a), (arrays_b, attrs_b) = a, b
    diff = [k for k in arrays_a if k in arrays_b and not np.array_equal(arrays_a[k], arrays_b[k])]
    diff += [k for k in arrays_a if k not in arrays_b]
    diff += [k for k in attrs_a if k in attrs_b and float(attrs_a[k]) != float(attrs_b[k])]
    return diff


@torch.jit.script
def scripted_rate(x, g: float, theta: float, d: float, c: float):
    z = g * x - theta
    return z / (-torch.expm1(c * torch.tanh(-d * z / c)))


@torch.jit.script
def scripted_rhs(y, drive, W, kappa, n: int, tau_m: float, tau_a: float, tau_s: float, gain_in: float,
                 g: float, theta: float, d: float, c: float):
    V, a, r = y[:, :n], y[:, n:2 * n], y[:, 2 * n:]
    f = scripted_rate(V - a, g, theta, d, c)
    dV = -V / tau_m + gain_in * (drive + f @ W.t())
    da = (-a + kappa * f) / tau_a
    dr = (-r + f) / tau_s
    return torch.cat([dV, da, dr], dim=1)


@torch.jit.script
def scripted_loss(y0, drives, step_segment: List[int], observation: List[int], weights: List[float], W, kappa,
                  loss_columns, targets, h: float, rk4: bool, n: int, tau_m: float, tau_a: float, tau_s: float,
                  gain_in: float, g: float, theta: float, d: float, c: float):
    """The whole forward pass and loss, compiled: observation[s] is the observation index at step s, or -1."""
    y = y0
    loss = torch.zeros((), dtype=y0.dtype)
    if observation[0] >= 0:
        k = observation[0]
        loss = loss + weights[k] * ((y[:, loss_columns] - targets[:, k, :]) ** 2).sum()
    for step in range(len(step_segment)):
        D = drives[:, step_segment[step], :]
        if rk4:
            k1 = scripted_rhs(y, D, W, kappa, n, tau_m, tau_a, tau_s, gain_in, g, theta, d, c)
            k2 = scripted_rhs(y + (0.5 * h) * k1, D, W, kappa, n, tau_m, tau_a, tau_s, gain_in, g, theta, d, c)
            k3 = scripted_rhs(y + (0.5 * h) * k2, D, W, kappa, n, tau_m, tau_a, tau_s, gain_in, g, theta, d, c)
            k4 = scripted_rhs(y + h * k3, D, W, kappa, n, tau_m, tau_a, tau_s, gain_in, g, theta, d, c)
            y = y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        else:
            y = y + h * scripted_rhs(y, D, W, kappa, n, tau_m, tau_a, tau_s, gain_in, g, theta, d, c)
        k = observation[step + 1]
        if k >= 0:
            loss = loss + weights[k] * ((y[:, loss_columns] - targets[:, k, :]) ** 2).sum()
    return loss


class ColumnProblem:
    """One case (e.g. wta_b16): tensors, step grid, observations."""

    def __init__(self, arrays, attr, reference=None):
        self.tau_s, self.tau_m, self.tau_a = attr["tau_s"], attr["tau_m"], attr["tau_a"]
        self.gain_in = attr["R"] * self.tau_s / self.tau_m
        self.g, self.theta, self.d, self.c = attr["gain"], attr["threshold"], attr["noise_factor"], attr["exponent_clamp"]
        self.dt = float(attr["dt"])
        t = lambda name: torch.tensor(np.asarray(arrays[name], dtype=float), dtype=torch.float64)
        self.W0 = t("W")
        self.W_in0 = t("W_in") if "W_in" in arrays else None
        self.W_ff, self.W_bg, self.kappa = t("W_ff"), t("W_bg"), t("kappa")
        self.nu_bg = attr["nu_bg"]
        self.population_rates = t("population_rates")  # B x S x N
        self.channel_values = t("channel_values") if "channel_values" in arrays else None  # B x S x C
        self.y0 = t("y0")  # B x 3N
        self.trials, self.n = self.y0.shape[0], self.W0.shape[0]
        times = np.asarray(arrays["times"])
        self.weights = np.asarray(arrays["observation_weights"])
        self.loss_pops = torch.tensor(np.asarray(arrays["loss_populations"]), dtype=torch.long)
        self.targets = t("targets")  # B x K x P
        self.param_matrix = np.asarray(arrays["parameter_matrix"])
        self.param_row = np.asarray(arrays["parameter_row"])
        self.param_col = np.asarray(arrays["parameter_column"])
        seg_times = np.asarray(arrays["segment_times"])
        # Fixed grid t_n = n dt; the forcing's jumps are grid points, as in neurode's integrator.
        self.steps = int(round((times[-1] - seg_times[0]) / self.dt))
        seg_steps = np.rint((seg_times - seg_times[0]) / self.dt).astype(int)
        self.step_segment = np.searchsorted(seg_steps, np.arange(self.steps), side="right") - 1
        obs_steps = np.rint((times - seg_times[0]) / self.dt).astype(int)
        assert np.allclose(obs_steps * self.dt + seg_times[0], times, rtol=0, atol=1e-12), "outputs off the grid"
        self.observation_at_step = {int(s): k for k, s in enumerate(obs_steps) if self.weights[k] != 0.0}
        self.reference = reference or {}

    def rate(self, x):
        z = self.g * x - self.theta
        return z / (-torch.expm1(self.c * torch.tanh(-self.d * z / self.c)))

    def rhs(self, y, drive, W):
        n = self.n
        V, a, r = y[:, :n], y[:, n:2 * n], y[:, 2 * n:]
        f = self.rate(V - a)
        dV = -V / self.tau_m + self.gain_in * (drive + f @ W.T)
        da = (-a + self.kappa * f) / self.tau_a
        dr = (-r + f) / self.tau_s
        return torch.cat([dV, da, dr], dim=1)

    def loss_and_gradient(self, method, mode="eager"):
        if mode == "script":
            return self.scripted_loss_and_gradient(method)
        W = self.W0.clone().requires_grad_(True)
        W_in = self.W_in0.clone().requires_grad_(True) if self.W_in0 is not None else None
        # Drive of every segment (B x S x N): W_ff nu_ff + W_bg nu_bg + W_in u.
        drives = self.W_ff * self.population_rates + self.W_bg * self.nu_bg
        if W_in is not None:
            drives = drives + self.channel_values @ W_in.T
        h = self.dt
        y = self.y0
        loss = self.observation_loss(0, y) if 0 in self.observation_at_step else 0.0
        for step in range(self.steps):
            D = drives[:, self.step_segment[step], :]
            if method == "euler":
                y = y + h * self.rhs(y, D, W)
            else:
                k1 = self.rhs(y, D, W)
                k2 = self.rhs(y + (0.5 * h) * k1, D, W)
                k3 = self.rhs(y + (0.5 * h) * k2, D, W)
                k4 = self.rhs(y + h * k3, D, W)
                y = y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            if step + 1 in self.observation_at_step:
                loss = loss + self.observation_loss(step + 1, y)
        loss.backward()
        grad = np.array([(W.grad if kind == 0 else W_in.grad)[row, col].item()
                         for kind, row, col in zip(self.param_matrix, self.param_row, self.param_col)])
        return loss.item(), grad

    def scripted_loss_and_gradient(self, method):
        W = self.W0.clone().requires_grad_(True)
        W_in = self.W_in0.clone().requires_grad_(True) if self.W_in0 is not None else None
        drives = self.W_ff * self.population_rates + self.W_bg * self.nu_bg
        if W_in is not None:
            drives = drives + self.channel_values @ W_in.T
        observation = [self.observation_at_step.get(s, -1) for s in range(self.steps + 1)]
        loss = scripted_loss(self.y0, drives, [int(x) for x in self.step_segment], observation,
                             [float(w) for w in self.weights], W, self.kappa, 2 * self.n + self.loss_pops,
                             self.targets, self.dt, method == "rk4", self.n, self.tau_m, self.tau_a, self.tau_s,
                             self.gain_in, self.g, self.theta, self.d, self.c)
        loss.backward()
        grad = np.array([(W.grad if kind == 0 else W_in.grad)[row, col].item()
                         for kind, row, col in zip(self.param_matrix, self.param_row, self.param_col)])
        return loss.item(), grad

    def observation_loss(self, step, y):
        k = self.observation_at_step[step]
        r = y[:, 2 * self.n + self.loss_pops]
        return self.weights[k] * ((r - self.targets[:, k, :]) ** 2).sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("problems", help="HDF5 file written by neurode_bench --export=FILE")
    parser.add_argument("--cases", default="wta_b1,wta_b16,xor_b1,xor_b16")
    parser.add_argument("--methods", default="euler,rk4")
    parser.add_argument("--modes", default="eager", help="eager, script (TorchScript) or both: eager,script")
    parser.add_argument("--repeat", type=int, default=0, help="timed runs per case (0: 3 for WTA, 2 for XOR)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (neurode runs on one core)")
    parser.add_argument("--tolerance", type=float, default=1e-8, help="gradient check, relative to neurode")
    parser.add_argument("--reference-dir", default=os.environ.get(
        "NEURODE_REFERENCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/reference")),
        help="directory of gradient_wta.h5 (default: $NEURODE_REFERENCE_DIR, else ../shared/reference beside the checkout)")
    parser.add_argument("--json", help="append one JSON record per (case, method) to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    failures = 0
    with h5py.File(args.problems, "r") as f:
        for case in args.cases.split(","):
            exported = export_arrays(f[case])
            reference = {m: (float(f[case][f"neurode_{m}/loss"][()]), np.asarray(f[case][f"neurode_{m}/gradient"]))
                         for m in ("euler", "rk4") if f"neurode_{m}" in f[case]}
            if case.startswith("wta"):
                # WTA comes from the reference file itself; neurode's export must describe the same problem.
                arrays = wta_reference_arrays(os.path.join(args.reference_dir, "gradient_wta.h5"),
                                              exported[0]["y0"].shape[0])
                differ = same_problem(arrays, exported)
                if differ:
                    print(f"{case}: neurode's export differs from gradient_wta.h5 in {differ}", file=sys.stderr)
                    failures += 1
            else:
                arrays = exported
            problem = ColumnProblem(*arrays, reference=reference)
            for method, mode in [(m, md) for md in args.modes.split(",") for m in args.methods.split(",")]:
                repeat = args.repeat or (3 if case.startswith("wta") else 2)
                if mode == "script":
                    problem.loss_and_gradient(method, mode)  # TorchScript compiles and optimises on the first runs
                times = []
                for _ in range(repeat):
                    start = time.process_time()
                    loss, grad = problem.loss_and_gradient(method, mode)
                    times.append(time.process_time() - start)
                ref_loss, ref_grad = problem.reference[method]
                loss_error = abs(loss - ref_loss) / abs(ref_loss)
                grad_error = np.max(np.abs(grad - ref_grad)) / np.max(np.abs(ref_grad))
                ok = grad_error <= args.tolerance and loss_error <= args.tolerance
                failures += not ok
                seconds = min(times)
                record = dict(case=case, method=method, mode=mode, trials=problem.trials, states=3 * problem.n * problem.trials,
                              steps=problem.steps, seconds=seconds, seconds_per_sample=seconds / problem.trials,
                              repeats=repeat, loss=loss, loss_rel_error=loss_error, gradient_rel_error=grad_error,
                              check="ok" if ok else "FAILED", threads=torch.get_num_threads(),
                              peak_rss_kB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
                print(f"{case:9s} {method:5s} {mode:6s} B={problem.trials:4d} {seconds:9.4f} s/call "
                      f"{seconds / problem.trials:9.4f} s/sample  grad rel err {grad_error:.2e} "
                      f"loss rel err {loss_error:.2e} {record['check']}", flush=True)
                if args.json:
                    with open(args.json, "a") as out:
                        out.write(json.dumps(record) + "\n")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
          + ("all gradients match neurode" if failures == 0 else f"{failures} GRADIENT CHECK(S) FAILED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
