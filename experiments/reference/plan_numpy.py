"""An efficient numpy/scipy implementation of mechpert's design loop, timed beside it.

Same work per round as `mechpert plan --predictor consensus:shrunk` with the metrics asked for:
for each job (strategy x seed) and round, pick a batch, reveal it, fit the consensus kNN
(weighted mean of a query's observed regulators, training mean when it has none) shrunk towards
the training mean with alpha chosen by leave-one-out, predict every unrevealed perturbation and
score it and the training mean with pearson_delta and mse (and, on request, systema_pearson).

Written as a careful numpy user would: float32 responses, the consensus as a scipy.sparse
matrix, every query of a round predicted and scored at once (one sparse-dense product, row-wise
metrics, no Python loop over queries or genes), the leave-one-out of all observed rows at once
with the squared error as a quadratic in alpha searched on a grid of 101 values (mechpert runs
Nelder-Mead over alpha and the weight power: the reference keeps the power at 1, which is less
work), uncertainty as the variance of 4 bootstrap refits accumulated in place, pagerank a
sparse power iteration. Close enough in work to compare speed, not meant to reproduce
mechpert's numbers.

    python plan_numpy.py SCREEN.h5ad CONSENSUS.tsv [--seeds 5 --rounds 5 --batch 10]
        [--strategies consensus,degree,pagerank,random,uncertainty]
        [--metrics pearson_delta,mse]
"""
import argparse
import time

import h5py
import numpy as np
import scipy.sparse as sp


def read_screen(path):
    with h5py.File(path, "r") as f:
        x = f["X"][()].astype(np.float32)
        col = f["obs"]["perturbation"]
        if isinstance(col, h5py.Group):  # categorical
            cats = [c.decode() if isinstance(c, bytes) else c for c in col["categories"][()]]
            labels = [cats[i] for i in col["codes"][()]]
        else:
            labels = [c.decode() if isinstance(c, bytes) else c for c in col[()]]
    labels = np.array(labels)
    control = labels == "non-targeting"
    ctrl = x[control].mean(axis=0) if control.any() else np.zeros(x.shape[1], np.float32)
    return list(labels[~control]), np.ascontiguousarray(x[~control] - ctrl)


def read_consensus(path, names):
    index = {n: i for i, n in enumerate(names)}
    rows, cols, vals = [], [], []
    with open(path) as f:
        next(f)
        for line in f:
            t, r, weight = line.rstrip("\n").split("\t")[:3]
            if t in index and r in index and t != r:
                rows.append(index[t])
                cols.append(index[r])
                vals.append(float(weight))
    n = len(names)
    # w[target, regulator]; a repeated pair keeps its largest weight
    w = sp.coo_matrix((vals, (rows, cols)), shape=(n, n), dtype=np.float32).tocsr()
    w.sum_duplicates()
    return w


def knn(w, y, observed, queries, mean):
    """The consensus kNN of every query at once, and which queries fell back to the mean."""
    sub = w[queries][:, observed]
    total = np.asarray(sub.sum(axis=1)).ravel()
    pred = sub @ y[observed]
    has = total > 0
    pred[has] /= total[has, None]
    pred[~has] = mean
    return pred, has


def fit_alpha(w, y, observed):
    """Leave-one-out alpha of all observed rows at once: sum_i |a d_i + e_i|^2 on a grid."""
    n = len(observed)
    if n < 2:
        return 0.0
    yo = y[observed]
    loo_mean = (yo.sum(axis=0) - yo) / (n - 1)
    sub = w[observed][:, observed]  # no self-edges, so row i leaves i out
    total = np.asarray(sub.sum(axis=1)).ravel()
    loo = sub @ yo
    has = total > 0
    loo[has] /= total[has, None]
    loo[~has] = loo_mean[~has]
    d = loo - loo_mean
    e = loo_mean - yo
    a, b = float(np.vdot(d, d)), float(np.vdot(d, e))
    grid = np.linspace(0, 1, 101)
    return float(grid[np.argmin(grid * grid * a + 2 * grid * b)])


