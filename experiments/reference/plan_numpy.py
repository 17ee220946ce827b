"""A straightforward numpy implementation of mechpert's design loop, timed beside it.

Same work per round as `mechpert plan --predictor consensus:shrunk` with the default metrics:
for each job (strategy x seed) and round, pick a batch, reveal it, fit the consensus kNN
(weighted mean of a query's observed regulators, training mean when it has none) shrunk towards
the training mean with alpha chosen by leave-one-out, predict every unrevealed perturbation and
score pearson_delta, pearson_delta_de20, systema_pearson and mse. The shrinkage searches alpha
on a grid of 21 values (mechpert runs Nelder-Mead over alpha and the weight power), uncertainty
uses 4 bootstrap refits, pagerank is a plain power iteration: close enough in cost to compare
speed, not meant to reproduce mechpert's numbers.

    python plan_numpy.py SCREEN.h5ad CONSENSUS.tsv [--seeds 5 --rounds 5 --batch 10]
"""
import argparse
import time

import h5py
import numpy as np


def read_screen(path):
    with h5py.File(path, "r") as f:
        x = f["X"][()].astype(np.float32)
        obs = f["obs"]
        key = "perturbation"
        col = obs[key]
        if isinstance(col, h5py.Group):  # categorical
            cats = [c.decode() if isinstance(c, bytes) else c for c in col["categories"][()]]
            labels = [cats[i] for i in col["codes"][()]]
        else:
            labels = [c.decode() if isinstance(c, bytes) else c for c in col[()]]
    control = [i for i, l in enumerate(labels) if l == "non-targeting"]
    rows = [i for i, l in enumerate(labels) if l != "non-targeting"]
    ctrl = x[control].mean(axis=0) if control else np.zeros(x.shape[1], np.float32)
    return [labels[i] for i in rows], x[rows] - ctrl


def read_consensus(path, names):
    index = {n: i for i, n in enumerate(names)}
    n = len(names)
    w = np.zeros((n, n), np.float32)  # w[target, regulator]
    with open(path) as f:
        next(f)
        for line in f:
            t, r, weight = line.rstrip("\n").split("\t")[:3]
            if t in index and r in index and t != r:
                w[index[t], index[r]] = max(w[index[t], index[r]], float(weight))
    return w


def knn_predict(w, y, observed, queries, mean):
    sub = w[np.ix_(queries, observed)]
    total = sub.sum(axis=1, keepdims=True)
    pred = np.where(total > 0, sub @ y[observed] / np.where(total > 0, total, 1), mean)
    return pred.astype(np.float32), int((total[:, 0] <= 0).sum())


def fit_alpha(w, y, observed):
    obs = np.array(observed)
    n = len(obs)
    if n < 2:
        return 0.0
    total = y[obs].sum(axis=0)
    loo_pred = np.empty((n, y.shape[1]), np.float32)
    loo_mean = np.empty((n, y.shape[1]), np.float32)
    for i in range(n):
        rest = np.delete(obs, i)
        m = (total - y[obs[i]]) / (n - 1)
        loo_mean[i] = m
        loo_pred[i] = knn_predict(w, y, rest, obs[i:i + 1], m)[0][0]
    target = y[obs]
    best = min(np.linspace(0, 1, 21),
               key=lambda a: float(((a * (loo_pred - loo_mean) + loo_mean - target) ** 2).sum()))
    return float(best)


def pearson_rows(a, b):
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return np.where(den > 0, (a * b).sum(axis=1) / np.where(den > 0, den, 1), 0.0)


def score(pred, truth, mean, top20):
    rows = np.arange(len(truth))[:, None]
    return (
        pearson_rows(pred, truth).mean(),
        pearson_rows(pred[rows, top20], truth[rows, top20]).mean(),
        pearson_rows(pred - mean, truth - mean).mean(),
        ((pred - truth) ** 2).mean(),
    )


def pagerank(w, iters=100, d=0.85):
    a = w.T  # regulator -> target, reversed as mechpert does: rank regulators that reach much
    out = a.sum(axis=1)
    n = len(a)
    p = np.full(n, 1.0 / n)
    for _ in range(iters):
        spread = np.where(out > 0, p / np.where(out > 0, out, 1), 0) @ a
        p = (1 - d) / n + d * (spread + p[out == 0].sum() / n)
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("screen")
    ap.add_argument("consensus")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch", type=int, default=10)
    args = ap.parse_args()
    t0 = time.time()
    names, y = read_screen(args.screen)
    w = read_consensus(args.consensus, names)
    top20 = np.argsort(-np.abs(y), axis=1)[:, :20]
    t_load = time.time() - t0
    n = len(names)
    degree = (w > 0).sum(axis=0).astype(float)  # regulators' out-degree
    pr = pagerank(w)
    out_weight = w.sum(axis=0)
    strategies = ["consensus", "hubs", "degree", "pagerank", "random", "uncertainty"]
    t1 = time.time()
    for strategy in strategies:
        for seed in range(1, args.seeds + 1):
            rng = np.random.default_rng(seed)
            observed = []
            alpha = 0.0
            for _ in range(args.rounds):
                cand = np.setdiff1d(np.arange(n), observed)
                k = args.batch
                if strategy == "random" or (strategy == "uncertainty" and not observed):
                    picks = list(rng.choice(cand, k, replace=False))
                elif strategy == "degree":
                    picks = list(cand[np.argsort(-degree[cand], kind="stable")[:k]])
                elif strategy == "pagerank":
                    picks = list(cand[np.argsort(-pr[cand], kind="stable")[:k]])
                elif strategy == "hubs":
                    picks = list(cand[np.argsort(-out_weight[cand], kind="stable")[:k]])
                elif strategy == "consensus":
                    covered = (w[:, observed] > 0).any(axis=1) if observed else np.zeros(n, bool)
                    measured = np.zeros(n, bool)
                    measured[observed] = True
                    picks = []
                    for _ in range(k):
                        open_ = ~(covered | measured)
                        gain = (w[open_][:, cand]).sum(axis=0)
                        gain[np.isin(cand, picks)] = -1
                        c = cand[int(np.argmax(gain))]
                        picks.append(c)
                        measured[c] = True
                        covered |= w[:, c] > 0
                else:  # uncertainty: bootstrap variance of the shrunk kNN
                    obs = np.array(observed)
                    preds = []
                    for _ in range(4):
                        boot = np.unique(rng.choice(obs, len(obs)))
                        m = y[boot].mean(axis=0)
                        a = fit_alpha(w, y, list(boot))
                        p, _ = knn_predict(w, y, boot, cand, m)
                        preds.append(a * p + (1 - a) * m)
                    var = np.var(np.stack(preds), axis=0).mean(axis=1)
                    picks = list(cand[np.argsort(-var, kind="stable")[:k]])
                observed = observed + [int(p) for p in picks]
                queries = np.setdiff1d(np.arange(n), observed)
                mean = y[observed].mean(axis=0)
                alpha = fit_alpha(w, y, observed)
                knn, _ = knn_predict(w, y, np.array(observed), queries, mean)
                shrunk = alpha * knn + (1 - alpha) * mean
                truth = y[queries]
                score(shrunk, truth, mean, top20[queries])
                score(np.broadcast_to(mean, truth.shape), truth, mean, top20[queries])
    t_loop = time.time() - t1
    print(f"numpy reference: load {t_load:.2f} s, loop {t_loop:.2f} s "
          f"({len(strategies)} strategies x {args.seeds} seeds x {args.rounds} rounds of {args.batch})")


if __name__ == "__main__":
    main()
