"""Reference values for mechpert's metrics, from cell-eval and scipy (run by cell_eval_reference.sh).

Reads the committed fixtures in tests/fixtures/metrics/ and writes, next to them:
  cell_eval_reference.tsv  perturbation, metric, value
      pearson_delta, mse_delta (= mechpert `mse`), discrimination_score_l1: cell-eval 0.8.2's own
      metric functions on a PerturbationAnndataPair (one pseudo-cell per perturbation and control);
      pearson_delta_de20, systema_pearson, mse_de20, direction_de20, overlap@20: numpy/scipy
      re-implementations of mechpert's definitions (cell-eval has no equivalent that takes
      pseudo-bulk profiles: its DE metrics need cell-level DE tables).
  wilcoxon_reference.tsv   case, correction, statistic, pvalue  (scipy.stats.wilcoxon)

With --write-fixtures it first (re)creates the fixtures from a fixed numpy seed.
"""

import sys
from pathlib import Path

import numpy as np

FIX = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "metrics"
CONTROL = "non-targeting"


def write_fixtures():
    rng = np.random.default_rng(20240601)
    genes = [f"G{i:02d}" for i in range(40)]
    perts = [f"G{i:02d}" for i in range(1, 7)]  # target genes are measured genes too
    # Multiples of 1/256: exact in f32 and f64, so Rust and numpy see the same numbers.
    q = lambda a: np.round(a * 256) / 256
    control = q(rng.normal(2.0, 0.5, len(genes)))
    shared = rng.normal(0, 1, len(genes))
    truth = q(control + 0.6 * shared + rng.normal(0, 1, (len(perts), len(genes))))
    pred = q(control + 0.6 * shared + 0.5 * (truth - control - 0.6 * shared)
             + rng.normal(0, 0.7, (len(perts), len(genes))))
    pred[5] = q(control + 0.25)  # a constant delta: NaN in scipy's Pearson
    # A strong knockdown of G01's own gene that no prediction sees: the discrimination score
    # excludes the target gene's column, so it must not count.
    truth[0, 1] = control[1] - 8.0
    for name, m in (("truth.csv", truth), ("predicted.csv", pred)):
        with open(FIX / name, "w") as f:
            f.write("perturbation," + ",".join(genes) + "\n")
            f.write(CONTROL + "," + ",".join(repr(float(v)) for v in control) + "\n")
            for p, row in zip(perts, m):
                f.write(p + "," + ",".join(repr(float(v)) for v in row) + "\n")
    cases = {
        "exact_n10": (rng.normal(0.3, 0.05, 10), rng.normal(0.31, 0.05, 10)),
        "exact_n50": (rng.normal(0, 1, 50), rng.normal(0.2, 1, 50)),
        "ties_zeros_n8": (np.array([1, 2, 2, 3, 0, 4, -1, 5.0]), np.zeros(8)),
        "ties_n30": (np.round(rng.normal(0.2, 1, 30), 1), np.zeros(30)),
        "normal_n60": (rng.normal(0.1, 1, 60), rng.normal(0, 1, 60)),
        "ties_n70": (np.round(rng.normal(0.1, 1, 70), 1), np.round(rng.normal(0, 1, 70), 1)),
    }
    with open(FIX / "wilcoxon_cases.tsv", "w") as f:
        f.write("case\tx\ty\n")
        for name, (x, y) in cases.items():
            f.write(f"{name}\t{','.join(repr(float(v)) for v in x)}\t{','.join(repr(float(v)) for v in y)}\n")


def read_wide(path):
    lines = path.read_text().splitlines()
    genes = lines[0].split(",")[1:]
    names, rows = [], []
    for line in lines[1:]:
        parts = line.split(",")
        names.append(parts[0])
        rows.append([float(v) for v in parts[1:]])
    return genes, names, np.array(rows)


def pearson0(a, b):
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    from scipy.stats import pearsonr
    return float(pearsonr(a, b)[0])


def main():
    if "--write-fixtures" in sys.argv:
        write_fixtures()
    import anndata as ad
    import pandas as pd
    from cell_eval._types import PerturbationAnndataPair
    from cell_eval.metrics import discrimination_score, mse_delta, pearson_delta
    from scipy.stats import wilcoxon

    genes, names, truth = read_wide(FIX / "truth.csv")
    genes_p, names_p, pred = read_wide(FIX / "predicted.csv")
    assert genes == genes_p and names == names_p

    def adata(m):
        a = ad.AnnData(X=m.astype(np.float64), obs=pd.DataFrame({"target": names}, index=[f"c{i}" for i in range(len(names))]))
        a.var_names = genes
        return a

    pair = PerturbationAnndataPair(real=adata(truth), pred=adata(pred), pert_col="target", control_pert=CONTROL)
    out = []
    for metric, fn in (("pearson_delta", pearson_delta), ("mse", mse_delta), ("discrimination_l1", lambda d: discrimination_score(d, metric="l1"))):
        for p, v in fn(pair).items():
            out.append((p, metric, float(v)))

    control = truth[names.index(CONTROL)]
    perts = [n for n in names if n != CONTROL]
    dt = np.array([truth[names.index(p)] - control for p in perts])
    dp = np.array([pred[names.index(p)] - control for p in perts])
    mu = dt.mean(axis=0)  # the reference: mean of the "training" perturbations = all of them here
    for i, p in enumerate(perts):
        order = sorted(range(len(genes)), key=lambda g: (-abs(dt[i, g]), g))
        de = order[:20]
        porder = sorted(range(len(genes)), key=lambda g: (-abs(dp[i, g]), g))
        out += [
            (p, "pearson_delta_de20", pearson0(dp[i, de], dt[i, de])),
            (p, "systema_pearson", pearson0(dp[i] - mu, dt[i] - mu)),
            (p, "mse_de20", float(np.mean((dp[i, de] - dt[i, de]) ** 2))),
            (p, "direction_de20", float(np.mean(np.sign(dp[i, de]) == np.sign(dt[i, de])))),
            (p, "overlap@20", len(set(porder[:20]) & set(de)) / 20),
        ]
    with open(FIX / "cell_eval_reference.tsv", "w") as f:
        f.write("perturbation\tmetric\tvalue\n")
        for p, m, v in out:
            f.write(f"{p}\t{m}\t{v!r}\n")

    with open(FIX / "wilcoxon_reference.tsv", "w") as f:
        f.write("case\tcorrection\tstatistic\tpvalue\n")
        for line in (FIX / "wilcoxon_cases.tsv").read_text().splitlines()[1:]:
            case, xs, ys = line.split("\t")
            x = np.array([float(v) for v in xs.split(",")])
            y = np.array([float(v) for v in ys.split(",")])
            for correction in (False, True):
                r = wilcoxon(x, y, correction=correction)
                f.write(f"{case}\t{str(correction).lower()}\t{float(r.statistic)!r}\t{float(r.pvalue)!r}\n")


if __name__ == "__main__":
    main()
