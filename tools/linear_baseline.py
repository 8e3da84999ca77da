#!/usr/bin/env python3
"""The linear-classifier ceiling of a predictive-coding comparison protocol.

With the Gaussian prior, predictive coding's vector field is affine in the state with the image as
a constant input, so r_L(T) = M x for a matrix M fixed by the weights, the rates and T, and the
logits A r_L(T) + b are an affine function of the image: the trained model is a linear classifier
on the pixels, whatever the solver (docs/results/predictive-coding.md, "The accuracy ceiling").
This script trains the best such classifier directly (softmax regression on the standardised
pixels, Adam, mini-batches) on the data of a protocol (inputs/paper/*.yaml: the first
training_images + validation_images images of the training files, the first test_images of the
test files) and prints its validation and test accuracy per epoch, and the test accuracy at the
epoch of best validation accuracy.

  /usr/bin/python3 tools/linear_baseline.py inputs/paper/pc_fashion_machine.yaml --epochs 30

numpy only. The validation images are drawn by --seed with numpy's generator (not neurode's own
split), which changes which images are held out, not how many.
"""
import argparse
import gzip
import os

import numpy as np
import yaml

FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(directory, stem, count):
    for name in (stem + ".gz", stem):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            dims = data[3]
            shape = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(dims)]
            values = np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)
            return values[:count]
    raise SystemExit("linear_baseline: no %s(.gz) in %s" % (stem, directory))


def accuracy(weights, bias, x, y):
    return float(np.mean(np.argmax(x @ weights + bias, axis=1) == y))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("protocol")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open(args.protocol) as f:
        protocol = yaml.safe_load(f)
    data = protocol["base"]["task"]["data"]
    if data.get("format", "idx") != "idx":
        raise SystemExit("linear_baseline: only IDX data (Fashion-MNIST, MNIST) is read here")
    n_train, n_val, n_test = data["training_images"], data["validation_images"], data["test_images"]
    images = read_idx(data["directory"], FILES[True][0], n_train + n_val).reshape(n_train + n_val, -1) / 255.0
    labels = read_idx(data["directory"], FILES[True][1], n_train + n_val).astype(int)
    test_x = read_idx(data["directory"], FILES[False][0], n_test).reshape(n_test, -1) / 255.0
    test_y = read_idx(data["directory"], FILES[False][1], n_test).astype(int)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(n_train + n_val)
    val, train = order[:n_val], order[n_val:]
    mean, std = images[train].mean(), images[train].std()  # one channel: neurode's standardisation
    x, y = (images[train] - mean) / std, labels[train]
    xv, yv = (images[val] - mean) / std, labels[val]
    xt = (test_x - mean) / std
    classes = 10
    weights = rng.normal(0, 1 / np.sqrt(x.shape[1]), (x.shape[1], classes))
    bias = np.zeros(classes)
    params = [weights, bias]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    best = (-1.0, 0, 0.0)
    print("epoch  validation %  test %")
    for epoch in range(1, args.epochs + 1):
        permutation = rng.permutation(len(x))
        x, y = x[permutation], y[permutation]
        for start in range(0, len(x), args.batch):
            xb, yb = x[start:start + args.batch], y[start:start + args.batch]
            logits = xb @ weights + bias
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1.0
            grads = [xb.T @ p / len(yb), p.mean(axis=0)]
            step += 1
            for k, (param, g) in enumerate(zip(params, grads)):
                m[k] = 0.9 * m[k] + 0.1 * g
                v[k] = 0.999 * v[k] + 0.001 * g * g
                param -= args.learning_rate * (m[k] / (1 - 0.9**step)) / (np.sqrt(v[k] / (1 - 0.999**step)) + 1e-8)
        va, te = accuracy(weights, bias, xv, yv), accuracy(weights, bias, xt, test_y)
        if va > best[0]:
            best = (va, epoch, te)
        print("%5d  %12.1f  %6.1f" % (epoch, 100 * va, 100 * te))
    print("best validation %.1f%% at epoch %d: test %.1f%%" % (100 * best[0], best[1], 100 * best[2]))


if __name__ == "__main__":
    main()
