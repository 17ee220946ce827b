"""Writes a small single-cell screen as a user keeps it, for the plan rerun tests in
tests/plan.rs: the perturbation label in obs['guide_target'] (not a default key), controls
labelled 'NTC' (not a default label), raw counts in layers['counts'] and X = log1p(counts)
without per-cell scaling, so that reading X instead of the layer gives other values.

Usage: python write_plan_screen.py OUT_DIR  ->  OUT_DIR/cells.h5ad
"""

import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

out = Path(sys.argv[1])
rng = np.random.default_rng(5)
genes = [f"G{i}" for i in range(12)]
targets = [f"G{i}" for i in range(12)] + ["P12", "P13"]
labels = ["NTC"] * 6 + [t for t in targets for _ in range(3)]
base = rng.uniform(1, 40, len(genes))
counts = rng.poisson(lam=base, size=(len(labels), len(genes))).astype(np.float32)
for i, label in enumerate(labels):
    if label in genes:
        counts[i, genes.index(label)] = 0  # the knocked-down gene
a = ad.AnnData(
    X=sp.csr_matrix(np.log1p(counts)),
    obs=pd.DataFrame({"guide_target": labels}, index=[f"c{i}" for i in range(len(labels))]),
)
a.var_names = genes
a.layers["counts"] = sp.csr_matrix(counts)
a.write_h5ad(out / "cells.h5ad")
