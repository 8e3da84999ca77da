#!/usr/bin/env python3
"""Builds bench/RESULTS.md from the files bench/compare.sh leaves in its work directory:
bench_index.tsv (benchmark name, Google Benchmark JSON, /usr/bin/time -v output), torch.jsonl and
rss_torch_<case>.txt (PyTorch baseline), check.txt (neurode_bench --check)."""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess

UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def peak_rss_MB(path):
    try:
        with open(path) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
        return int(m.group(1)) / 1024.0 if m else float("nan")
    except OSError:
        return float("nan")


def load_benchmarks(work):
    results, context = {}, {}
    with open(os.path.join(work, "bench_index.tsv")) as index:
        for line in index:
            name, json_path, rss_path = line.rstrip("\n").split("\t")
            with open(json_path) as f:
                data = json.load(f)
            context = data.get("context", context)
            runs = data["benchmarks"]
            fastest = [r for r in runs if r.get("aggregate_name") == "min"]
            run = (fastest or [r for r in runs if r.get("run_type") == "iteration"] or runs)[0]
            if run.get("error_occurred"):
                results[name] = dict(error=run.get("error_message", "error"))
                continue
            run = dict(run)
            run["cpu_s"] = run["cpu_time"] * UNIT[run["time_unit"]]
            run["rss_MB"] = peak_rss_MB(rss_path)
            previous = results.get(name)
            if previous and "cpu_s" in previous:  # a second pass: the faster time, the larger peak RSS
                rss_MB = max(run["rss_MB"], previous["rss_MB"])
                if previous["cpu_s"] <= run["cpu_s"]:
                    run = previous
                run["rss_MB"] = rss_MB
            results[name] = run
    return results, context


