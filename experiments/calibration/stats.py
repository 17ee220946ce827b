"""Statistics of a rank-score screen for the simulator calibration (experiments/calibration/run.sh).

    stats.py rank WIDE.csv OUT.csv [--top N]
        A simulated wide pseudo-bulk CSV (control row `non-targeting` first) to the ranked format of
        the real K562 signatures: per perturbation the `top` genes with the largest response
        (profile − control), `perturbation,rank,gene`. Default top: min(1000, genes / 8), the
        real screen's 1,000 of ~8,000 measured genes.
    stats.py stats RANKED.csv [--observed 50 --draws 5 --seed 1] [--truth TRUTH.tsv]
        One TSV line of statistics on the rank-score matrix (score 1 − (rank − 1)/R, else 0):
        oracle5 (mean over draws and held-out perturbations of the Pearson correlation between the
        truth and the mean of the 5 observed responses most correlated with it), the quantiles of
        the pairwise response correlations, and the fraction of variance in the top principal
        component (gene-centred and uncentred). With --truth (a simulator truth file), also the
        mean correlation of the responses of the two perturbed ends of each truth edge, per
        mechanism (regulation, module).
"""
import argparse
import csv
import gzip
import sys

import numpy as np


def opener(path):
    return gzip.open(path, "rt", newline="") if path.endswith(".gz") else open(path, newline="")


def rank(args):
    with opener(args.wide) as f:
        reader = csv.reader(f)
        genes = next(reader)[1:]
        rows = list(reader)
    control = np.array(rows[0][1:], dtype=float)
    if rows[0][0] != "non-targeting":
        sys.exit(f"{args.wide}:2: expected the `non-targeting` control row first, got {rows[0][0]!r}")
    out = gzip.open(args.out, "wt", newline="") if args.out.endswith(".gz") else open(args.out, "w", newline="")
    with out:
        w = csv.writer(out)
        w.writerow(["perturbation", "rank", "gene"])
        for row in rows[1:]:
            response = np.array(row[1:], dtype=float) - control
            # Stable order: largest response first, ties by gene position.
            top = args.top or min(1000, len(genes) // 8)
            order = np.argsort(-response, kind="stable")[:top]
            for r, g in enumerate(order, start=1):
                w.writerow([row[0], r, genes[g]])


def pair_correlations(c, names, truth):
    index = {n: i for i, n in enumerate(names)}
    pairs = {"regulation": set(), "module": set()}
    with open(truth, newline="") as f:
        for rec in csv.DictReader(f, delimiter="\t"):
            a, b = index.get(rec["regulator"]), index.get(rec["target"])
            if a is not None and b is not None and a != b:
                pairs[rec["mechanism"]].add((min(a, b), max(a, b)))
    return {k: (np.mean([c[a, b] for a, b in v]) if v else float("nan"), len(v))
            for k, v in pairs.items()}


def load_ranked(path):
    perts, genes, cells = {}, {}, []
    top = 0
    with opener(path) as f:
        reader = csv.DictReader(f)
        for rec in reader:
            p = perts.setdefault(rec["perturbation"], len(perts))
            g = genes.setdefault(rec["gene"], len(genes))
            r = int(rec["rank"])
            top = max(top, r)
            cells.append((p, g, r))
    x = np.zeros((len(perts), len(genes)))
    for p, g, r in cells:
        x[p, g] = 1.0 - (r - 1) / top
    return x, list(perts)


def pearson_rows(a, b):
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    num = (a * b).sum(axis=-1)
    den = np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def stats(args):
    x, names = load_ranked(args.ranked)
    n = x.shape[0]
    c = np.corrcoef(x)
    rng = np.random.default_rng(args.seed)
    oracle = []
    for _ in range(args.draws):
        obs = rng.choice(n, size=args.observed, replace=False)
        held = np.setdiff1d(np.arange(n), obs)
        best = obs[np.argsort(-c[np.ix_(held, obs)], axis=1)[:, :5]]
        pred = x[best].mean(axis=1)
        oracle.append(pearson_rows(pred, x[held]).mean())
    off = c[np.triu_indices(n, k=1)]
    q = np.quantile(off, [0.1, 0.5, 0.9, 0.99])
    # Squared singular values are the eigenvalues of the (perturbations × perturbations) Gram
    # matrix, much cheaper than an SVD of the wide matrix.
    centred = x - x.mean(axis=0)
    s2c = np.linalg.eigvalsh(centred @ centred.T)[::-1]
    s2u = np.linalg.eigvalsh(x @ x.T)[::-1]
    head = ["oracle5", "corr_mean", "corr_q10", "corr_median", "corr_q90", "corr_q99",
            "pc1_centred", "pc1_uncentred"]
    values = [f"{v:.3f}" for v in [np.mean(oracle), off.mean(), *q,
                                   s2c[0] / s2c.sum(), s2u[0] / s2u.sum()]]
    if args.truth:
        for mech, (mean, n) in pair_correlations(c, names, args.truth).items():
            head += [f"corr_{mech}_pairs", f"n_{mech}_pairs"]
            values += [f"{mean:.3f}", str(n)]
    print("\t".join(head))
    print("\t".join(values))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("rank")
    r.add_argument("wide")
    r.add_argument("out")
    r.add_argument("--top", type=int, default=None)
    s = sub.add_parser("stats")
    s.add_argument("ranked")
    s.add_argument("--observed", type=int, default=50)
    s.add_argument("--draws", type=int, default=5)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--truth")
    args = ap.parse_args()
    {"rank": rank, "stats": stats}[args.cmd](args)


if __name__ == "__main__":
    main()
