"""Writes a predicted and a measured screen as AnnData and scores them with cell-eval 0.8.2's
own metric functions, for the `mechpert score` test in tests/userworld.rs.

Usage: python score_reference.py OUT_DIR
Writes OUT_DIR/real.h5ad (control + 6 perturbations, single cells: 3 per perturbation) and
OUT_DIR/pred.h5ad (one row per perturbation plus control, genes in another order, one
perturbation the screen lacks, one it lacks, one extra gene), then prints
`perturbation<TAB>metric<TAB>value` for pearson_delta, mse and discrimination_l1 computed by
cell-eval on the aligned perturbations and genes.
"""

import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
from cell_eval._types import PerturbationAnndataPair
from cell_eval.metrics import discrimination_score, mse_delta, pearson_delta

out = Path(sys.argv[1])
rng = np.random.default_rng(7)
genes = [f"G{i:02d}" for i in range(30)]
real_perts = [f"G{i:02d}" for i in range(1, 7)]  # targets are measured genes too
control = rng.normal(2.0, 0.5, len(genes))
effects = {p: rng.normal(0, 1, len(genes)) for p in real_perts}

# Real: single cells, 3 per label, the label's mean exactly its profile.
labels, cells = [], []
for p in ["non-targeting"] + real_perts:
    mean = control if p == "non-targeting" else control + effects[p]
    noise = rng.normal(0, 0.3, (3, len(genes)))
    noise -= noise.mean(axis=0)
    for row in mean + noise:
        labels.append(p)
        cells.append(row)
real = ad.AnnData(
    X=np.array(cells, dtype=np.float32),
    obs=pd.DataFrame({"perturbation": labels}, index=[f"c{i}" for i in range(len(labels))]),
)
real.var_names = genes
real.write_h5ad(out / "real.h5ad")

# Pred: G06 not predicted, XYZ not measured, an extra gene, genes in reverse order.
pred_perts = real_perts[:5] + ["XYZ"]
pred_genes = list(reversed(genes)) + ["EXTRA"]
rows = [np.append(control[::-1], 5.0)]
for p in pred_perts:
    eff = effects.get(p, rng.normal(0, 1, len(genes)))
    guess = control + 0.3 * eff + rng.normal(0, 1.0, len(genes))
    rows.append(np.append(guess[::-1], 1.0))
pred = ad.AnnData(
    X=np.array(rows, dtype=np.float32),
    obs=pd.DataFrame({"perturbation": ["non-targeting"] + pred_perts},
                     index=[f"p{i}" for i in range(len(rows))]),
)
pred.var_names = pred_genes
pred.write_h5ad(out / "pred.h5ad")

# cell-eval on the aligned part: the shared perturbations and genes, in the real order, with
# the real single cells reduced to their means (cell-eval's pseudobulk does the same).
shared = [p for p in real_perts if p in pred_perts]
def bulk(a, names):
    x = np.array([np.asarray(a[a.obs["perturbation"] == n][:, genes].X).mean(axis=0) for n in names],
                 dtype=np.float64)
    b = ad.AnnData(X=x, obs=pd.DataFrame({"target": names}, index=[f"r{i}" for i in range(len(names))]))
    b.var_names = genes
    return b
names = ["non-targeting"] + shared
pair = PerturbationAnndataPair(real=bulk(real, names), pred=bulk(pred, names), pert_col="target",
                               control_pert="non-targeting")
for metric, fn in (("pearson_delta", pearson_delta), ("mse", mse_delta),
                   ("discrimination_l1", lambda d: discrimination_score(d, metric="l1"))):
    for p, v in fn(pair).items():
        print(f"{p}\t{metric}\t{float(v)!r}")