def pearson_rows(a, b):
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    num = np.einsum("ij,ij->i", a, b)
    den = np.sqrt(np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", b, b))
    return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def score(pred, truth, mean, metrics):
    out = {}
    if "pearson_delta" in metrics:
        out["pearson_delta"] = pearson_rows(pred, truth).mean()
    if "systema_pearson" in metrics:
        out["systema_pearson"] = pearson_rows(pred - mean, truth - mean).mean()
    if "mse" in metrics:
        diff = pred - truth
        out["mse"] = np.einsum("ij,ij->i", diff, diff).mean() / truth.shape[1]
    return out


def score_mean(mean, truth, metrics):
    """The training mean scored against every query without forming the repeated rows."""
    out = {}
    g = truth.shape[1]
    tc = truth - truth.mean(axis=1, keepdims=True)
    if "pearson_delta" in metrics:
        mc = mean - mean.mean()
        den = np.sqrt(np.einsum("ij,ij->i", tc, tc) * float(mc @ mc))
        out["pearson_delta"] = np.where(den > 0, (tc @ mc) / np.where(den > 0, den, 1), 0).mean()
    if "systema_pearson" in metrics:
        out["systema_pearson"] = 0.0
    if "mse" in metrics:
        diff = truth - mean
        out["mse"] = np.einsum("ij,ij->i", diff, diff).mean() / g
    return out


def pagerank(w, iters=100, d=0.85):
    a = w.T.tocsr()  # regulator -> target, reversed as mechpert does: rank regulators that reach much
    out = np.asarray(a.sum(axis=1)).ravel()
    n = a.shape[0]
    p = np.full(n, 1.0 / n)
    inv = np.where(out > 0, 1 / np.where(out > 0, out, 1), 0)
    for _ in range(iters):
        spread = a.T @ (p * inv)
        p = (1 - d) / n + d * (spread + p[out == 0].sum() / n)
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("screen")
    ap.add_argument("consensus")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--strategies", default="consensus,degree,pagerank,random,uncertainty")
    ap.add_argument("--metrics", default="pearson_delta,mse")
    args = ap.parse_args()
    strategies = args.strategies.split(",")
    metrics = set(args.metrics.split(","))
    t0 = time.time()
    names, y = read_screen(args.screen)
    w = read_consensus(args.consensus, names)
    t_load = time.time() - t0
    n = len(names)
    binary = (w > 0).astype(np.float32).tocsc()
    degree = np.asarray(binary.sum(axis=0)).ravel()  # regulators' out-degree
    pr = pagerank(w)
    t1 = time.time()
    for strategy in strategies:
        for seed in range(1, args.seeds + 1):
            rng = np.random.default_rng(seed)
            observed = np.array([], dtype=np.int64)
            for _ in range(args.rounds):
                cand = np.setdiff1d(np.arange(n), observed)
                k = args.batch
                if strategy == "random" or (strategy == "uncertainty" and len(observed) == 0):
                    picks = rng.choice(cand, k, replace=False)
                elif strategy == "degree":
                    picks = cand[np.argsort(-degree[cand], kind="stable")[:k]]
                elif strategy == "pagerank":
                    picks = cand[np.argsort(-pr[cand], kind="stable")[:k]]
                elif strategy == "consensus":  # greedy: regulators covering most uncovered targets
                    covered = np.zeros(n, bool)
                    if len(observed):
                        covered |= np.asarray(binary[:, observed].sum(axis=1)).ravel() > 0
                    covered[observed] = True
                    taken = np.zeros(n, bool)
                    picks = []
                    for _ in range(k):
                        gain = binary.T @ (~covered).astype(np.float32)
                        gain[observed] = -1
                        gain[taken] = -1
                        c = int(np.argmax(gain))
                        picks.append(c)
                        taken[c] = True
                        covered[c] = True
                        covered[binary[:, c].indices] = True
                    picks = np.array(picks)
                else:  # uncertainty: bootstrap variance of the shrunk kNN, accumulated in place
                    s1 = np.zeros((len(cand), y.shape[1]), np.float32)
                    s2 = np.zeros_like(s1)
                    draws = 4
                    for _ in range(draws):
                        boot = np.unique(rng.choice(observed, len(observed)))
                        m = y[boot].mean(axis=0)
                        a = fit_alpha(w, y, boot)
                        p, _ = knn(w, y, boot, cand, m)
                        p *= a
                        p += (1 - a) * m
                        s1 += p
                        p *= p
                        s2 += p
                    s1 /= draws
                    var = (s2 / draws - s1 * s1).mean(axis=1)
                    picks = cand[np.argsort(-var, kind="stable")[:k]]
                observed = np.concatenate([observed, picks])
                queries = np.setdiff1d(np.arange(n), observed)
                mean = y[observed].mean(axis=0)
                alpha = fit_alpha(w, y, observed)
                pred, _ = knn(w, y, observed, queries, mean)
                pred *= alpha
                pred += (1 - alpha) * mean
                truth = y[queries]
                score(pred, truth, mean, metrics)
                score_mean(mean, truth, metrics)
    t_loop = time.time() - t1
    print(f"numpy reference: load {t_load:.2f} s, loop {t_loop:.2f} s "
          f"({len(strategies)} strategies x {args.seeds} seeds x {args.rounds} rounds of {args.batch})")


if __name__ == "__main__":
    main()
