#!/usr/bin/python3
"""The CCN 2022 comparison for predictive coding (docs/predictive-coding.md): the same model trained
with forward Euler and back-propagation through its steps, and with higher-order and adaptive
solvers and their adjoints, then each trained model evaluated with other solvers.

    tools/paper_comparison.py PROTOCOL.yaml --out DIR [--ranks 2] [--neurode build/apps/neurode]
                              [--report docs/results/predictive-coding.md]

PROTOCOL.yaml (inputs/paper/*.yaml) holds the base training config (`base:`), the variants
(`variants:` name -> solver and gradient sections), the seeds, the model settings and which variants
run under each, and the evaluation solvers (`robustness:`, `tight:`). Model settings are either
`rates:` (predictive coding's (k1, k2): `- {k1: 0.02, k2: 0.66, variants: [...]}`) or `settings:`
(overrides of the model, or of any section: `- {label: "length 6", model: {channels: 8},
config: {task: {data: {length: 6}}}, variants: [...]}`); without either,
one setting, the base's own model. Any model family works: the variants only change solvers.

Resumable: a run whose result file exists is kept, an interrupted run resumes from its checkpoint
(neurode train does that), so the same command completes a comparison stopped part-way. Every run
is a plain `neurode train` of a config written to DIR/configs/, so any one can be rerun by hand.
"""
import argparse
import copy
import os
import re
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def deep_merge(base, override):
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def run(cmd, log):
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        code = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT)
        f.write("exit %d\n" % code)
        return code


def neurode_train(args, config, path, output):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    if os.path.exists(output):
        return "kept"
    os.makedirs(os.path.dirname(output), exist_ok=True)
    cmd = ["bash", os.path.join(HERE, "mpirun.sh"), "-np", str(args.ranks), args.neurode, "train", path, "-o", output]
    start = time.time()
    code = run(cmd, output + ".log")
    return "done in %.0f s" % (time.time() - start) if code == 0 else "failed (exit %d, see %s.log)" % (code, output)


def model_settings(protocol):
    """(label, config overrides, variants) of every model setting, the first one first."""
    every = list(protocol["variants"])
    if "rates" in protocol:
        return [("k1=%g,k2=%g" % (r["k1"], r["k2"]), {"model": {"k1": r["k1"], "k2": r["k2"]}},
                 r.get("variants", every))
                for r in protocol["rates"]]
    if "settings" in protocol:
        return [(str(s["label"]), deep_merge(s.get("config", {}), {"model": s.get("model", {})}),
                 s.get("variants", every)) for s in protocol["settings"]]
    return [("base", {}, every)]


def training_runs(protocol):
    """(name, config) of every training of the comparison."""
    base = protocol["base"]
    # Seed by seed, so that a comparison stopped part-way has every variant for the first seeds.
    for seed in protocol["seeds"]:
        for label, overrides, variants in model_settings(protocol):
            for variant in variants:
                config = deep_merge(base, protocol["variants"][variant])
                config = deep_merge(config, overrides)
                config["seed"] = seed
                name = "%s__%s__seed%d" % (variant, re.sub(r"[^A-Za-z0-9=.+-]", "_", label), seed)
                yield name, variant, label, seed, config


def evaluation_config(protocol, config, trained, solver_override):
    """epochs: 0 from a trained result: the validation and test sets under another solver. The
    solver section is replaced, not merged: an adaptive evaluation of a fixed-step training must not
    inherit its `adaptive: false` and `dt`."""
    evaluation = deep_merge(config, {k: v for k, v in solver_override.items() if k != "solver"})
    if "solver" in solver_override:
        evaluation["solver"] = dict(solver_override["solver"])
    evaluation["initial_parameters"] = os.path.abspath(trained)
    evaluation["training"] = deep_merge(evaluation.get("training", {}), {"epochs": 0})
    evaluation.pop("gradient", None)
    return evaluation


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("protocol")
    parser.add_argument("--out", required=True)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--neurode", default=os.path.join(ROOT, "build", "apps", "neurode"))
    parser.add_argument("--report", help="write the tables and plots here (markdown)")
    parser.add_argument("--report-only", action="store_true", help="only summarise the runs already done")
    args = parser.parse_args()
    with open(args.protocol) as f:
        protocol = yaml.safe_load(f)
    out = os.path.abspath(args.out)
    runs = list(training_runs(protocol))
    # Seed by seed: the trainings, then the evaluations of that seed's models.
    first_label = model_settings(protocol)[0][0]
    jobs = []
    for seed_of_jobs in protocol["seeds"]:
        for name, variant, label, seed, config in runs:
            if seed == seed_of_jobs:
                jobs.append((os.path.join(out, "configs", name + ".yaml"), config,
                             os.path.join(out, "runs", name + ".h5")))
        for name, variant, label, seed, config in runs:
            if seed != seed_of_jobs or label != first_label:
                continue  # precision (every variant) and robustness at the first model setting
            trained = os.path.join(out, "runs", name + ".h5")
            evaluations = [("tight", protocol["tight"])]
            if variant in protocol.get("robustness_of", []):
                evaluations = list(protocol["robustness"].items()) + evaluations
            for eval_name, solver in evaluations:
                jobs.append((os.path.join(out, "configs", name + "__eval-" + eval_name + ".yaml"),
                             evaluation_config(protocol, config, trained, solver),
                             os.path.join(out, "evaluations", name + "__eval-" + eval_name + ".h5")))
    if not args.report_only:
        start = time.time()
        for k, (path, config, output) in enumerate(jobs):
            trained = config.get("initial_parameters")
            if trained and not os.path.exists(trained):
                print("[%d/%d] %s: skipped, its training failed" % (k + 1, len(jobs), os.path.basename(output)))
                continue
            if trained and os.path.exists(output) and os.path.getmtime(output) < os.path.getmtime(trained):
                os.remove(output)  # an evaluation of a model trained again since: evaluate the new one
            status = neurode_train(args, config, path, output)
            print("[%d/%d] %s: %s (%.0f s so far)" % (k + 1, len(jobs), os.path.basename(output), status,
                                                    time.time() - start), flush=True)
    if args.report:
        import paper_report
        paper_report.write(protocol, runs, out, args.report)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