def fmt(x, digits=3):
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    if isinstance(x, str):
        return x
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e7):
        return str(int(x))
    if 1000 <= abs(x) < 1e7:
        return f"{x:.0f}"
    return f"{x:.{digits}g}"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        petsc = subprocess.run(["pkg-config", "--modversion", "PETSc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        petsc = "?"
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    git = lambda *a: subprocess.run(["git", "-C", root, *a], capture_output=True, text=True).stdout.strip()
    commit = git("log", "-1", "--format=%h %s") or "unknown"
    if git("status", "--porcelain", "--", "src", "apps", "CMakeLists.txt", "cmake"):
        commit += " (with uncommitted changes under src/, apps/ or cmake/)"
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return dict(nproc=os.cpu_count(), cpu=cpu, date=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                kernel=platform.release(), petsc=petsc, torch=torch_version, load=load, commit=commit)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    b, context = load_benchmarks(args.work)
    torch_runs = []
    torch_path = os.path.join(args.work, "torch.jsonl")
    if os.path.exists(torch_path):
        with open(torch_path) as f:
            torch_runs = [json.loads(line) for line in f if line.strip()]
    m = machine()
    cpu = lambda name: b.get(name, {}).get("cpu_s")
    counter = lambda name, key: b.get(name, {}).get(key)
    rss = lambda name: b.get(name, {}).get("rss_MB")
    per = lambda t, n: t / n if t is not None and n else None
    ratio = lambda x, y: x / y if x is not None and y else None
    md = ["# neurode benchmark results", "",
          "Written by `bench/compare.sh` (do not edit by hand; rerun it), except the sections marked \"run separately\", which their own scripts print and compare.sh keeps. Times are CPU seconds of one core "
          "(Google Benchmark: the fastest of 5 repetitions of >= 0.5 s each, and of four passes for the benchmarks "
          "compared with the floor, two for those compared with PyTorch; PyTorch: the fastest of 3 runs for WTA, "
          "2 for XOR, 1 torch thread; other processes on a shared machine only ever add time). Ratios are within this one run. Peak RSS is that of the whole process running one "
          "benchmark (/usr/bin/time -v), baseline included.", "",
          "## Machine", "",
          f"- date: {m['date']}; neurode commit {m['commit']}", f"- nproc: {m['nproc']}; CPU: {m['cpu']}", f"- kernel {m['kernel']}; PETSc {m['petsc']}; "
          f"torch {m['torch']}; Google Benchmark library {context.get('library_build_type', '?')} build",
          f"- load average at the end of the run: {m['load']} (at the start of the neurode benchmarks: "
          f"{', '.join(fmt(x) for x in context.get('load_avg', []))})",
          f"- baseline peak RSS: neurode_bench doing nothing (PETSc + MPI initialised) "
          f"{fmt(peak_rss_MB(os.path.join(args.work, 'rss_baseline_neurode.txt')))} MB; python3 importing torch, "
          f"h5py, numpy {fmt(peak_rss_MB(os.path.join(args.work, 'rss_baseline_torch.txt')))} MB", ""]

    # neurode vs the floor.
    md += ["## neurode / floor (WTA trial, 48 states, 0.15 s, gradient_wta.h5 loss)", "",
           "The floor (bench/floor/) is a hand-written RK4 / Dormand-Prince 5(4) with a hand-written discrete "
           "adjoint: no PETSc, no allocation in the loop, each stage's f and f' kept from the forward pass. "
           "Its gradient equals neurode's discrete adjoint (see Checks).", ""]
    rows = []
    pairs = [("RK4 dt 1e-4, forward", "BM_Forward/rk4", "BM_Floor_rk4/forward", None),
             ("RK4 dt 1e-4, forward + gradient", "BM_Gradient/wta_discrete_rk4", "BM_Floor_rk4/gradient", None),
             ("DP5 adaptive 1e-6, forward (outputs every 0.1 ms)", "BM_Forward/dopri5", "BM_Floor_dp5/forward", None),
             ("DP5 adaptive 1e-6, forward (outputs every 10 ms)", "BM_Forward/dopri5_outputs_10ms",
              "BM_Floor_dp5/forward_outputs_10ms", None),
             ("DP5 adaptive 1e-6, forward + gradient", "BM_Gradient/wta_discrete_dopri5", "BM_Floor_dp5/gradient", None)]
    for label, ours, floor, _ in pairs:
        ns, fs = counter(ours, "steps"), counter(floor, "steps")
        t_ours, t_floor = cpu(ours), cpu(floor)
        rows.append([label, t_ours and t_ours * 1e3, ns, per(t_ours, ns) and per(t_ours, ns) * 1e6,
                     t_floor and t_floor * 1e3, fs, per(t_floor, fs) and per(t_floor, fs) * 1e6,
                     ratio(per(t_ours, ns), per(t_floor, fs)), rss(ours), rss(floor)])
    # Backward pass alone = (forward + gradient) - forward.
    g_ours, f_ours = cpu("BM_Gradient/wta_discrete_rk4"), cpu("BM_Forward/rk4")
    g_floor, f_floor = cpu("BM_Floor_rk4/gradient"), cpu("BM_Floor_rk4/forward")
    if None not in (g_ours, f_ours, g_floor, f_floor):
        rows.append(["RK4 dt 1e-4, backward pass alone (difference)", (g_ours - f_ours) * 1e3, 1500,
                     (g_ours - f_ours) / 1500 * 1e6, (g_floor - f_floor) * 1e3, 1500, (g_floor - f_floor) / 1500 * 1e6,
                     ratio(g_ours - f_ours, g_floor - f_floor), None, None])
    md += [table(["problem", "neurode ms", "steps", "us/step", "floor ms", "steps", "us/step",
                  "neurode / floor (per step)", "neurode peak RSS MB", "floor peak RSS MB"], rows), ""]

    # Instruction counts (callgrind), when compare.sh could run valgrind.
    cg_path = os.path.join(args.work, "callgrind.tsv")
    if os.path.exists(cg_path):
        counts = {}
        with open(cg_path) as f:
            for line in f:
                name, _, value = line.rstrip("\n").partition("\t")
                counts[name] = int(value.replace(",", "")) if value.strip() else None
        md += ["Instruction counts of one call (callgrind, after a warm-up call; independent of the machine's load):", ""]
        rows = []
        for label, case in [("RK4 dt 1e-4, forward", "rk4_forward"), ("RK4 dt 1e-4, forward + gradient", "rk4_gradient"),
                            ("DP5 adaptive 1e-6, forward (outputs every 0.1 ms)", "dp5_forward"),
                            ("DP5 adaptive 1e-6, forward (outputs every 10 ms)", "dp5_forward_10ms"),
                            ("DP5 adaptive 1e-6, forward + gradient", "dp5_gradient")]:
            ours, floor = counts.get("neurode_" + case), counts.get("floor_" + case)
            rows.append([label, ours and ours / 1e6, floor and floor / 1e6, ratio(ours, floor)])
        g = [counts.get(k) for k in ("neurode_rk4_gradient", "neurode_rk4_forward", "floor_rk4_gradient", "floor_rk4_forward")]
        if None not in g:
            rows.append(["RK4 dt 1e-4, backward pass alone (difference)", (g[0] - g[1]) / 1e6, (g[2] - g[3]) / 1e6,
                         ratio(g[0] - g[1], g[2] - g[3])])
        md += [table(["problem", "neurode M instructions", "floor M instructions", "neurode / floor"], rows), ""]
        # The batch PyTorch is compared with (the floor has no batch): instructions per sample.
        b16 = [(label, counts.get(case)) for label, case in
               [("WTA batch 16, RK4 dt 1e-4, forward + gradient", "neurode_wta_b16_rk4_gradient"),
                ("WTA batch 16, Euler dt 1e-4, forward + gradient", "neurode_wta_b16_euler_gradient"),
                ("XOR batch 16, Euler dt 1e-4, forward + gradient", "neurode_xor_b16_euler_gradient")]]
        if any(c is not None for _, c in b16):
            md += [table(["problem (neurode)", "M instructions per call", "M instructions per sample"],
                         [[label, c and c / 1e6, c and c / 16e6] for label, c in b16]), ""]
        for case in ("neurode_rk4_gradient", "neurode_dp5_forward", "floor_rk4_gradient"):
            path = os.path.join(args.work, f"hotspots_{case}.txt")
            if os.path.exists(path):
                with open(path) as f:
                    md += [f"Hot spots of {case} (callgrind, self instructions):", "", "```", f.read().rstrip(), "```", ""]

    # PyTorch vs neurode.
    md += ["## PyTorch / neurode (forward + backward per sample, dt = 1e-4, float64)", "",
           "PyTorch: bench/baselines/column_torch.py, back-propagation through fixed Euler or RK4 steps, dense W, "
           "batch as a leading tensor dimension. neurode: backprop-euler (= discrete adjoint of Euler) and discrete "
           "rk4, the batch as one block system. XOR: areas [mt 2, mt 1], 72 states per trial, 1 s (10000 steps), "
           "loss on the output column's r at 1 s, gradient w.r.t. the 16 feed-forward and 8 input weights.", ""]
    method_name = {"euler": "backprop_euler", "rk4": "discrete_rk4"}
    rows = []
    for r in torch_runs:
        case, method, B = r["case"], r["method"], r["trials"]
        prefix = case.replace("_b1", "") if case.endswith("_b1") else case
        ours = f"BM_Gradient/{prefix}_{method_name[method]}"
        t_ours = cpu(ours)
        rss_torch = peak_rss_MB(os.path.join(args.work, f"rss_torch_{case}.txt"))
        rows.append([case, method, B, r["states"], r["steps"], per(t_ours, B), r["seconds_per_sample"],
                     ratio(r["seconds_per_sample"], per(t_ours, B)), r["gradient_rel_error"], r["check"],
                     rss(ours), rss_torch])
    md += [table(["case", "method", "batch", "states", "steps", "neurode s/sample", "PyTorch s/sample",
                  "PyTorch / neurode", "PyTorch grad rel. err. vs neurode", "check", "neurode peak RSS MB",
                  "PyTorch peak RSS MB (all its runs of the case)"], rows), ""]

    # Forward solves per solver.
    md += ["## Forward solve per solver (WTA trial, outputs every 0.1 ms)", ""]
    rows = []
    for name in [n for n in b if n.startswith("BM_Forward/")]:
        r = b[name]
        if "error" in r:
            rows.append([name, r["error"]] + [None] * 7)
            continue
        steps, evals = r.get("steps"), r.get("rhs_evals")
        rows.append([name.split("/", 1)[1], r.get("label", ""), r["cpu_s"] * 1e3, steps, r.get("rejected"), evals,
                     r.get("jacobians"), per(r["cpu_s"], steps) and per(r["cpu_s"], steps) * 1e6, r["rss_MB"]])
    md += [table(["solver", "method", "ms", "steps", "rejected", "rhs evals", "Jacobians", "us/step",
                  "peak RSS MB"], rows), ""]

    # Forward + gradient per (solver, gradient method).
    md += ["## Forward + gradient per (solver, gradient method)", "",
           "forward / backward s: wall time of the last iteration's two passes as neurode reports them.", ""]
    rows = []
    for name in [n for n in b if n.startswith("BM_Gradient/")]:
        r = b[name]
        if "error" in r:
            rows.append([name, r["error"]] + [None] * 9)
            continue
        rows.append([name.split("/", 1)[1], r.get("trials"), r.get("states"), r["cpu_s"] * 1e3,
                     r.get("forward_s") and r["forward_s"] * 1e3, r.get("backward_s") and r["backward_s"] * 1e3,
                     r.get("steps"), r.get("backward_rhs"), r.get("backward_jtv"),
                     r.get("trajectory_bytes") and r["trajectory_bytes"] / 2**20, r["rss_MB"]])
    md += [table(["case", "trials", "states", "ms", "forward ms", "backward ms", "steps", "backward rhs",
                  "backward J^T v", "trajectory MB", "peak RSS MB"], rows), ""]

    # One training iteration per task and batch (bench/training_bench.cpp).
    md += ["## One training iteration (inputs/train_*.yaml as configured, one rank)", "",
           "The batch's mean loss and gradient, then the optimiser's update, from the task's initial "
           "weights; the batch is one block system (XOR cycles its 4 patterns to fill 16).", ""]
    rows = []
    for name in [n for n in b if n.startswith("BM_TrainingStep/")]:
        r = b[name]
        if "error" in r:
            rows.append([name, r["error"]] + [None] * 5)
            continue
        batch = r.get("batch")
        rows.append([name.split("/", 1)[1], r.get("label", ""), batch, r.get("parameters"), r["cpu_s"] * 1e3,
                     batch and r["cpu_s"] * 1e3 / batch, r["rss_MB"]])
    md += [table(["case", "task, config", "batch", "parameters", "ms per iteration", "ms per sample",
                  "peak RSS MB"], rows), ""]

    # Model products.
    md += ["## Column model products (ns per call)", ""]
    rows = []
    for net, label in [("wta", "WTA"), ("xor", "XOR"), ("parity", "parity"), ("wta_batch16", "WTA x 16 trials")]:
        names = [f"BM_Model/{p}_{net}" for p in ("rhs", "jv", "jtv")]
        t = [cpu(n) for n in names]
        states = counter(names[0], "states")
        rows.append([label, states, counter(names[0], "connections")] + [x and x * 1e9 for x in t]
                    + [per(t[0], states) and per(t[0], states) * 1e9])
    md += [table(["network", "states", "connections", "F(y)", "J v", "J^T w", "F(y) ns/state"], rows), ""]

    # Floor rows on their own.
    md += ["## Floor runs", ""]
    rows = []
    for name in [n for n in b if n.startswith("BM_Floor")]:
        r = b[name]
        rows.append([name, r["cpu_s"] * 1e3, r.get("steps"), r.get("rejected"), r.get("rhs_evals"),
                     r.get("trajectory_bytes") and r["trajectory_bytes"] / 2**20, r["rss_MB"]])
    md += [table(["benchmark", "ms", "steps", "rejected", "rhs evals", "trajectory MB", "peak RSS MB"], rows), ""]

    check_path = os.path.join(args.work, "check.txt")
    if os.path.exists(check_path):
        with open(check_path) as f:
            md += ["## Checks (`neurode_bench --check`)", "", "```", f.read().rstrip(), "```", ""]
    md += kept_sections(args.output)
    with open(args.output, "w") as f:
        f.write("\n".join(md))


VISION_SECTION = "## Predictive coding against PyTorch"  # bench/vision_report.py's heading
HGRU_SECTION = "## hGRU against PyTorch"  # bench/hgru_report.py's heading


def kept_sections(path):
    """The sections of an existing RESULTS.md that other scripts wrote ('run separately' in their
    heading: MPI scaling, XOR training; and compare_vision.sh's and compare_hgru.sh's, which compare.sh
    runs after this report, or not at all with NEURODE_BENCH_PART=columns), so that a rerun does not
    drop them."""
    if not os.path.exists(path):
        return []
    kept, keep = [], False
    with open(path) as f:
        for line in f.read().rstrip("\n").split("\n"):
            if line.startswith("## "):
                keep = "run separately" in line or line in (VISION_SECTION, HGRU_SECTION)
            if keep:
                kept.append(line)
    return kept + [""] if kept else []


if __name__ == "__main__":
    main()
